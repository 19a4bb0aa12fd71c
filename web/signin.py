"""Reviewers' accounts in the web app: sign-in, sign-out, sessions, CSRF and the route guard.

Only set up when the setting ``REVIEW`` is true (``kg.web.create_app`` calls
``init_app``); the public pages, ``/sparql`` and the downloads never see a
session, a login or a CSRF check.

* **Accounts** are those of ``pmkg users`` (``kg.users``: ``private/users.sqlite``
  in the store folder, werkzeug scrypt hashes). A session names the account
  and a fingerprint of its password hash: removing the account, or making it
  again with a new password, ends its sessions at the next request.
* **Sessions** are Flask's signed cookie (``SECRET_KEY``, required), HttpOnly,
  SameSite=Strict, Secure when ``BASE_URL`` is https, with the path ``/review``
  (under ``BASE_URL``'s path), so a browser never sends it to a public page, for at most
  ``REVIEW_SESSION_HOURS``; Flask-Login with ``session_protection="strong"``
  (a session used from another address or browser is dropped). No
  "remember me" cookie.
* **CSRF**: every POST to a review route (sign-in included) needs the form's
  Flask-WTF token, else 400. ``CSRFProtect`` checks nothing by default
  (``WTF_CSRF_CHECK_DEFAULT=False``): the review blueprints call it, so the
  anonymous ``POST /sparql`` is untouched.
* **Sign-in attempts** are limited: at most ``SIGNIN_ATTEMPTS`` failures per
  account name and ``SIGNIN_CLIENT_ATTEMPTS`` per client (an address, an IPv6
  /64) in ``SIGNIN_WINDOW`` seconds; beyond that every attempt is answered
  429 with ``Retry-After`` without looking at the password. An unknown name and
  a wrong password get the same answer (401, one message), in about the same time.
* **The guard** (``require_reviewer``): every route of a review blueprint but
  the sign-in page answers a GET without a session with a redirect to the
  sign-in page and anything else with 401.

Routes (blueprint ``signin``): ``GET|POST /review/sign-in``, ``POST /review/sign-out``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kg import config as settings
from kg.users import MAX_PASSWORD, Users
from kg.web.admission import client_key
from kg.web.errors import error_response

bp = Blueprint("signin", __name__, url_prefix="/review")
csrf = CSRFProtect()
login_manager = LoginManager()

# Review pages run one script of their own (web/static/review.js) and nothing else.
REVIEW_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
              "base-uri 'none'; frame-ancestors 'none'")
WRONG = "The name or password is wrong."
PUBLIC_ENDPOINTS = frozenset({"signin.signin"})  # the only review route that answers without a session
MIN_SECRET_KEY = 32
MAX_TRACKED = 10_000  # forget the oldest records of failed sign-ins beyond this many names or clients


class Reviewer(UserMixin):
    def __init__(self, name: str, fingerprint: str):
        self.name = name
        self.id = f"{name}:{fingerprint}"


class SigninForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class Failures:
    """Failed sign-ins per key within a sliding window; bounded in memory, per process."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = int(limit), float(window)
        self._seen: dict[str, deque] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """0 if ``key`` may try now, else the seconds until its oldest failure leaves the window."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.get(key)
            while times and now - times[0] >= self.window:
                times.popleft()
            if not times or len(times) < self.limit:
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, key: str) -> None:
        with self._lock:
            if key not in self._seen and len(self._seen) >= MAX_TRACKED:
                self._seen.pop(next(iter(self._seen)))
            self._seen.setdefault(key, deque(maxlen=max(1, self.limit))).append(time.monotonic())

    def clear(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)


def check_settings(config) -> None:
    """Refuse to start the review app without a real secret key; derive the cookie settings."""
    key = config.get("SECRET_KEY")
    if key is None or str(key).strip() == "":
        raise ValueError("setting SECRET_KEY is required when REVIEW is on: set PMKG_SECRET_KEY or SECRET_KEY in "
                         "instance/pmkg.cfg to a long random string (python -c 'import secrets; "
                         "print(secrets.token_hex(32))')")
    key = str(key)
    if len(key) < MIN_SECRET_KEY:
        raise ValueError(f"setting SECRET_KEY must have at least {MIN_SECRET_KEY} characters when REVIEW is on")
    config["SECRET_KEY"] = key
    for name, low in (("SIGNIN_ATTEMPTS", 0), ("SIGNIN_CLIENT_ATTEMPTS", 0), ("SIGNIN_WINDOW", 0),
                      ("REVIEW_SESSION_HOURS", 0)):
        config[name] = settings.number(f"setting {name}", config[name], more_than=low)
    base = str(config.get("BASE_URL") or "")
    secure = base.startswith("https://")
    path = urlsplit(base).path.rstrip("/") + "/review"  # the browser sends it to the review pages only
    config.update(
        SESSION_COOKIE_NAME="pmkg_review",
        SESSION_COOKIE_PATH=path, REMEMBER_COOKIE_PATH=path,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config["REVIEW_SESSION_HOURS"]),
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SECURE=secure, REMEMBER_COOKIE_SAMESITE="Strict",
        WTF_CSRF_CHECK_DEFAULT=False,   # only the review blueprints check (see require_reviewer)
        WTF_CSRF_TIME_LIMIT=None,       # valid as long as the session is
    )


def init_app(app: Flask) -> None:
    check_settings(app.config)
    csrf.init_app(app)
    # Flask-Login's context processor and its after_request read the session on every request, which
    # would add "Vary: Cookie" to the public pages: the context runs for the review blueprints only, and
    # the after_request (which sets and clears "remember me" cookies, never issued here) not at all.
    login_manager.init_app(app, add_context_processor=False)
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_reviewer)
    login_manager.unauthorized_handler(_unauthorized)
    config = app.config
    app.extensions["pmkg.signin"] = {
        "account": Failures(config["SIGNIN_ATTEMPTS"], config["SIGNIN_WINDOW"]),
        "client": Failures(config["SIGNIN_CLIENT_ATTEMPTS"], config["SIGNIN_WINDOW"]),
    }
    app.register_blueprint(bp)


def _accounts() -> Users:
    return Users(Path(current_app.config["STORE"]))


def _load_reviewer(user_id: str) -> Reviewer | None:
    name, _, fingerprint = str(user_id).partition(":")
    user = _accounts().get(name)
    if user is None or user.fingerprint != fingerprint:
        return None
    return Reviewer(user.name, user.fingerprint)


def _unauthorized():
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("signin.signin", next=request.full_path.rstrip("?")))
    return error_response(401, "Unauthorized", "sign in at /review/sign-in first")


def require_reviewer():
    """before_request of the review blueprints: a session first, then the CSRF token of a POST."""
    signed_in = current_user.is_authenticated  # loaded before anything else touches the session
    if request.endpoint not in PUBLIC_ENDPOINTS and not signed_in:
        return login_manager.unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


def review_headers(response):
    """after_request of the review blueprints: their CSP, never cached, a Referer only to this site."""
    response.headers["Content-Security-Policy"] = REVIEW_CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"  # Flask-WTF checks it on https
    if "_remember" in session:  # Flask-Login's note to clear a "remember me" cookie: none is ever issued
        session.pop("_remember")
    return response


def reviewer_context() -> dict:
    return {"current_user": current_user}


def guard(blueprint: Blueprint) -> None:
    """Put a blueprint under the review app's guard, headers and template context."""
    blueprint.before_request(require_reviewer)
    blueprint.after_request(review_headers)
    blueprint.context_processor(reviewer_context)


