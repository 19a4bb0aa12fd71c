"""The accounts of the review web app: ``DIR/private/users.sqlite`` beside the store.

A name and a password hash (werkzeug's ``generate_password_hash``: scrypt),
never the password. The file lives in the store's private folder (mode 0700,
the file 0600), which is never served, exported or copied into the web app's
snapshot. ``pmkg users add|list|remove`` (``kg.users_cli``) manage it; the web
app (``kg.web.signin``) checks passwords against it.

A name is what decisions record as their reviewer (``--by``), so it is short
and plain: letters, digits, ``.``, ``_`` and ``-``, starting with a letter or
digit, at most 64 characters.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from kg.errors import PmkgError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # bounds the work of one hash; longer input is refused before hashing
_SCHEMA = ("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, "
           "created TEXT NOT NULL)")


@dataclass(frozen=True)
class User:
    name: str
    created: str
    fingerprint: str  # changes when the password does: sessions made with the old one end


def users_path(store_dir: Path) -> Path:
    return Path(store_dir) / "private" / "users.sqlite"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise PmkgError(f"not a valid account name: {name!r} (letters, digits, '.', '_', '-'; at most 64)")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PmkgError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PmkgError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class Users:
    """The accounts file of one store; each call opens and closes its own connection."""

    def __init__(self, store_dir: Path):
        self.store_dir = Path(store_dir)
        self.path = users_path(store_dir)

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if not self.path.exists():
            if not create:
                return None
            self.path.parent.mkdir(mode=0o700, exist_ok=True)
            self.path.touch(mode=0o600)
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute(_SCHEMA)
        return connection

    def add(self, name: str, password: str) -> User:
        check_name(name)
        check_password(password)
        created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        password_hash = generate_password_hash(password, method="scrypt")
        connection = self._connect(create=True)
        try:
            with connection:
                connection.execute("INSERT INTO users (name, hash, created) VALUES (?, ?, ?)",
                                   (name, password_hash, created))
        except sqlite3.IntegrityError:
            raise PmkgError(f"an account named {name!r} exists already (remove it first to set a new password)") \
                from None
        finally:
            connection.close()
        return User(name, created, _fingerprint(password_hash))

    def remove(self, name: str) -> None:
        check_name(name)
        connection = self._connect(create=False)
        if connection is None:
            raise PmkgError(f"no account named {name!r}")
        try:
            with connection:
                removed = connection.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount
        finally:
            connection.close()
        if not removed:
            raise PmkgError(f"no account named {name!r}")

    def list(self) -> list[User]:
        connection = self._connect(create=False)
        if connection is None:
            return []
        try:
            rows = connection.execute("SELECT name, created, hash FROM users ORDER BY name").fetchall()
        finally:
            connection.close()
        return [User(name, created, _fingerprint(h)) for name, created, h in rows]

    def get(self, name: str) -> User | None:
        row = self._row(name)
        return None if row is None else User(name, row[0], _fingerprint(row[1]))

    def _row(self, name: str) -> tuple[str, str] | None:
        if not isinstance(name, str) or not NAME.fullmatch(name):
            return None
        connection = self._connect(create=False)
        if connection is None:
            return None
        try:
            return connection.execute("SELECT created, hash FROM users WHERE name = ?", (name,)).fetchone()
        finally:
            connection.close()

    def verify(self, name: str, password: str) -> User | None:
        """The account if ``password`` is its password; None otherwise, in about the same time."""
        row = self._row(name)
        if len(password) > MAX_PASSWORD:
            password = ""
        if row is None:
            check_password_hash(_dummy_hash(), password)
            return None
        if not check_password_hash(row[1], password):
            return None
        return User(name, row[0], _fingerprint(row[1]))
