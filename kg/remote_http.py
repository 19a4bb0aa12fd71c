"""The HTTP side of a store on a SPARQL 1.1 server: one connection, its limits, and what its answers mean.

``kg.remote_store.RemoteStore`` says what to ask; a ``Connection`` sends it
and checks the answer:

* credentials come only from ``PMKG_STORE_USER`` and ``PMKG_STORE_PASSWORD``
  (sent as the server's ``endpoints.auth`` says), never from the URL;
* every request has a time limit (``PMKG_STORE_TIMEOUT`` seconds, or the
  caller's deadline) and every answer read into memory a size limit
  (``PMKG_STORE_MAX_BYTES``);
* a failure is one ``PmkgError`` line naming the server and its shortened
  message: a timeout (``ServerTimeout``, Virtuoso's partial "anytime"
  answers included), a malformed query (``QuerySyntaxError``), anything
  else (``StoreError``).

``parse_answer`` turns an answer's body into pyoxigraph's result objects.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from kg import config
from kg.config import contact, user_agent
from kg.errors import PmkgError, QuerySyntaxError, StoreError
from kg.remote_protocol import (JSON_RESULTS, NTRIPLES, TSV_RESULTS, Endpoints, ServerTimeout, Triples,
                                normalise_json, setting, shorten)

DEFAULT_TIMEOUT = 300.0
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
ERROR_BYTES = 64 * 1024   # of an error answer, read for its message


class Connection:
    """One HTTP client for the server of ``endpoints``, with the settings from the environment."""

    def __init__(self, endpoints: Endpoints, *, timeout: float | None = None):
        self.endpoints = endpoints
        self.timeout = timeout or config.env_number("PMKG_STORE_TIMEOUT", DEFAULT_TIMEOUT, more_than=0)
        self.max_bytes = int(config.env_number("PMKG_STORE_MAX_BYTES", DEFAULT_MAX_BYTES, more_than=0))
        user, password = setting("PMKG_STORE_USER"), os.environ.get("PMKG_STORE_PASSWORD", "")
        auth = None
        if user is not None:
            auth = httpx.DigestAuth(user, password) if endpoints.auth == "digest" else httpx.BasicAuth(user, password)
        self._client: httpx.Client | None = httpx.Client(
            auth=auth, timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"User-Agent": user_agent(contact())}, follow_redirects=False, trust_env=False)

    def send(self, url: str, form: list[tuple[str, str]], *, accept: str | None = None, stream: bool = False,
             deadline: float | None = None) -> httpx.Response:
        """POST ``form`` (query= or update=, and the dataset) to ``url``; the response, checked.

        ``stream``: the body is left to read (``read``, or line by line);
        otherwise it is read now, within ``max_bytes``.
        """
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if accept:
            headers["Accept"] = accept
        options = {} if deadline is None else {"timeout": httpx.Timeout(deadline, connect=min(deadline, 10.0))}
        response = self._send("POST", url, deadline, headers=headers, content=urlencode(form).encode("ascii"),
                              **options)
        if response.status_code >= 300:
            text = self.read(response, limit=ERROR_BYTES, cut=True).decode("utf-8", "replace")
            raise failure(url, response.status_code, text)
        if response.headers.get("X-SQL-State", "").upper().startswith("S1TAT"):
            # Virtuoso's "anytime" answer: partial results at its time limit; never pass them off as whole
            response.close()
            raise ServerTimeout(f"the SPARQL server at {url} stopped the query at its time limit")
        if not stream:
            response._content = self.read(response)
        return response

    def put(self, url: str, graph: str, body: bytes) -> None:
        """Replace ``graph`` by ``body`` (N-Triples) with a Graph Store Protocol PUT to ``url``."""
        response = self._send("PUT", url, None, params={"graph": graph}, content=body,
                              headers={"Content-Type": NTRIPLES})
        text = self.read(response, limit=ERROR_BYTES, cut=True).decode("utf-8", "replace")
        if response.status_code >= 300:
            raise failure(url, response.status_code, text)

    def _send(self, method: str, url: str, deadline: float | None, **options) -> httpx.Response:
        """Send the request, its body left to read; a timeout or a failure to connect is one line."""
        if self._client is None:
            raise PmkgError("the store is closed")
        try:
            request = self._client.build_request(method, url, **options)
            return self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise ServerTimeout(f"the SPARQL server at {url} did not answer within "
                                f"{deadline or self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {shorten(str(error), 200)}") from None

    def read(self, response: httpx.Response, *, limit: int | None = None, cut: bool = False) -> bytes:
        """The body, at most ``limit`` bytes (``max_bytes``): cut, or a StoreError when over."""
        limit = limit or self.max_bytes
        chunks, size = [], 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    if cut:
                        chunks.append(chunk[: len(chunk) - (size - limit)])
                        break
                    raise StoreError(f"the answer of the SPARQL server at {response.request.url} is larger than "
                                     f"the limit of {limit} bytes; ask for less (LIMIT) or raise the limit")
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise ServerTimeout(f"the SPARQL server at {response.request.url} did not finish its answer "
                                "within the time limit") from None
        except httpx.HTTPError as error:
            raise StoreError(f"the SPARQL server at {response.request.url} broke off its answer: "
                             f"{shorten(str(error), 200)}") from None
        finally:
            response.close()
        return b"".join(chunks)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def failure(url: str, status: int, text: str) -> PmkgError:
    """The one-line error for an answer of ``status`` (over 299) whose body reads ``text``."""
    if status == 401:
        given = ("the user name and password in PMKG_STORE_USER and PMKG_STORE_PASSWORD were refused"
                 if setting("PMKG_STORE_USER") else "set PMKG_STORE_USER and PMKG_STORE_PASSWORD")
        return StoreError(f"the SPARQL server at {url} asks for authentication (401): {given}")
    if re.search(r"estimated execution time|query interrupted|timed? ?out", text, re.IGNORECASE):
        # Virtuoso refuses a query it estimates would pass MaxQueryExecutionTime before running it
        return ServerTimeout(f"the SPARQL server at {url} stopped the query at its time limit: {shorten(text)}")
    if status == 403:
        return StoreError(f"the SPARQL server at {url} refused the request (403): {shorten(text)}")
    if status == 400 and re.search(r"pars|syntax|lexical|unexpected|expected|compiler", text, re.IGNORECASE):
        return QuerySyntaxError(f"the SPARQL server at {url} refused the request as malformed: {shorten(text)}")
    return StoreError(f"the SPARQL server at {url} answered {status}: {shorten(text) or 'no message'}")


def parse_answer(media: str, body: bytes, sparql: str, endpoints: Endpoints):
    """pyoxigraph's results for an answer of media type ``media`` to the query ``sparql``."""
    from kg.web.query_guard import is_update

    try:
        if media in (NTRIPLES, "text/plain", "text/turtle", "application/turtle"):
            fmt = ox.RdfFormat.TURTLE if media in ("text/turtle", "application/turtle") else ox.RdfFormat.N_TRIPLES
            return Triples(q.triple for q in ox.parse(body, fmt))
        if media in (JSON_RESULTS, "application/json"):
            return ox.parse_query_results(normalise_json(body), format=ox.QueryResultsFormat.JSON)
        if media == TSV_RESULTS and endpoints.kind == "oxigraph":
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    except (SyntaxError, ValueError) as error:
        raise StoreError(f"the SPARQL server at {endpoints.query} sent a malformed answer: "
                         f"{shorten(str(getattr(error, 'msg', error)), 200)}") from None
    if is_update(sparql):
        raise QuerySyntaxError("malformed query: this is an update, not a query")
    raise StoreError(f"the SPARQL server at {endpoints.query} answered with {media or 'no media type'}, "
                     "not SPARQL results")
