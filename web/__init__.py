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
    changes. An ``http(s)://`` URL names a SPARQL 1.1 server holding the
    store: each query is then sent there under the same guard and limits
    (``kg.web.remote``), and the named graphs are read again every
    ``STORE_CHECK_INTERVAL`` seconds.
``QUERY_TIMEOUT``
    Seconds a query may run (default 10). The query is cancelled at the limit
    and the client gets a 503. A client may ask for less with ``timeout=``.
``ROW_LIMIT``
    The most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a result holds
    (default 10000); a cut result has the header ``X-PMKG-Truncated``.
``SERVICE_ALLOWLIST``
    The endpoints a ``SERVICE`` clause may call (default Wikidata's,
    ``https://query.wikidata.org/sparql``); ``[]`` refuses every SERVICE. A
    string is read as a list separated by spaces or commas. Name endpoints by
    host name (or a loopback IPv4 address); the calls leave only through the
    app's relay, to these endpoints (``kg.web.relay``).
``MAX_REQUEST_BYTES``
    The largest request body, and the longest query text, the app reads
    (default 1 MiB); larger requests get a 413.
``QUERY_MEMORY_MB``
    Megabytes of memory (address space) a query worker may take on top of
    what it holds when it starts (default 1024; 0 means no limit). A query
    over it fails with a 500 that says so; the worker is replaced.
``RESULT_BYTES``
    About how many bytes a result may hold before it is cut, like
    ``ROW_LIMIT`` (default 32 MiB); also the most a SERVICE answer may bring.
``REQUIRE_ISOLATION``
    Run queries only in workers the kernel has cut off from the network
    (default true). Where the kernel refuses network namespaces (some
    containers), set it to false to run anyway, without that protection and
    with SERVICE disabled: not for a public endpoint.
``QUERY_WORKERS``
    Queries that can run at the same time, each in its own worker process
    (default 4); further requests wait for a free worker within their time limit.
``FAIR_QUEUE``
    True (default) to share the query workers fairly between clients with the
    limits below (``kg.web.admission``); False runs queries in arrival order
    with none of them (as before; for benchmarks).
``CLIENT_BUDGET``, ``CLIENT_WINDOW``
    Each client (an address; an IPv6 /64) may use ``CLIENT_BUDGET`` seconds of
    query time per ``CLIENT_WINDOW`` seconds (defaults 30 and 60), refilled
    steadily; a client that has spent it gets 429 with ``Retry-After``.
``CLIENT_CONCURRENCY``
    Queries one client may have running or waiting at once (default 3); one
    more gets 429 with ``Retry-After``.
``RESERVED_WORKERS``, ``LONG_QUERY``
    Workers kept from clients that ran a query longer than ``LONG_QUERY``
    seconds (default 2) in the last ``CLIENT_WINDOW`` or are running one:
    those clients together hold at most the other workers. None (default)
    leaves them half the workers and at most one fewer than the machine's
    cores, at least one (on a 2-core machine: one).
``QUEUE_TIMEOUT``, ``QUEUE_LIMIT``
    A query waits at most ``QUEUE_TIMEOUT`` seconds for a worker (default 5),
    then gets 503 with ``Retry-After``; at most ``QUEUE_LIMIT`` queries wait at
    once (default 16), the least used clients first. A free worker goes to the
    waiting client that has used the least query time.
``TRUSTED_PROXIES``
    How clients are told apart behind a reverse proxy. 0 (default): by the
    connection's address, ``X-Forwarded-For`` is ignored. A number N: the
    app is behind N proxies and takes the client's address from
    ``X-Forwarded-For`` (werkzeug's ``ProxyFix``). A list of addresses (JSON,
    or separated by spaces or commas): ``X-Forwarded-For`` is read only on
    connections from those addresses, skipping the listed proxies in it.
``SERVER_THREADS``, ``CONNECTION_LIMIT``, ``CHANNEL_TIMEOUT``
    For ``pmkg serve`` (waitress): threads that run requests (default 32; keep
    it above twice ``QUERY_WORKERS`` plus ``QUEUE_LIMIT``), open connections
    accepted (default 1000; more wait in the listen backlog) and seconds an
    idle connection is kept (default 30). Requests are read whole by
    waitress's event loop before a thread sees them, so slow or idle
    connections hold no thread.
``STORE_CHECK_INTERVAL``
    Seconds between checks of the store folder for changes (default 1), made
    by a background thread: a change is read into the snapshot while queries
    go on (``kg.web.snapshot``). 0 checks before every request instead, which
    then waits for the change to be read (tests, a single user).
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
``REVIEW``
    True to serve the review web app under ``/review/`` (``kg.web.review``,
    ``kg.web.signin``): reviewers sign in with the accounts of ``pmkg users``
    and confirm, reject and correct facts and withdraw articles. False (the
    default): no review route, no session, no login. The public pages, the
    SPARQL endpoint and the downloads stay anonymous and read-only either way.
``SECRET_KEY``
    The key that signs the reviewers' session cookies and CSRF tokens: at
    least 32 characters, from the instance file or ``PMKG_SECRET_KEY``.
    Required when ``REVIEW`` is on (the app refuses to start without it);
    there is no default. Changing it signs everyone out.
``SIGNIN_ATTEMPTS``, ``SIGNIN_CLIENT_ATTEMPTS``, ``SIGNIN_WINDOW``
    Failed sign-ins allowed per account name (default 5) and per client
    (default 20) within ``SIGNIN_WINDOW`` seconds (default 900); beyond them a
    sign-in is answered 429 with ``Retry-After`` without checking the password.
``REVIEW_SESSION_HOURS``
    How long a reviewer's session lasts after signing in (default 12).

The SPARQL endpoint is the ``sparql`` blueprint (``kg.web.sparql``); the one
error handler is in ``kg.web.errors``. Every response carries a
Content-Security-Policy.
"""

from __future__ import annotations

import ipaddress

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from kg import config as settings
from kg.web import relay, urls

DEFAULTS = {
    "STORE": None,            # the store folder; None means $PMKG_STORE or ./pmkg-data
    "QUERY_TIMEOUT": 10,
    "ROW_LIMIT": 10000,
    "SERVICE_ALLOWLIST": ["https://query.wikidata.org/sparql"],
    "QUERY_WORKERS": 4,
    "MAX_REQUEST_BYTES": 1024 * 1024,
    "QUERY_MEMORY_MB": 1024,
    "RESULT_BYTES": 32 * 1024 * 1024,
    "REQUIRE_ISOLATION": True,
    "FAIR_QUEUE": True,
    "CLIENT_BUDGET": 30,      # seconds of query time per client ...
    "CLIENT_WINDOW": 60,      # ... per this many seconds
    "CLIENT_CONCURRENCY": 3,
    "RESERVED_WORKERS": None,  # None: long queries get half the workers, at most cores - 1
    "LONG_QUERY": 2,
    "QUEUE_TIMEOUT": 5,
    "QUEUE_LIMIT": 16,
    "TRUSTED_PROXIES": 0,     # proxy hops, or the proxies' addresses
    "SERVER_THREADS": 32,
    "CONNECTION_LIMIT": 1000,
    "CHANNEL_TIMEOUT": 30,
    "STORE_CHECK_INTERVAL": 1,
    "WIKIDATA_ENDPOINT": "https://query.wikidata.org/sparql",
    "DOCS_DIR": None,         # where the ontology docs are generated; None means <instance folder>/docs
    "NODE_MODULES": None,     # where the npm packages are; None means node_modules in the repository
    "BASE_URL": None,         # the public URL of the app's root; None means the address of the server's socket
    "REVIEW": False,          # serve the review web app under /review/ (needs SECRET_KEY)
    "SECRET_KEY": None,       # signs the review sessions; required when REVIEW is on, never defaulted
    "SIGNIN_ATTEMPTS": 5,     # failed sign-ins per account name ...
    "SIGNIN_CLIENT_ATTEMPTS": 20,  # ... and per client ...
    "SIGNIN_WINDOW": 900,     # ... per this many seconds
    "REVIEW_SESSION_HOURS": 12,
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

    from kg.web import admission, archive, entities, errors, page, queries, search, sparql
    from kg.web import docs, downloads  # noqa: F401 - their routes are on entities.bp
    from kg.web.pages import about

    errors.register(app)
    app.before_request(admission.refuse_spent_clients)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(entities.bp)
    app.register_blueprint(page.bp)
    app.register_blueprint(archive.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(about.bp)
    if app.config["REVIEW"]:
        from kg.web import review, signin

        signin.init_app(app)
        app.register_blueprint(review.bp)
    # The footer cites the site by its configured address, never by the Host header.
    app.jinja_env.globals["site_url"] = urls.base_url
    app.after_request(_security_headers)
    _trust_proxies(app)
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
    relay.targets(config["SERVICE_ALLOWLIST"])  # raises ValueError for an endpoint that cannot be relayed
    for key, cast, low in (("QUERY_TIMEOUT", float, 0), ("ROW_LIMIT", int, 0),
                           ("QUERY_WORKERS", int, 0), ("STORE_CHECK_INTERVAL", float, -1),
                           ("MAX_REQUEST_BYTES", int, 0), ("QUERY_MEMORY_MB", int, -1), ("RESULT_BYTES", int, 0),
                           ("CLIENT_BUDGET", float, 0), ("CLIENT_WINDOW", float, 0),
                           ("CLIENT_CONCURRENCY", int, 0), ("LONG_QUERY", float, 0),
                           ("QUEUE_TIMEOUT", float, 0), ("QUEUE_LIMIT", int, 0), ("SERVER_THREADS", int, 0),
                           ("CONNECTION_LIMIT", int, 0), ("CHANNEL_TIMEOUT", float, 0)):
        config[key] = settings.number(f"setting {key}", config[key], cast=cast, more_than=low)
    config["MAX_CONTENT_LENGTH"] = config["MAX_FORM_MEMORY_SIZE"] = config["MAX_REQUEST_BYTES"]
    if isinstance(config["REQUIRE_ISOLATION"], str):
        config["REQUIRE_ISOLATION"] = config["REQUIRE_ISOLATION"].strip().lower() not in ("0", "false", "no", "off")
    if config["RESERVED_WORKERS"] is not None:
        reserved = config["RESERVED_WORKERS"]
        if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
            raise ValueError(f"setting RESERVED_WORKERS must be a whole number, not {reserved!r}")
    config["FAIR_QUEUE"] = config["FAIR_QUEUE"] not in (False, 0, "0", "false", "False", "no")
    config["REVIEW"] = _flag(config["REVIEW"], "REVIEW")
    config["TRUSTED_PROXIES"] = _proxies(config["TRUSTED_PROXIES"])


def _flag(value, name: str) -> bool:
    """A true/false setting: a bool, 0/1, or true/false/yes/no/on/off in any case."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", "", "none"):
        return False
    raise ValueError(f"setting {name} must be true or false, not {value!r}")


