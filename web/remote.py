"""Queries of the web app sent to a SPARQL 1.1 server, when the store is a server's URL.

``RemoteExecutor`` stands in for ``kg.web.executor.Executor`` (the methods
the app uses: ``run``, ``graphs``, ``current_snapshot``, ``warm``,
``close``, ``size``, ``owner``): no snapshot is held; each query goes to the
server, through the same steps as on the embedded store:

* the view's ``query_guard.precheck`` (updates refused) and, where the query
  names SERVICE or FROM, ``query_guard.check`` (SERVICE off the allowlist and
  FROM of graphs the store does not have are refused), run here within the
  query's deadline;
* then the rule that has no sandbox to fall back on: the server would make
  a SERVICE call from its own network, where the app's relay cannot hold
  it, so a query is sent only if every word SERVICE in its text (strings
  and comments too, escapes expanded or not) is a SERVICE clause the guard
  read, on ``SERVICE_ALLOWLIST``, and every word FROM a dataset clause it
  read (naming a graph of the store); Virtuoso's ``DEFINE`` pragmas (which
  can make it fetch documents) are refused;
* ``kg.web.results.execute`` runs it through a ``Bounded`` view of the
  store: the answer is read only up to the row limit and about
  ``RESULT_BYTES`` (then the connection is closed), within the time limit
  (a client-side deadline on the whole answer, and the server's own limit
  where it has one: Virtuoso's ``timeout`` parameter). The answer is the
  same dict as a worker's, read by ``kg.web.service.run`` into the same ``Answer``:
  the views do not care which store ran it.
"""

from __future__ import annotations

import os
import re
import threading
import time

from kg.errors import PmkgError, QuerySyntaxError, StoreError
from kg.remote_store import RemoteStore, ServerTimeout
from kg.web import query_guard
from kg.web.executor import QueryTimeout
from kg.web.results import execute

PRAGMA = re.compile(r"^\s*DEFINE\b", re.IGNORECASE)
UNREADABLE_SERVICE = ("this query has the word SERVICE where the endpoint cannot match it to an allowed SERVICE "
                      "clause it can read (in a string or a comment, say); the SPARQL server would make that call "
                      "from its own network, so the query is refused")
PRAGMA_REFUSED = "server pragmas (DEFINE ...) are refused; send a SPARQL 1.1 query"
UNREADABLE_FROM = ("this query has the word FROM where the endpoint cannot match it to a FROM clause it can read "
                   "(in a string or a comment, say); the SPARQL server could read it otherwise, so it is refused")


class _Late(Exception):
    """The deadline passed while the server was answering (not a PmkgError: it must leave ``execute``)."""


class _Unavailable(Exception):
    """The server could not be reached or failed; carries a message without the server's address."""


class Bounded:
    """The store as ``execute`` sees it: each query bounded by rows, bytes and the deadline."""

    def __init__(self, store: RemoteStore, deadline: float, row_limit: int, byte_limit: int):
        self.store = store
        self.deadline = deadline
        self.row_limit = row_limit
        self.byte_limit = byte_limit
        self.cut = False

    def query(self, sparql: str, *, union_default_graph=False, default_graph=None, named_graphs=None,
              substitutions=None):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _Late()
        try:
            results, self.cut = self.store.query_bounded(
                sparql, rows=self.row_limit, max_bytes=self.byte_limit, deadline=remaining,
                server_timeout=remaining, union_default_graph=union_default_graph,
                default_graph=default_graph, named_graphs=named_graphs, substitutions=substitutions)
        except ServerTimeout:
            raise _Late() from None
        except QuerySyntaxError as error:
            raise QuerySyntaxError(_hide(str(error), self.store)) from None
        except StoreError as error:
            raise _Unavailable(_hide(str(error), self.store)) from None
        return results


def _hide(message: str, store: RemoteStore) -> str:
    """A server's message without the server's address (clients need not learn where it is)."""
    for url in {store.endpoints.query, store.endpoints.update, store.url}:
        message = message.replace(f" at {url}", "")
    return message


