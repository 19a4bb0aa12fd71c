"""The pmkg web app (imported as ``kg.web``).

An application factory in the style of Flask's tutorial: no app is created at
import. Configuration comes from the defaults below, then an instance file
(``pmkg.cfg`` in the instance folder) or ``PMKG_*`` environment variables,
then the ``config`` mapping a caller (a test) passes. The web page, the SPARQL
endpoint and the entity pages are added as blueprints by a later issue.
"""

from __future__ import annotations

from flask import Flask

from kg import config as settings

DEFAULTS = {
    "STORE": None,            # the store folder; None means $PMKG_STORE or ./pmkg-data
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("pmkg.cfg", silent=True)
    app.config.from_prefixed_env("PMKG")
    if config:
        app.config.from_mapping(config)
    if app.config["STORE"] is None:
        app.config["STORE"] = str(settings.store_path())
    return app
