"""Settings read from the environment (``PMKG_*`` variables)."""

import os
from pathlib import Path

from kg import __version__
from kg.errors import PmkgError

DEFAULT_STORE = "pmkg-data"
PROJECT_URL = "https://w3id.org/pmkg"


class SettingError(PmkgError, ValueError):
    """A setting or ``PMKG_*`` variable that is not what it must be (one line, naming it)."""


def number(name: str, value, *, cast=float, more_than: float | None = None, at_least: float | None = None):
    """The setting ``name``'s ``value`` as a number (``cast``: float or int), checked against the bound given.

    The one place where settings of the web app and ``PMKG_*`` variables
    become numbers; a ``SettingError`` names the setting and the value.
    """
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = cast(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise SettingError(f"{name} must be a number, not {value!r}") from None
    if more_than is not None and not number > more_than:
        raise SettingError(f"{name} must be more than {more_than}, not {value!r}")
    if at_least is not None and not number >= at_least:
        raise SettingError(f"{name} must be {at_least} or more, not {value!r}")
    return number


def env_number(name: str, default: float, **bounds) -> float:
    """``$name`` as a number (see ``number``), or ``default`` when it is unset or blank."""
    value = os.environ.get(name, "")
    return default if not value.strip() else number(name, value, **bounds)


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
    return env_number("PMKG_FETCH_DELAY", 1.0, at_least=0)
