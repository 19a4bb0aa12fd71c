"""The ``pmkg`` command group: one-line errors, and command groups imported only when used.

``kg.cli`` builds ``pmkg`` on ``MainGroup``. The groups of other packages
(``LAZY_COMMANDS``) are imported when they are run or asked for their help,
so ``pmkg --help`` and ``pmkg query`` do not import Flask, the linker or the
cases module.
"""

from __future__ import annotations

import importlib

import click

from kg.cli_errors import PmkgGroup

# name: (module, attribute, the command's short help as --help lists it). tests/test_imports.py
# checks that each short help is the command's own.
LAZY_COMMANDS = {
    "cases": ("kg.cases.cli", "cases", "The cases: one matter across articles, with its current status."),
    "follow": ("kg.fetch.cli", "follow", "Read RSS and Atom FEEDS and ingest the items not seen before."),
    "link": ("kg.link.cli", "link", "Link the people (or, with --cases, the cases) of the store to..."),
    "restore": ("kg.review.withdraw_cli", "restore_command",
                "Publish a withdrawn ARTICLE again, with the review decisions..."),
    "review": ("kg.review.cli", "review", "Review the facts of each article: confirm, reject, correct or add."),
    "serve": ("kg.web.cli", "serve", "Serve the web app and SPARQL endpoint (/sparql) with waitress."),
    "users": ("kg.users_cli", "users", "Accounts of the review web app (reviewers sign in with them)."),
    "validate": ("kg.validate_cli", "validate", "Check data against the SHACL shapes: FILES if given, else every..."),
    "withdraw": ("kg.review.withdraw_cli", "withdraw_command",
                 "Take ARTICLE (its IRI) out of the published graph, keeping a..."),
}


class MainGroup(PmkgGroup):
    """The ``pmkg`` group: the commands of ``LAZY_COMMANDS`` are imported when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str):
        if name in LAZY_COMMANDS and name not in self.commands:
            module, attribute, _ = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands, without importing the lazy ones for their short help."""
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, LAZY_COMMANDS[name][2]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
