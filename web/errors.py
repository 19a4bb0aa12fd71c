"""The errors of the read path with their HTTP status, and the one error handler.

A query can go wrong in a few ways, each answered with one status, here and
nowhere else (``CAUSES``): a malformed or refused query or an update is a
400 (``BadQuery``), the time limit, busy workers or a store that cannot be
read a 503 (``Unavailable``, with ``Retry-After`` where waiting helps), a
client over its budget a 429 (``Overloaded``), a query that failed while it
ran a 500 (``QueryFailed``). ``kg.web.service`` raises them.

The handler answers JSON or an HTML page, by the request's Accept header.
HTTP errors show their message; anything unexpected is logged with its
traceback on the server and answered with a 500 and a generic message: no
stack trace reaches a client.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, ServiceUnavailable, TooManyRequests
from werkzeug.http import HTTP_STATUS_CODES

from kg.errors import StoreError
from kg.web.executor import Busy, QueryTimeout, WorkerFailed

GENERIC = "something went wrong on the server; the error has been logged"


class BadQuery(BadRequest):
    """400: the query is malformed, refused by the query guard, or an update."""


class Overloaded(TooManyRequests):
    """429: the client has used its query time or has too many queries at once (with Retry-After)."""


class Unavailable(ServiceUnavailable):
    """503: the time limit passed, no worker was free, or the store cannot be read now."""


class QueryFailed(HTTPException):
    """500: the query failed while it ran (an evaluation error, its memory limit, a worker that died)."""
    code = 500
    description = "the query failed"


# Why a query was not answered -> the error (and so the status) it is answered with: the one mapping.
CAUSES = {
    "refused": BadQuery, "syntax": BadQuery, "update": BadQuery,
    "timeout": Unavailable, "busy": Unavailable, "store": Unavailable,
    "failed": QueryFailed, "memory": QueryFailed, "worker": QueryFailed,
}
# The executors' exceptions -> their cause.
RAISED = {QueryTimeout: "timeout", Busy: "busy", StoreError: "store", WorkerFailed: "worker"}


def for_cause(cause: str, message: str, retry_after: int | None = None) -> HTTPException:
    """The error to raise for ``cause`` (a key of ``CAUSES``)."""
    error = CAUSES.get(cause, QueryFailed)
    if retry_after is not None:
        return error(message, retry_after=retry_after)
    return error(message)


def for_exception(error: Exception) -> HTTPException:
    """The error to raise for an executor's exception (one of ``RAISED``)."""
    cause = next(c for kind, c in RAISED.items() if isinstance(error, kind))
    return for_cause(cause, str(error))


def wants_html() -> bool:
    """True if the client prefers an HTML page to JSON (a browser)."""
    accept = request.accept_mimetypes
    return accept["text/html"] > accept["application/json"]


def error_response(status: int, title: str, message: str, headers=None):
    if wants_html():
        response = current_app.make_response(
            (render_template("error.html", status=status, title=title, message=message), status)
        )
    else:
        response = jsonify({"error": {"status": status, "title": title, "message": message}})
        response.status_code = status
    for name, value in headers or []:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_http(error: HTTPException):
    if error.code is None or error.code < 400:  # redirects raised by routing
        return error
    return error_response(error.code, error.name, error.description or error.name, error.get_headers())


def handle_unexpected(error: Exception):
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(InternalServerError.code, HTTP_STATUS_CODES[InternalServerError.code], GENERIC)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
