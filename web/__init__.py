"""The pmkg web app (imported as ``kg.web``).

An application factory in the style of Flask's tutorial: no app is created at
import. Configuration comes from the defaults below, then an instance file
(``pmkg.cfg`` in the instance folder) or ``PMKG_*`` environment variables
(values are read as JSON where they parse as JSON: ``PMKG_QUERY_TIMEOUT=5``,
``PMKG_SERVICE_ALLOWLIST='["https://query.wikidata.org/sparql"]'``), then the
``config`` mapping a caller (a test) passes.

Settings:

``STORE``
    The store folder; None means ``$PMKG_STORE`` or ``./pmkg-data``. The app
    opens it read-only, serves an in-memory snapshot of it and closes it, so
    ``pmkg ingest`` can still write; the snapshot is refreshed when the folder
    changes.
``QUERY_TIMEOUT``
    Seconds a query may run (default 10). The query is cancelled at the limit
    and the client gets a 503. A client may ask for less with ``timeout=``.
``ROW_LIMIT``
    The most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a result holds
    (default 10000); a cut result has the header ``X-PMKG-Truncated``.
``SERVICE_ALLOWLIST``
    The endpoints a ``SERVICE`` clause may call (default Wikidata's,
    ``https://query.wikidata.org/sparql``); ``[]`` refuses every SERVICE. A
    string is read as a list separated by spaces or commas.
``QUERY_WORKERS``
    Queries that can run at the same time, each in its own worker process
    (default 4); further requests wait for a free worker within their time limit.
``STORE_CHECK_INTERVAL``
    Seconds between checks of the store folder for changes (default 2).
``DOCS_DIR``
    The folder the ontology documentation is generated into on first request
    (``kg.docs.build``); None means ``docs`` in the instance folder.
``NODE_MODULES``
    The folder of the npm packages the home page uses (YASGUI, Chart.js);
    None means ``node_modules`` at the root of the repository.
``WIKIDATA_ENDPOINT``
    Where the federated saved queries (``queries/wikidata-*.rq``) send their
    ``SERVICE`` calls (default Wikidata's); it must also be on the allowlist.
``BASE_URL``
    The public URL of the app's root (``https://pmkg.example.org``, or with a
    path where a proxy mounts the app there), used for every absolute URL the
    app publishes: the VoID description, the Service Description, OpenAPI
    and the saved queries' list. It must be an http(s) URL, checked at
    start-up. None (the default) means the address of the socket the request
    arrived on (``http://127.0.0.1:5000`` for ``pmkg serve``), never the
    request's ``Host`` header, which the client chooses (``kg.web.urls``).
    Set it whenever the app is reached through a reverse proxy or by a name.

The SPARQL endpoint is the ``sparql`` blueprint (``kg.web.sparql``); the one
error handler is in ``kg.web.errors``. Every response carries a
Content-Security-Policy.
"""

from __future__ import annotations

from flask import Flask

from kg import config as settings
from kg.web import urls

DEFAULTS = {
    "STORE": None,            # the store folder; None means $PMKG_STORE or ./pmkg-data
    "QUERY_TIMEOUT": 10,
    "ROW_LIMIT": 10000,
    "SERVICE_ALLOWLIST": ["https://query.wikidata.org/sparql"],
    "QUERY_WORKERS": 4,
    "STORE_CHECK_INTERVAL": 2,
    "WIKIDATA_ENDPOINT": "https://query.wikidata.org/sparql",
    "DOCS_DIR": None,         # where the ontology docs are generated; None means <instance folder>/docs
    "NODE_MODULES": None,     # where the npm packages are; None means node_modules in the repository
    "BASE_URL": None,         # the public URL of the app's root; None means the address of the server's socket
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("pmkg.cfg", silent=True)
    app.config.from_prefixed_env("PMKG")
    if config:
        app.config.from_mapping(config)
    if app.config["STORE"] is None:
        app.config["STORE"] = str(settings.store_path())
    _check_settings(app)

    from kg.web import entities, errors, page, queries, sparql

    errors.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(entities.bp)
    app.register_blueprint(page.bp)
    app.after_request(_security_headers)
    return app


def _check_settings(app: Flask) -> None:
    """Normalise the settings and fail at start-up, not at the first query, if one is wrong."""
    config = app.config
    allow = config["SERVICE_ALLOWLIST"]
    if isinstance(allow, str):
        allow = allow.replace(",", " ").split()
    config["SERVICE_ALLOWLIST"] = [str(a) for a in allow or []]
    config["BASE_URL"] = urls.check(config.get("BASE_URL"))
    if not str(config["WIKIDATA_ENDPOINT"]).startswith(("http://", "https://")):
        raise ValueError(f"setting WIKIDATA_ENDPOINT must be an http(s) URL, not {config['WIKIDATA_ENDPOINT']!r}")
    for key, cast, low in (("QUERY_TIMEOUT", float, 0), ("ROW_LIMIT", int, 0),
                           ("QUERY_WORKERS", int, 0), ("STORE_CHECK_INTERVAL", float, -1)):
        try:
            value = cast(config[key])
        except (TypeError, ValueError):
            raise ValueError(f"setting {key} must be a number, not {config[key]!r}") from None
        if not value > low:
            raise ValueError(f"setting {key} must be more than {low}, not {value!r}")
        config[key] = value


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
