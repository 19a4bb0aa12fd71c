"""The command groups' one way of reporting an expected failure: a ``PmkgError`` raised anywhere in a
command becomes click's one-line error and a non-zero exit, never a traceback.

Its own module, so the command groups of every package (cases, link, review, users) share it
without importing ``kg.cli_group``, which imports them.
"""

from __future__ import annotations

import click

from kg.errors import PmkgError


class PmkgGroup(click.Group):
    """Turns every PmkgError raised by a command into a one-line error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PmkgError as error:
            raise click.ClickException(str(error)) from None