def _proxies(value) -> int | list[str]:
    """TRUSTED_PROXIES as a number of hops or a list of addresses."""
    if isinstance(value, str):
        value = int(value) if value.strip().isdigit() else value.replace(",", " ").split()
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        raise ValueError(f"setting TRUSTED_PROXIES must be a number or a list of addresses, not {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"setting TRUSTED_PROXIES must not be negative, not {value!r}")
        return value
    for address in value:
        try:
            ipaddress.ip_address(str(address))
        except ValueError:
            raise ValueError(f"setting TRUSTED_PROXIES: {address!r} is not an IP address") from None
    return [str(ipaddress.ip_address(str(a))) for a in value]


def _trust_proxies(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if isinstance(proxies, int) and proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)
    elif isinstance(proxies, list) and proxies:
        app.wsgi_app = ForwardedBy(app.wsgi_app, proxies)


class ForwardedBy:
    """Take the client's address from X-Forwarded-For, but only as far back as trusted proxies wrote it."""

    def __init__(self, wsgi_app, proxies: list[str]):
        self.wsgi_app = wsgi_app
        self.proxies = frozenset(proxies)

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR", "")
        if remote in self.proxies:
            hops = [hop.strip() for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
            while hops and remote in self.proxies:
                remote = hops.pop()
            environ["REMOTE_ADDR"] = remote
        return self.wsgi_app(environ, start_response)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