class RemoteExecutor:
    """Runs the app's queries on the SPARQL server at ``url`` (see the module's rules)."""

    def __init__(self, url: str, *, size: int = 4, check_interval: float = 2.0, allowlist: list[str] | None = None,
                 result_bytes: int = 0):
        self.url = url
        self.size = max(1, int(size))
        self.owner = os.getpid()
        self.check_interval = float(check_interval)
        self.allowlist = list(allowlist or [])
        self.result_bytes = int(result_bytes) or 32 * 1024 * 1024
        self.store = RemoteStore(url, read_only=True)
        self._graphs: frozenset[str] = frozenset()
        self._checked: float | None = None
        self._lock = threading.Lock()

    def refresh(self, *, force: bool = False) -> None:
        """Read the server's named graphs again (at most every ``check_interval`` seconds)."""
        now = time.monotonic()
        with self._lock:
            if not force and self._checked is not None and now - self._checked < self.check_interval:
                return
            try:
                self._graphs = frozenset(self.store.named_graphs())
            except PmkgError as error:
                raise StoreError(_hide(str(error), self.store)) from None
            self._checked = now

    def prepare(self) -> None:
        """Nothing to load before a query: the server holds the data (the graph list is read only when needed)."""

    def graphs(self) -> frozenset[str]:
        self.refresh()
        return self._graphs

    def current_snapshot(self) -> RemoteStore:
        """The store downloads stream from: the server itself (``RemoteStore.stream``)."""
        return self.store

    def warm(self) -> None:
        self.refresh()

    def close(self) -> None:
        self.store.close()

    def run(self, request: dict, *, timeout: float) -> dict:
        """Guard, send and bound one request (``kg.web.results.execute``'s job); the same answer dict.

        Raises QueryTimeout at the deadline and StoreError when the server
        cannot be reached or fails.
        """
        deadline = time.monotonic() + timeout
        late = QueryTimeout(f"the query did not finish within its time limit of {timeout:g} s")
        text = request["query"]
        if PRAGMA.match(query_guard.bare_text(text)):
            return {"ok": False, "error": "refused", "message": PRAGMA_REFUSED}
        union = request["union"]
        services, froms = words(text, SERVICE_WORD), words(text, FROM_WORD)
        if request.get("check") or services or froms:
            verdict = _within(deadline, lambda: self._check(text, services, froms))
            if verdict is None:
                raise late
            if isinstance(verdict, dict):
                return verdict
            if union is None:
                union = not verdict.has_dataset_clause
        bounded = Bounded(self.store, deadline, int(request["row_limit"]), self.result_bytes)
        try:
            answer = execute(bounded, {**request, "check": False, "union": union, "result_bytes": self.result_bytes})
        except _Late:
            raise late from None
        except _Unavailable as error:
            raise StoreError(str(error)) from None
        if answer.get("ok") and bounded.cut:
            answer["truncated"] = True
        return answer

    def _check(self, text: str, services: int, froms: int):
        """The guard's verdict: QueryInfo to go on, or the refusal to answer.

        ``services`` and ``froms`` count the words SERVICE and FROM anywhere
        (in strings and comments too, escapes expanded or not): rdflib must
        have found exactly that many SERVICE clauses and dataset clauses, so
        no reading of the text by the server can find one rdflib missed.
        """
        try:
            info = query_guard.check(text, allowlist=self.allowlist, graphs=lambda: set(self.graphs()))
        except query_guard.Refused as refusal:
            return {"ok": False, "error": "refused", "message": str(refusal)}
        if services and (info.form is None or len(info.services) != services):
            return {"ok": False, "error": "refused", "message": UNREADABLE_SERVICE}
        if any(service not in self.allowlist for service in info.services):
            return {"ok": False, "error": "refused", "message": UNREADABLE_SERVICE}
        if froms and (info.form is None or len(info.from_graphs) + len(info.from_named) != froms):
            return {"ok": False, "error": "refused", "message": UNREADABLE_FROM}
        return info


SERVICE_WORD = re.compile(r"(?<![\w?$:/.#\-])SERVICE(?![\w:\-])", re.IGNORECASE)
FROM_WORD = re.compile(r"(?<![\w?$:/.#\-])FROM(?![\w:\-])", re.IGNORECASE)


# The comment lines a query starts with (a saved query's #+ headers and the notes under them, blank
# lines between): no reader of SPARQL can take them for anything else, as long as they hold no carriage
# return and no backslash (an escaped line end).
LEADING_COMMENTS = re.compile(r"\A(?:[ \t]*(?:#[^\r\n\\]*)?\n)+")


def words(text: str, word: re.Pattern) -> int:
    """How often ``word`` appears as a word in ``text`` (as written or with escapes expanded).

    Everything counts, strings and comments too, except the comment lines
    the query starts with.
    """
    text = LEADING_COMMENTS.sub("", text)
    return max(len(word.findall(text)), len(word.findall(query_guard.expand_escapes(text))))


def _within(deadline: float, work):
    """``work()`` in a thread, waited for until ``deadline``; None if it did not finish in time.

    The guard parses the query with rdflib, which a signal cannot stop; a
    query longer than the app reads (``MAX_REQUEST_BYTES``) never gets here,
    so a late parse ends on its own soon after.
    """
    box: list = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    return box[0] if box else None
