"""The one error handler: JSON or an HTML page, by the request's Accept header.

HTTP errors (400 for a malformed query, 503 at the time limit, ...) show their
message; anything unexpected is logged with its traceback on the server and
answered with a 500 and a generic message: no stack trace reaches a client.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

GENERIC = "something went wrong on the server; the error has been logged"


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
