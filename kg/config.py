"""Settings read from the environment (``PMKG_*`` variables)."""

import os
from pathlib import Path

DEFAULT_STORE = "pmkg-data"


def store_path() -> Path | str:
    """The store: ``$PMKG_STORE`` if set, else ``./pmkg-data``; a SPARQL server's http(s) URL stays a string."""
    value = os.environ.get("PMKG_STORE") or DEFAULT_STORE
    return value if value.lower().startswith(("http://", "https://")) else Path(value)


def contact() -> str | None:
    """How site owners can reach whoever runs pmkg (an e-mail address or a web page): ``$PMKG_CONTACT``.

    It goes into the User-Agent of every page and feed request.
    """
    return os.environ.get("PMKG_CONTACT") or None


def fetch_delay() -> float:
    """Seconds between two requests to the same web host: ``$PMKG_FETCH_DELAY``, default 1."""
    try:
        return max(0.0, float(os.environ.get("PMKG_FETCH_DELAY") or 1.0))
    except ValueError:
        return 1.0
