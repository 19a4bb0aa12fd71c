"""Saved queries (queries/*.rq): the list, one page per query, its .json/.csv/.ttl twins and /openapi.json."""

from flask import Blueprint

bp = Blueprint("queries", __name__)
