"""The review web app: reviewers confirm, reject, correct and add facts, and withdraw articles.

Registered only when the setting ``REVIEW`` is true, with ``kg.web.signin``
(accounts, sessions, CSRF, the guard). Every route here needs a signed-in
reviewer (``signin.require_reviewer``) and every POST a CSRF token; decisions
are made as that reviewer (``by`` = the account name) through ``kg.review``,
which records them in the private review store and re-publishes the article's
public graph. The app then reloads its snapshot at once, so the public pages
show the change.

Routes (blueprint ``review``, under ``/review``):

``GET /review/``
    The queue: articles with unreviewed facts, oldest first.
``GET /review/article?iri=IRI``
    An article's text with each fact's sentence highlighted, and beside it
    every fact with its state and its buttons (keyboard: ``j``/``k`` next and
    previous fact, ``c`` confirm, ``r`` reject, ``e`` correct, ``a`` add a fact;
    ``web/static/review.js``), and a form to add a fact the extractor missed.
``POST /review/decide``
    ``article``, ``key``, ``action`` (confirm, reject, correct), ``reason``
    (required to reject), ``field`` and ``value`` (to correct).
``POST /review/add``
    ``article``, ``kind`` (officer, allegation, outcome, investigation, quote),
    ``value``, ``sentence`` (the cited sentence's offsets, ``START-END``, picked
    from the article's sentences), optional ``subject`` (the key of the officer
    or group it is about) and ``reason``: ``kg.review.decide(action="add")``,
    as ``pmkg review add`` does.
``POST /review/confirm-empty``
    ``article``: for an article in which the extractor found no fact, a
    reviewer's confirmation that it has none (``pmkg review confirm ARTICLE
    --all``), so that it counts as reviewed; refused for an article with facts.
``POST /review/withdraw``
    ``article``, ``reason``: takes the article out of the published view (``kg.review.withdraw``).
``GET /review/log``
    The audit trail, newest first.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from kg.errors import PmkgError, StoreError
from kg.review.values import ADDABLE
from kg.store import named_node
from kg.web.admission import executor
from kg.web.signin import guard

bp = Blueprint("review", __name__, url_prefix="/review")
guard(bp)

ACTIONS = ("confirm", "reject", "correct")
MAX_REASON = 2000
MAX_VALUE = 500
LOG_LIMIT = 200


class DecisionForm(FlaskForm):
    article = HiddenField(validators=[DataRequired(), Length(max=2000)])
    key = HiddenField(validators=[DataRequired(), Length(max=200)])
    action = HiddenField(validators=[DataRequired(), AnyOf(ACTIONS)])
    field = HiddenField(validators=[Optional(), Length(max=100)])
    reason = StringField("Reason", validators=[Optional(), Length(max=MAX_REASON)])
    value = StringField("New value", validators=[Optional(), Length(max=MAX_VALUE)])


class AddForm(FlaskForm):
    article = HiddenField(validators=[DataRequired(), Length(max=2000)])
    kind = StringField("Kind", validators=[DataRequired(), AnyOf(tuple(ADDABLE))])
    value = StringField("Value", validators=[DataRequired(), Length(max=MAX_VALUE)])
    sentence = StringField("Sentence", validators=[DataRequired(), Length(max=40)])
    subject = StringField("About", validators=[Optional(), Length(max=200)])
    reason = StringField("Reason", validators=[Optional(), Length(max=MAX_REASON)])


class ArticleForm(FlaskForm):
    article = HiddenField(validators=[DataRequired(), Length(max=2000)])


class WithdrawForm(FlaskForm):
    article = HiddenField(validators=[DataRequired(), Length(max=2000)])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=MAX_REASON)])


def _store() -> Path:
    return Path(current_app.config["STORE"])


def _article_iri(value: str | None) -> str:
    try:
        return named_node(value or "").value
    except PmkgError:
        abort(400, description="iri must be an article's absolute IRI")


def _refresh_public_view() -> None:
    """Serve the store as it is now: the decision re-published the article's public graph."""
    try:
        executor().refresh(force=True)
    except StoreError:
        pass  # in use by a writer: the snapshot is reloaded at the next check


def _page(template: str, status: int = 200, **context):
    return render_template(template, **context), status


@bp.get("/")
def queue():
    from kg.review import queue as review_queue

    try:
        articles = review_queue(_store())
    except StoreError as problem:
        abort(503, description=str(problem))
    return _page("review_queue.html", articles=articles)


def highlighted(text: str, facts: list) -> tuple[Markup, dict]:
    """The text with each fact's sentence in a <mark id="s-N">, and the sentence id of each fact key."""
    spans = sorted({(f.start, f.end) for f in facts
                    if isinstance(f.start, int) and isinstance(f.end, int) and 0 <= f.start < f.end <= len(text)})
    kept, at = [], 0
    for start, end in spans:  # overlapping sentences: the first one wins
        if start >= at:
            kept.append((start, end))
            at = end
    ids = {span: f"s-{n}" for n, span in enumerate(kept, 1)}
    out, at = [], 0
    for (start, end), ident in ids.items():
        out.append(str(escape(text[at:start])))
        out.append(f'<mark id="{ident}">{escape(text[start:end])}</mark>')
        at = end
    out.append(str(escape(text[at:])))
    sentence_of = {}
    for fact in facts:
        for (start, end), ident in ids.items():
            if isinstance(fact.start, int) and start <= fact.start < end:
                sentence_of[fact.key] = ident
                break
    return Markup("".join(out)), sentence_of


SENTENCE_PREVIEW = 140


