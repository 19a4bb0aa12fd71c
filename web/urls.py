"""The app's absolute URLs (VoID, the Service Description, OpenAPI, the saved queries' list), never built from the request's ``Host`` header.

A client chooses the ``Host`` header it sends; echoed into a response that a
cache keeps, it would send every later reader to the client's address (web
cache poisoning). So absolute URLs start with:

1. the ``BASE_URL`` setting (``PMKG_BASE_URL``), the public URL of the app's
   root, checked at start-up by ``check``; set it whenever the app is
   reached through a reverse proxy or by a name;
2. otherwise the address of the socket the request arrived on, as the server
   process sees it (werkzeug and gunicorn pass their socket to the app;
   ``pmkg serve`` runs waitress, which does not, so it sets ``BASE_URL`` to
   the address it serves, ``http://127.0.0.1:5000`` by default). No header
   can change it;
3. otherwise (a WSGI server that does not pass its socket, or a test client)
   ``http://localhost``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import current_app, request, url_for

FALLBACK = "http://localhost"
DEFAULT_PORTS = {"http": 80, "https": 443}


def check(value) -> str | None:
    """The ``BASE_URL`` setting normalised (no trailing ``/``), None if unset; ValueError if it is not an http(s) URL."""
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("/")
    problem = None
    try:
        parts = urlsplit(text)
        parts.port   # raises ValueError for a port that is not a number
    except ValueError as error:
        problem = str(error)
    else:
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            problem = "it needs http:// or https:// and a host"
        elif parts.query or parts.fragment or "@" in parts.netloc:
            problem = "it may not have a query, a fragment or a user name"
    if problem is None:
        try:
            ox.NamedNode(text + "/sparql")
        except ValueError:
            problem = "it is not a valid IRI"
    if problem:
        raise ValueError(f"setting BASE_URL must be an http(s) URL such as https://pmkg.example.org, "
                         f"not {value!r} ({problem})")
    return text


def _socket_base() -> str | None:
    """``scheme://address:port`` of the socket this request came in on, if the server passed it."""
    environ = request.environ
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    try:
        host, port = sock.getsockname()[:2]
    except (AttributeError, OSError, TypeError, ValueError):   # no socket, or a Unix socket
        return None
    scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


def base_url() -> str:
    """The URL of the app's root, without a trailing ``/``."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured
    return (_socket_base() or FALLBACK) + request.script_root


def external(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` (like ``url_for(..., _external=True)``, without the Host header)."""
    path = url_for(endpoint, **values)
    return base_url() + path[len(request.script_root):]
