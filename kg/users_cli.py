"""``pmkg users``: the accounts of the review web app.

    pmkg users add NAME [--store DIR] [--password-stdin]   make an account (the password is asked twice)
    pmkg users list [--store DIR]                           the accounts and when each was made
    pmkg users remove NAME [--store DIR]                    delete an account; its sessions end at once

A password is never taken from the command line (where ``ps`` and the shell's
history would show it): it is typed at the prompt, twice, or read from the
first line of standard input with ``--password-stdin``.

Register with ``main.add_command(users)``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg import config
from kg.backends import StoreFolder
from kg.cli_errors import PmkgGroup
from kg.errors import PmkgError
from kg.store import is_store
from kg.users import MIN_PASSWORD, Users


def _store_option(function):
    return click.option("--store", "store_dir", type=StoreFolder("pmkg users"),
                        default=config.store_path, show_default="$PMKG_STORE or ./pmkg-data",
                        help="Store folder (accounts are kept in its private/users.sqlite).")(function)


def _users(store_dir: Path) -> Users:
    if not is_store(store_dir):
        raise PmkgError(f"no store at {store_dir}; create one with `pmkg init --store {store_dir}`")
    return Users(store_dir)


@click.group(cls=PmkgGroup)
def users():
    """Accounts of the review web app (reviewers sign in with them)."""


@users.command("add")
@click.argument("name")
@_store_option
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking for it.")
def add(name: str, store_dir: Path, password_stdin: bool):
    """Make an account NAME; its password is asked for twice (never given on the command line)."""
    accounts = _users(store_dir)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password for {name} (at least {MIN_PASSWORD} characters)",
                                hide_input=True, confirmation_prompt=True)
    user = accounts.add(name, password)
    click.echo(f"added account {user.name}")


@users.command("list")
@_store_option
def list_users(store_dir: Path):
    """List the accounts and when each was made."""
    for user in _users(store_dir).list():
        click.echo(f"{user.name}\t{user.created}")


@users.command("remove")
@click.argument("name")
@_store_option
def remove(name: str, store_dir: Path):
    """Delete the account NAME; anyone signed in with it is signed out at their next request."""
    _users(store_dir).remove(name)
    click.echo(f"removed account {name}")
