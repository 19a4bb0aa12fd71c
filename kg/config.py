"""Settings read from the environment (``PMKG_*`` variables)."""

import os
from pathlib import Path

DEFAULT_STORE = "pmkg-data"


def store_path() -> Path:
    """The store folder: ``$PMKG_STORE`` if set, else ``./pmkg-data``."""
    return Path(os.environ.get("PMKG_STORE") or DEFAULT_STORE)
