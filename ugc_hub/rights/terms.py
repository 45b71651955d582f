"""The hosted terms page for authors (public, no account): read the pinned terms, approve, decline, withdraw.

Authors prove they own the handle either with a signed link sent to them (direct message) or with a
one-time code shown here that they post as a reply from their account. GET pages never change
anything (link scanners prefetch them); every action is a POST with a CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField

from ugc_hub.extensions import limiter
from ugc_hub.models import Post, PostRights, RightsRequest, TermsVersion, Workspace, db
from ugc_hub.models.base import utcnow
from ugc_hub.rights.services import codes as rights_codes
from ugc_hub.rights.services import links as rights_links
from ugc_hub.web.forms import choices

bp = Blueprint("terms", __name__)

DAY = 24 * 3600


class AnswerForm(FlaskForm):
    answer = SelectField("answer", choices=choices(("approve", "approve"), ("decline", "decline")))


class CodeForm(FlaskForm):
    purpose = SelectField("purpose", choices=choices(*((p, p) for p in rights_codes.PURPOSES)))


class ButtonForm(FlaskForm):
    """Only the CSRF token."""


def refused(reason: str) -> tuple[str, int]:
    """A clear page for a link that cannot be used, with a status that says why."""
    messages = {
        "tampered": (_("This link is not valid. Check that you copied all of it."), 400),
        "expired": (_("This link has expired. Ask the brand for a new one."), 410),
        "used": (_("This link was already used; it works only once."), 410),
        "closed": (_("This request is no longer open, so there is nothing to answer here."), 409),
    }
    message, status = messages.get(reason, messages["tampered"])
    return render_template("rights/link_refused.html", message=message, reason=reason), status


def _context(rights_request: RightsRequest) -> dict[str, object]:
    post = db.session.get(Post, rights_request.post_id)
    if post is None:
        abort(404)
    return {
        "rights_request": rights_request,
        "post": post,
        "terms": db.session.get(TermsVersion, rights_request.terms_version_id),
        "workspace": db.session.get(Workspace, rights_request.workspace_id),
        "state": db.session.get(PostRights, post.id),
    }


def _client() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


@bp.get("/t/<code>")
def short(code: str) -> str:
    """The short link in a request: the terms this request pinned, and how to answer."""
    found = db.session.scalar(select(RightsRequest).where(RightsRequest.short_code == code))
    if found is None:
        abort(404)
    return render_template("rights/terms.html", code_form=CodeForm(), issued=None, **_context(found))


@bp.post("/t/<code>/code")
@limiter.limit("10 per hour")
def issue_code(code: str) -> str | tuple[str, int]:
    found = db.session.scalar(select(RightsRequest).where(RightsRequest.short_code == code))
    if found is None:
        abort(404)
    form = CodeForm()
    if not form.validate_on_submit():
        abort(400)
    purpose = form.purpose.data or "approve"
    state = db.session.get(PostRights, found.post_id)
    if purpose == "approve" and found.closed_at is not None:
        return refused("closed")
    if purpose == "withdraw" and (state is None or state.state != "granted"):
        return refused("closed")
    ip, agent = _client()
    issued = rights_codes.issue_code(
        db.session, request_id=found.id, purpose=purpose, now=utcnow(), ip=ip, user_agent=agent
    )
    return render_template(
        "rights/terms.html", code_form=CodeForm(), issued=issued, issued_purpose=purpose, **_context(found)
    )


def _claims(token: str, purpose: str, days_key: str, default_days: int) -> rights_links.LinkClaims:
    max_age = int(current_app.config.get(days_key, default_days)) * DAY
    return rights_links.read_token(current_app.config["SECRET_KEY"], token, purpose=purpose, max_age_seconds=max_age)


@bp.route("/r/approve/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def approve(token: str) -> str | tuple[str, int] | Response:
    """The signed link of a direct message: the author approves or declines in one click."""
    try:
        claims = _claims(token, "approve", "RIGHTS_APPROVE_LINK_DAYS", 30)
        found = rights_links.request_for_approval(db.session, claims)
    except rights_links.LinkRefused as exc:
        return refused(exc.reason)
    form = AnswerForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        ip, agent = _client()
        approved = form.answer.data == "approve"
        try:
            rights_links.answer_by_link(
                db.session, claims=claims, approve=approved, ip=ip, user_agent=agent, now=utcnow()
            )
        except rights_links.LinkRefused as exc:
            return refused(exc.reason)
        withdraw = None
        if approved:
            from ugc_hub.rights.views import withdraw_link

            withdraw = withdraw_link(found.post_id, found.id)
        return render_template("rights/answered.html", approved=approved, withdraw=withdraw, **_context(found))
    return render_template("rights/approve.html", form=form, **_context(found))


@bp.route("/r/withdraw/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def withdraw(token: str) -> str | tuple[str, int]:
    """The author's withdrawal link: one click takes the post off every public surface."""
    try:
        claims = _claims(token, "withdraw", "RIGHTS_WITHDRAW_LINK_DAYS", 3650)
        post = rights_links.grant_for_withdrawal(db.session, claims)
    except rights_links.LinkRefused as exc:
        return refused(exc.reason)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        ip, agent = _client()
        try:
            rights_links.withdraw_by_link(db.session, claims=claims, ip=ip, user_agent=agent, now=utcnow())
        except rights_links.LinkRefused as exc:
            return refused(exc.reason)
        return render_template("rights/withdrawn.html", post=post)
    return render_template("rights/withdraw.html", form=form, post=post)