def sentence_choices(text: str) -> list[dict]:
    """The article's sentences for the add form's picker: value ``START-END`` and a short text."""
    from kg.review.cite import sentences

    out = []
    for start, end in sentences(text):
        words = " ".join(text[start:end].split())
        if len(words) > SENTENCE_PREVIEW:
            words = words[:SENTENCE_PREVIEW - 1].rstrip() + "\u2026"
        out.append({"value": f"{start}-{end}", "start": start, "end": end, "text": words})
    return out


def subject_choices(found: list) -> list[dict]:
    """The officers and groups an added fact may be about: one entry each, ``key`` of one of its
    facts (an officer's name fact where it has one), ``label`` its name or description."""
    chosen: dict[str, dict] = {}
    for f in found:
        if f.kind not in ("officer", "group") or f.state == "rejected":
            continue
        who = f.label.partition(":")[0].removeprefix("officer ") if f.kind == "officer" else f.label
        if who not in chosen or (f.field == "name" and chosen[who]["field"] != "name"):
            chosen[who] = {"key": f.key, "label": who, "field": f.field}
    return list(chosen.values())


def _review_page(iri: str, status: int = 200, error: str | None = None, adding: dict | None = None):
    from kg.review import article_text, facts

    try:
        found = facts(_store(), iri)
        text = article_text(_store(), iri)
    except StoreError as problem:
        abort(503, description=str(problem))
    except PmkgError as problem:
        abort(404, description=str(problem))
    found = sorted(found, key=lambda f: (f.start if isinstance(f.start, int) else 1 << 60, f.key))
    body, sentence_of = highlighted(text or "", found)
    subjects = subject_choices(found)
    return _page("review_article.html", status, iri=iri, facts=found, text=body, sentence_of=sentence_of,
                 error=error, kinds=ADDABLE, subjects=subjects, sentences=sentence_choices(text or ""),
                 adding=adding or {})


@bp.get("/article")
def article():
    return _review_page(_article_iri(request.args.get("iri")))


@bp.post("/decide")
def decide():
    from kg.review import decide as record

    form = DecisionForm()
    if not form.validate():
        iri = _article_iri(form.article.data)
        return _review_page(iri, 400, error=_form_error(form))
    iri, action = _article_iri(form.article.data), form.action.data
    reason = (form.reason.data or "").strip() or None
    value = (form.value.data or "").strip() or None
    if action == "reject" and not reason:
        return _review_page(iri, 400, error="Say why the fact is rejected (a reason is required).")
    if action == "correct" and not value:
        return _review_page(iri, 400, error="Give the corrected value.")
    try:
        record(_store(), action=action, article=iri, key=form.key.data, by=current_user.name,
               reason=reason, field=(form.field.data or None) if action == "correct" else None,
               value=value if action == "correct" else None)
    except PmkgError as error:
        return _review_page(iri, 400, error=str(error))
    _refresh_public_view()
    flash(f"{action.capitalize()}ed" if action != "confirm" else "Confirmed")
    return redirect(url_for("review.article", iri=iri, _anchor=f"fact-{form.key.data}"), code=303)


@bp.post("/add")
def add():
    from kg.review import article_text
    from kg.review import decide as record
    from kg.review.cite import span

    form = AddForm()
    iri = _article_iri(form.article.data)
    adding = {name: (request.form.get(name) or "")[:MAX_VALUE] for name in ("kind", "value", "sentence", "subject")}
    if not form.validate():
        return _review_page(iri, 400, error="Add a fact: " + _form_error(form), adding=adding)
    try:
        sentence = span(article_text(_store(), iri), form.sentence.data, None)
        decision = record(_store(), action="add", article=iri, key=None, by=current_user.name,
                          reason=(form.reason.data or "").strip() or None, value=form.value.data.strip(),
                          sentence=sentence, kind=form.kind.data, subject=(form.subject.data or "").strip() or None)
    except PmkgError as error:
        return _review_page(iri, 400, error=f"Add a fact: {error}", adding=adding)
    _refresh_public_view()
    flash(f"Added: {decision.label}")
    return redirect(url_for("review.article", iri=iri, _anchor=f"fact-{decision.key}"), code=303)


@bp.post("/confirm-empty")
def confirm_empty():
    from kg.review import decide_each, facts

    form = ArticleForm()
    iri = _article_iri(form.article.data)
    if not form.validate():
        return _review_page(iri, 400, error=_form_error(form))
    try:
        if facts(_store(), iri):
            return _review_page(iri, 400, error="The article has facts: confirm or reject each of them.")
        decide_each(_store(), action="confirm", article=iri, keys=None, by=current_user.name)
    except PmkgError as error:
        return _review_page(iri, 400, error=str(error))
    _refresh_public_view()
    flash("Confirmed: the article has no facts")
    return redirect(url_for("review.queue"), code=303)


@bp.post("/withdraw")
def withdraw():
    from kg.review.withdraw import withdraw as take_down

    form = WithdrawForm()
    iri = _article_iri(form.article.data)
    if not form.validate():
        return _review_page(iri, 400, error="Say why the article is withdrawn (a reason is required).")
    try:
        take_down(_store(), iri, reason=form.reason.data.strip(), by=current_user.name)
    except PmkgError as error:
        return _review_page(iri, 400, error=str(error))
    _refresh_public_view()
    flash(f"Withdrawn: {iri}")
    return redirect(url_for("review.queue"), code=303)


@bp.get("/log")
def audit_log():
    from kg.review import log

    try:
        decisions = log(_store(), limit=LOG_LIMIT)
    except StoreError as problem:
        abort(503, description=str(problem))
    return _page("review_log.html", decisions=decisions)


def _form_error(form: FlaskForm) -> str:
    for name, errors in form.errors.items():
        if errors:
            return f"{name}: {errors[0]}"
    return "the form is incomplete"
