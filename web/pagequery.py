"""Running the SPARQL queries of the site's pages (entity, officer, force and article pages,
downloads, VoID) through the app's query executor: the endpoint's snapshot, time limit
and row limit, with one deadline for all the queries of one page."""

from __future__ import annotations

import json
import time

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from kg.errors import StoreError
from kg.web import admission
from kg.web.executor import Busy, QueryTimeout, WorkerFailed
from kg.web.sparql import QueryFailed, executor


def run(query: str, deadline: float, *, union: bool = True, graph: str = "turtle",
         row_limit: int | None = None) -> dict:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ServiceUnavailable("the page did not finish within the time limit")
    job = {"query": query, "union": union, "default_graph": None, "named_graphs": None,
           "row_limit": row_limit or int(current_app.config["ROW_LIMIT"]), "tabular": "json", "graph": graph}
    try:
        answer = admission.run(job, timeout=remaining)
    except (QueryTimeout, Busy, StoreError) as error:
        raise ServiceUnavailable(str(error)) from None
    except WorkerFailed as error:
        raise QueryFailed(str(error)) from None
    if not answer["ok"]:
        raise QueryFailed(answer["message"])
    return answer


def rows(answer: dict) -> list[dict]:
    return json.loads(answer["body"])["results"]["bindings"]


def deadline() -> float:
    return time.monotonic() + float(current_app.config["QUERY_TIMEOUT"])


def graphs() -> frozenset[str]:
    try:
        return executor().graphs()
    except StoreError as error:
        raise ServiceUnavailable(str(error)) from None
