"""``/about``: what the data is, how it is made, that allegations are allegations (with
their status and source), the licence, how to cite and how to report an error."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("about", __name__)


@bp.route("/about")
def about():
    return render_template("about.html")
