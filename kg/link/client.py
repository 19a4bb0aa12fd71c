"""A polite SPARQL client: identified, rate-limited, retrying, cached.

Public endpoints such as the Wikidata Query Service ask clients to name
themselves, to keep to a modest rate and to back off when told to. This
client, over SPARQLWrapper:

- sends a User-Agent naming the project (and, if given, a contact);
- waits at least ``min_interval`` seconds between two requests;
- retries on HTTP 429 and 503 with exponential backoff, honouring a
  ``Retry-After`` header (seconds or an HTTP date);
- gives up after ``timeout`` seconds per request;
- keeps every answer in a small SQLite file keyed by endpoint and query, so
  the same query is answered from the cache, and ``offline=True`` never
  touches the network and says clearly what is not cached.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import time
import urllib.error
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from SPARQLWrapper import JSON, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg.config import user_agent
from kg.errors import PmkgError

CACHE_FILE = "sparql-cache.sqlite"
RETRY_STATUSES = (429, 503)


class EndpointError(PmkgError):
    """A SPARQL endpoint could not be reached or did not answer usefully."""


class NotCachedError(PmkgError):
    """Offline, and the answer to a query is not in the cache."""


def cache_key(endpoint: str, query: str) -> str:
    return hashlib.sha256(f"{endpoint}\n{query}".encode("utf-8")).hexdigest()


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class ResponseCache:
    """SPARQL JSON answers on disk, one row per (endpoint, query)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path))
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, endpoint TEXT NOT NULL,"
                " query TEXT NOT NULL, body TEXT NOT NULL, fetched_at TEXT NOT NULL)"
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as error:
            raise PmkgError(f"cannot open the SPARQL cache {self.path}: {error}") from None

    def get(self, endpoint: str, query: str) -> dict | None:
        row = self._db.execute("SELECT body FROM answers WHERE key = ?", (cache_key(endpoint, query),)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, endpoint: str, query: str, answer: dict) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO answers (key, endpoint, query, body, fetched_at) VALUES (?, ?, ?, ?, ?)",
            (cache_key(endpoint, query), endpoint, query, json.dumps(answer),
             datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
        self._db.commit()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class SparqlClient:
    """SELECT queries against one endpoint, politely, through a cache.

    ``sleep`` and ``clock`` are there so tests can watch the waits.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        cache_dir: str | Path,
        offline: bool = False,
        refresh: bool = False,
        min_interval: float = 1.0,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 2.0,
        max_wait: float = 120.0,
        contact: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not endpoint.startswith(("http://", "https://")):
            raise EndpointError(f"the endpoint must be an http(s) URL, not {endpoint!r}")
        self.endpoint = endpoint
        self.offline = offline
        self.refresh = refresh
        self.min_interval = min_interval
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.agent = user_agent(contact)
        self.cache = ResponseCache(Path(cache_dir) / CACHE_FILE)
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self.requests = 0      # HTTP requests sent
        self.cache_hits = 0

    def select(self, query: str) -> list[dict[str, dict]]:
        """The bindings of a SELECT query, in SPARQL 1.1 JSON form ({var: {"type", "value", ...}})."""
        answer = None if self.refresh and not self.offline else self.cache.get(self.endpoint, query)
        if answer is not None:
            self.cache_hits += 1
        elif self.offline:
            raise NotCachedError(f"offline, and this query to {self.endpoint} is not in the cache"
                                 f" ({self.cache.path}); run once without --offline to fetch it")
        else:
            answer = self._fetch(query)
            self.cache.put(self.endpoint, query, answer)
        try:
            return answer["results"]["bindings"]
        except (KeyError, TypeError):
            raise EndpointError(f"{self.endpoint} did not answer with SPARQL SELECT results") from None

    def _fetch(self, query: str) -> dict:
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                return self._request(query)
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES:
                    raise EndpointError(f"{self.endpoint} answered HTTP {error.code} {error.reason}") from None
                if attempt == self.retries:
                    raise EndpointError(f"{self.endpoint} answered HTTP {error.code} {error.reason};"
                                        f" gave up after {attempt + 1} tries") from None
                wait = retry_after(error.headers.get("Retry-After") if error.headers else None)
                if wait is None:
                    wait = self.backoff * 2 ** attempt
                self._sleep(min(wait, self.max_wait))
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_turn(self) -> None:
        if self._last_request is not None:
            remaining = self.min_interval - (self._clock() - self._last_request)
            if remaining > 0:
                self._sleep(remaining)
        self._last_request = self._clock()

    def _request(self, query: str) -> dict:
        wrapper = SPARQLWrapper(self.endpoint, agent=self.agent)
        wrapper.setQuery(query)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(int(max(1, self.timeout)))
        self.requests += 1
        try:
            response = wrapper.query().response
            body = response.read()
        except urllib.error.HTTPError:
            raise
        except SPARQLWrapperException as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise EndpointError(f"{self.endpoint}: {message}") from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise EndpointError(f"cannot reach {self.endpoint}: {reason}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise EndpointError(f"{self.endpoint} did not answer with SPARQL JSON results") from None

    def close(self) -> None:
        self.cache.close()

    def __enter__(self) -> SparqlClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
