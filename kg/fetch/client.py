"""A polite, bounded web fetcher (httpx).

Every request:

- carries a User-Agent naming the project and, if given, a contact
  (``PMKG_CONTACT``: an e-mail address or a web page);
- is checked against the host's robots.txt (fetched once per host; a missing
  robots.txt allows everything, one that fails with 5xx refuses everything,
  as RFC 9309 asks; a host that cannot be reached fails each of its addresses
  at once, without trying again);
- waits at least ``delay`` seconds after the previous request to the same host
  (or the robots.txt ``Crawl-delay``, if longer, up to ``max_wait``);
- gives up after ``timeout`` seconds (connect, each read, and the whole body);
- is retried on 429 and 503 with exponential back-off, honouring ``Retry-After``
  (seconds or an HTTP date), up to ``retries`` times and never waiting more
  than ``max_wait`` seconds at once;
- follows up to ``max_redirects`` redirects, each one checked like the first
  address (scheme, robots.txt, delay) and, from a public address or a link
  someone else chose, only to public addresses (:mod:`kg.fetch.addresses`);
  then the page's own ``<link rel=canonical>`` names the article;
- is refused when its body is over ``max_bytes`` or its content type is not
  one the caller accepts.

Each failure is a :class:`FetchError` with a one-line reason naming the address.
``clock`` and ``sleep`` are injected so tests can watch the waits.
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx

from kg.errors import PmkgError
from kg.config import user_agent
from kg.link.client import retry_after

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/feed+json")
RETRY_STATUSES = (429, 503)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
GONE_STATUSES = (404, 410)
MAX_BYTES = 10_000_000
_CANONICAL = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_REL_CANONICAL = re.compile(rb"""\brel\s*=\s*["']?\s*canonical\b""", re.IGNORECASE)
_HREF = re.compile(rb"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


class FetchError(PmkgError):
    """An address could not be fetched; the message is one line and names the address."""

    def __init__(self, url: str, reason: str, *, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.status = status


class GoneError(FetchError):
    """The server says the page is not there (404) or gone for good (410); ``page`` is its answer."""

    def __init__(self, page: "Page"):
        super().__init__(page.url, f"HTTP {page.status} {page.reason}", status=page.status)
        self.page = page


@dataclass
class Page:
    """One fetched page, with what is needed to archive it."""

    url: str                                  # the address asked for
    final_url: str                            # after redirects
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    request_headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return media_type(self.header("content-type"))

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", self.header("content-type") or "", re.IGNORECASE)
        return match.group(1) if match else None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def canonical(self) -> str:
        """The page's ``<link rel=canonical>`` on the same site, else the address reached.

        A page names the article it is, not another site's: a canonical link to
        another host would let any page take over (replace the graph of) an
        article of another outlet, so it is not followed.
        """
        canonical = canonical_url(self.body, self.final_url)
        return canonical if canonical and same_site(canonical, self.final_url) else self.final_url

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


def same_site(one: str, other: str) -> bool:
    """Whether two addresses are on one site: the same host, give or take a www., m., amp. or mobile. label."""
    def site(url: str) -> str:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        first, _, rest = host.partition(".")
        return rest if first in ("www", "m", "amp", "mobile") and "." in rest else host
    return bool(site(one)) and site(one) == site(other)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def canonical_url(body: bytes, base: str) -> str | None:
    """The ``<link rel=canonical href>`` in the first 256 kB of an HTML page, resolved against ``base``."""
    for tag in _CANONICAL.findall(body[:262_144]):
        if not _REL_CANONICAL.search(tag):
            continue
        match = _HREF.search(tag)
        if not match:
            continue
        href = next(g for g in match.groups() if g is not None).decode("utf-8", "replace").strip()
        url = urljoin(base, href.replace("&amp;", "&"))
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc:
            return url.split("#")[0]
    return None


class Fetcher:
    """Fetch web pages politely; one instance keeps per-host delays and robots.txt answers."""

    def __init__(self, *, contact: str | None = None, delay: float = 1.0, timeout: float = 20.0,
                 retries: int = 3, backoff: float = 2.0, max_wait: float = 120.0, max_bytes: int = MAX_BYTES,
                 max_redirects: int = 5, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.user_agent = user_agent(contact)
        self.delay, self.timeout, self.retries = delay, timeout, retries
        self.backoff, self.max_wait, self.max_bytes = backoff, max_wait, max_bytes
        self.clock, self.sleep, self.max_redirects = clock, sleep, max_redirects
        self._client = httpx.Client(follow_redirects=False, timeout=httpx.Timeout(timeout),
                                    headers={"User-Agent": self.user_agent})
        self._last: dict[str, float] = {}
        self._crawl_delay: dict[str, float] = {}       # host: robots.txt Crawl-delay, at most max_wait
        self._robots: dict[str, urllib.robotparser.RobotFileParser | FetchError | None] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, *, accept: Iterable[str] = PAGE_TYPES, public_only: bool = False,
            headers: dict[str, str] | None = None) -> Page:
        """Fetch ``url``; FetchError (GoneError for 404/410) with a one-line reason when it cannot.

        With ``public_only`` (a link someone else chose) the address must be public
        (:mod:`kg.fetch.addresses`); redirects must always lead to public addresses,
        unless the address given is itself not public. ``headers`` are added to the
        request (``If-None-Match``, ``If-Modified-Since``: then a 304 is returned as it is).
        """
        accept = tuple(accept)
        for attempt in range(self.retries + 1):
            page = self._follow(url, accept, public_only, headers or {})
            if page.status not in RETRY_STATUSES:
                break
            wait = retry_after(page.header("retry-after"))
            wait = self.backoff * 2 ** attempt if wait is None else wait
            if attempt == self.retries:
                raise FetchError(url, f"HTTP {page.status} {page.reason} after {self.retries + 1} attempts",
                                 status=page.status)
            if wait > self.max_wait:
                raise FetchError(url, f"HTTP {page.status}: the site asks to wait {wait:.0f} s, "
                                      f"over the {self.max_wait:.0f} s limit", status=page.status)
            self.sleep(wait)
        if page.status == 304 and headers:
            return page
        if page.status in GONE_STATUSES:
            raise GoneError(page)
        if not 200 <= page.status < 300:
            raise FetchError(url, f"HTTP {page.status} {page.reason}", status=page.status)
        if page.content_type and page.content_type not in accept:
            raise FetchError(url, f"content type {page.content_type} is not one read here "
                                  f"({', '.join(accept)})")
        return page

    def _follow(self, url: str, accept: tuple[str, ...], public_only: bool, headers: dict[str, str]) -> Page:
        """One request and its redirects, each hop checked (scheme, address, robots.txt) and delayed."""
        from kg.fetch.addresses import is_public, private_reason

        first, hops = url, 0
        if not public_only:
            public_only = is_public(url)       # a public address may not redirect into a private network
        while True:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise FetchError(first, "not an http or https address" if url == first
                                 else f"redirected to {url[:200]}, not an http or https address")
            if public_only and (reason := private_reason(url)):
                via = f" (redirected to {url[:200]})" if url != first else ""
                raise FetchError(first, f"refused: {reason}{via}")
            if not self.allowed(url):
                raise FetchError(first, "refused by the site's robots.txt" +
                                 (f" (redirected to {url[:200]})" if url != first else ""))
            page = self._request(url, accept, headers)
            location = page.header("location")
            if page.status not in REDIRECT_STATUSES or not location:
                page.url = first
                return page
            hops += 1
            if hops > self.max_redirects:
                raise FetchError(first, "too many redirects")
            url = urljoin(url, location.strip())

    def allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets this project's agent fetch ``url``."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            try:
                self._robots[origin] = self._load_robots(origin)
            except FetchError as error:      # the host cannot be reached: said once per address, tried once
                self._robots[origin] = error
        rules = self._robots[origin]
        if isinstance(rules, FetchError):
            raise FetchError(url, str(rules).removeprefix(f"{origin}/robots.txt: "))
        return rules is None or rules.can_fetch(self.user_agent, url)

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        refuse = urllib.robotparser.RobotFileParser()
        refuse.disallow_all = True
        page = self._request(origin + "/robots.txt", None)
        if page.status >= 500 or page.status == 429:
            return refuse
        if page.status >= 400:
            return None
        rules = urllib.robotparser.RobotFileParser()
        rules.parse(page.body.decode("utf-8", "replace").splitlines())
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            self._crawl_delay[urlsplit(origin).netloc.lower()] = min(float(delay), self.max_wait)
        return rules

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            wait = max(self.delay, self._crawl_delay.get(host, 0.0)) - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)

    def _request(self, url: str, accept: tuple[str, ...] | None, extra: dict[str, str] | None = None) -> Page:
        host = urlsplit(url).netloc.lower()
        self._wait_turn(host)
        fetched_at = datetime.now(timezone.utc)
        started = time.monotonic()
        headers = {"Accept": ", ".join(accept) + ", */*;q=0.1" if accept else "*/*", **(extra or {})}
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                body = self._read(url, response, started, accept)
                request = [(k, v) for k, v in response.request.headers.items()]
                return Page(url, str(response.url), response.status_code, response.reason_phrase or "",
                            list(response.headers.items()), body, fetched_at, request)
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {self.timeout:g} s") from None
        except httpx.InvalidURL as error:
            raise FetchError(url, f"invalid address ({error})") from None
        except httpx.HTTPError as error:
            detail = str(error).splitlines()[0] if str(error) else ""
            raise FetchError(url, f"cannot fetch: {type(error).__name__}: {detail}".rstrip(": ")) from None
        finally:
            self._last[host] = self.clock()

    def _read(self, url: str, response: httpx.Response, started: float, accept: tuple[str, ...] | None) -> bytes:
        """The body, refused early when it is of a type not accepted, too large, or too slow to arrive."""
        if response.status_code in REDIRECT_STATUSES:
            return b""          # a redirect's body is never read
        ok = 200 <= response.status_code < 300
        kind = media_type(response.headers.get("content-type"))
        if ok and accept and kind and kind not in accept:
            return b""          # get() reports the content type; the body is not downloaded
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, f"page is {int(declared):,} bytes, over the {self.max_bytes:,} byte limit")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, f"page is over the {self.max_bytes:,} byte limit")
            if time.monotonic() - started > self.timeout:
                raise FetchError(url, f"timed out after {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)
