"""Settings read from the environment (``PMKG_*`` variables)."""

import os
from pathlib import Path

from kg import __version__

DEFAULT_STORE = "pmkg-data"
PROJECT_URL = "https://w3id.org/pmkg"


def is_url(target) -> bool:
    """True if ``target`` names a SPARQL server (an http(s) URL) rather than a store folder."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))


def store_path() -> Path | str:
    """The store: ``$PMKG_STORE`` if set, else ``./pmkg-data``; a SPARQL server's http(s) URL stays a string."""
    value = os.environ.get("PMKG_STORE") or DEFAULT_STORE
    return value if is_url(value) else Path(value)


def contact() -> str | None:
    """How site owners can reach whoever runs pmkg (an e-mail address or a web page): ``$PMKG_CONTACT``.

    It goes into the User-Agent of every request (``user_agent``).
    """
    return os.environ.get("PMKG_CONTACT") or None


def user_agent(contact: str | None = None) -> str:
    """The User-Agent every request pmkg makes carries (linking, fetching, a SPARQL server store)."""
    extra = f"; {contact}" if contact else ""
    return f"pmkg/{__version__} ({PROJECT_URL}; knowledge graph of police misconduct{extra})"


def fetch_delay() -> float:
    """Seconds between two requests to the same web host: ``$PMKG_FETCH_DELAY``, default 1."""
    try:
        return max(0.0, float(os.environ.get("PMKG_FETCH_DELAY") or 1.0))
    except ValueError:
        return 1.0
