"""The options several ``pmkg`` commands share: the store, the wait for its lock, an absolute IRI."""

from __future__ import annotations

import click

from kg import config, lock
from kg.backends import STORE, STORE_HELP
from kg.errors import PmkgError
from kg.store import named_node


def store_option(function):
    return click.option(
        "--store",
        "store_dir",
        type=STORE,
        default=config.store_path,
        show_default="$PMKG_STORE or ./pmkg-data",
        help=STORE_HELP,
    )(function)


def wait_option(function):
    return click.option(
        "--wait", type=click.FloatRange(min=0), default=lock.default_wait, show_default="$PMKG_LOCK_WAIT or 60",
        help="Seconds to wait for a store another process is using (e.g. the web app copying it) before giving up.",
    )(function)


class IriType(click.ParamType):
    """An absolute IRI, checked before it goes anywhere near SPARQL."""

    name = "IRI"

    def convert(self, value, param, ctx):
        try:
            return named_node(value).value
        except PmkgError as error:
            self.fail(str(error), param, ctx)


IRI = IriType()