guard(bp)


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of the review app, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/review") and "\\" not in target:
            return target
    return url_for("review.queue")


@bp.route("/sign-in", methods=["GET", "POST"])
def signin():
    form = SigninForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("review_signin.html", form=form, next=request.args.get("next", ""))
    limits = current_app.extensions["pmkg.signin"]
    name = (form.name.data or "").strip()
    account, client = "account:" + name.lower(), "client:" + client_key(request.remote_addr)
    wait = max(limits["account"].retry_after(account), limits["client"].retry_after(client))
    if wait:
        message = f"Too many failed sign-ins; try again in {wait} s."
        body = render_template("review_signin.html", form=form, next=request.form.get("next", ""), error=message)
        return body, 429, {"Retry-After": str(wait)}
    user = _accounts().verify(name, form.password.data or "") if form.validate() else None
    if user is None:
        limits["account"].failed(account)
        limits["client"].failed(client)
        body = render_template("review_signin.html", form=form, next=request.form.get("next", ""), error=WRONG)
        return body, 401
    limits["account"].clear(account)
    session.clear()  # a fresh session (and CSRF token) for the signed-in reviewer
    login_user(Reviewer(user.name, user.fingerprint))
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/sign-out", methods=["POST"])
def signout():
    logout_user()
    session.clear()
    flash("Signed out.")
    return redirect(url_for("signin.signin"), code=303)
