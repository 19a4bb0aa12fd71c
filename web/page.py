"""The web page: YASGUI on the home page, pointed at /sparql, with the saved queries beside it."""

from flask import Blueprint

bp = Blueprint("page", __name__)
