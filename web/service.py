"""The read path: every query the web app answers is a ``Job`` run by ``run`` into an ``Answer``.

``/sparql`` (``kg.web.sparql``), saved queries (``kg.web.queries``), entity
and site pages, documentation and downloads (``kg.web.entities``,
``kg.web.pages``, ``kg.web.docs``, ``kg.web.downloads``) all build a ``Job``
and call ``run``: it is admitted by the fair queue (``kg.web.admission``),
runs on the executor (a worker on the in-memory snapshot, ``kg.web.executor``,
or the SPARQL server, ``kg.web.remote``) under the time and row limits, and
comes back as an ``Answer`` in the job's format (``kg.web.formats``). What
goes wrong is raised as one of ``kg.web.errors``' errors, which carry their
HTTP status; no view maps errors itself, and no view knows which store ran
the query.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from flask import current_app

from kg.web import admission, errors, formats, query_guard

CLIENT, SAVED, APP = "client", "saved", "app"   # who wrote the query's text (see ``Job.author``)


@dataclass
class Job:
    """One query to run.

    ``tabular`` and ``graph`` are the format names (``kg.web.formats``) for
    SELECT/ASK and CONSTRUCT/DESCRIBE results; ``union`` None means "the
    union of all graphs unless the query has FROM"; ``check`` asks for the
    query guard's full check in the worker and ``network`` for a worker of the
    pool that may call allowlisted SERVICEs; ``substitutions`` binds
    variables (without ``?``) to pyoxigraph terms; ``row_limit`` None is the
    app's ``ROW_LIMIT``. ``author`` says whose text failed when it fails:
    the client's (``/sparql``: a syntax error or a refusal is a 400), a saved
    query's with the client's parameters (a refusal is a 400, a syntax error
    ours) or the app's own (every failure is ours, a 500).
    """
    query: str
    tabular: str = "json"
    graph: str = "turtle"
    union: bool | None = True
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    substitutions: dict | None = None
    check: bool = False
    network: bool = False
    row_limit: int | None = None
    author: str = APP

    def wire(self, row_limit: int) -> dict:
        """The request a worker or the server executor reads (``kg.web.results.execute``)."""
        out = asdict(self)
        for name in ("network", "author"):
            del out[name]
        out["row_limit"] = int(self.row_limit or row_limit)
        return out


@dataclass(frozen=True)
class Answer:
    """The results: ``kind`` is tabular, boolean or graph; ``body`` the bytes in ``format``; ``rows`` how many."""
    kind: str
    format: str
    body: bytes
    truncated: bool
    rows: int

    @property
    def media_type(self) -> str:
        return formats.media_type(self.format)

    def data(self) -> dict:
        """The SPARQL JSON results document of a SELECT or ASK answered in JSON."""
        return json.loads(self.body)

    def bindings(self) -> list[dict]:
        return self.data()["results"]["bindings"]


def guarded(text: str, *, author: str, **fields) -> Job:
    """A job for ``text`` once the query guard's quick scan passes (an update or a refused query: BadQuery)."""
    try:
        scan = query_guard.precheck(text)
    except query_guard.Refused as refusal:
        raise errors.BadQuery(str(refusal)) from None
    fields.setdefault("union", None if scan.dataset else True)
    return Job(query=text, check=scan.needs_check, network=scan.services > 0, author=author, **fields)


def run(job: Job, *, timeout: float) -> Answer:
    """Run ``job`` within ``timeout`` seconds; its Answer, or one of ``kg.web.errors``' errors."""
    try:
        answer = admission.run(job.wire(int(current_app.config["ROW_LIMIT"])), timeout=timeout, network=job.network)
    except tuple(errors.RAISED) as error:
        raise errors.for_exception(error) from None
    if not answer["ok"]:
        raise errors.for_cause(*_cause(job, answer["error"], answer["message"]))
    return Answer(kind=answer["kind"], format=answer["format"], body=answer["body"],
                  truncated=answer["truncated"], rows=answer["rows"])


def _cause(job: Job, cause: str, message: str) -> tuple[str, str]:
    if job.author == APP or (cause == "syntax" and job.author != CLIENT):
        return "failed", message
    if cause == "syntax" and query_guard.is_update(job.query):
        return "update", query_guard.UPDATE_REFUSED
    return cause, message


# -- the queries of the site's pages: one deadline for all the queries of a page --------------

def deadline() -> float:
    return time.monotonic() + float(current_app.config["QUERY_TIMEOUT"])


def page_query(query: str, deadline: float, *, union: bool = True, graph: str = "turtle",
               row_limit: int | None = None) -> Answer:
    """One of a page's queries (the app's own text), within what is left of the page's ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise errors.Unavailable("the page did not finish within the time limit")
    return run(Job(query=query, union=union, graph=graph, row_limit=row_limit), timeout=remaining)


def graphs() -> frozenset[str]:
    """The store's named graphs now."""
    try:
        return admission.executor().graphs()
    except tuple(errors.RAISED) as error:
        raise errors.for_exception(error) from None
