"""Staff pages for authors' permissions: ask, post by hand, decide, revoke, thank, evidence, erasure."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from ugc_hub.models import Author, Post, PostRights, RightsRequest, db
from ugc_hub.models.base import utcnow
from ugc_hub.rights import queries
from ugc_hub.rights.forms import (
    CHANNEL_LABELS,
    STATE_LABELS,
    DecideForm,
    PostedForm,
    ProofForm,
    RequestForm,
    RevokeForm,
    ThankForm,
)
from ugc_hub.rights.services import consent_ledger
from ugc_hub.rights.services import links as rights_links
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services import upkeep as rights_upkeep
from ugc_hub.rights.services.erasure import ErasureError, erase_author
from ugc_hub.services.storage import storage_from_config
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm, choices

# The rights templates (rights/...) live beside the feature; Flask searches every blueprint's folder.
bp = Blueprint("rights", __name__, template_folder="templates")

PROOF_MESSAGES = {
    "proof_type": _l("This file cannot be kept as proof: upload a JPEG, PNG, GIF or WebP picture, or a PDF."),
    "proof_size": _l("The proof must be a file of at most 20 MB."),
}


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for authors: on PUBLIC_BASE_URL when set, else on the address of this request."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


def withdraw_link(post_id: int, request_id: int) -> str:
    token = rights_links.make_token(
        current_app.config["SECRET_KEY"], purpose="withdraw", request_id=request_id, post_id=post_id
    )
    return public_url("terms.withdraw", token=token)


def _post_or_404(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return post


def _back(post_id: int) -> Response:
    return redirect(url_for("rights.post_rights", post_id=post_id))  # type: ignore[return-value]


@bp.app_context_processor
def rights_labels() -> dict[str, Any]:
    return {
        "rights_state_label": lambda s: STATE_LABELS.get(s, s),
        "rights_channel_label": lambda c: CHANNEL_LABELS.get(c, c),
    }


@bp.get("/")
@role_required("viewer")
def overview() -> str:
    now = utcnow()
    lists = queries.overview(db.session)
    days = int(current_app.config.get("RIGHTS_EXPIRY_NOTICE_DAYS", 30))
    expiring = rights_upkeep.expiring_grants(db.session, now=now, within=timedelta(days=days))
    return render_template(
        "rights/overview.html",
        waiting=lists.waiting,
        to_decide=lists.to_decide,
        author_changed=lists.author_changed,
        open_requests=lists.open_requests,
        expiring=expiring,
        days=days,
        posted_form=PostedForm(),
        button=EmptyForm(),
    )


@bp.get("/posts/<int:post_id>")
@role_required("viewer")
def post_rights(post_id: int) -> str:
    return _post_page(post_id, ProofForm())


def _post_page(post_id: int, proof_form: ProofForm) -> str:
    post = _post_or_404(post_id)
    history = queries.post_history(db.session, post_id)
    state = history.state
    form = RequestForm()
    form.template.choices = choices(("", _("rotate (least recently used)"))) + [
        SelectChoice(str(t.id), f"{t.name} ({t.language})")
        for t in queries.request_templates(db.session, post.workspace_id)
    ]
    return render_template(
        "rights/post.html",
        post=post,
        state=state,
        terms=history.terms,
        requests=history.requests,
        replies=history.replies,
        messages=history.messages,
        events=history.events,
        thanked_at=history.thanked_at,
        request_form=form,
        posted_form=PostedForm(),
        decide_form=DecideForm(),
        revoke_form=RevokeForm(),
        proof_form=proof_form,
        thank_form=ThankForm(),
        button=EmptyForm(),
        withdraw_link=withdraw_link(post_id, state.request_id or 0) if state and state.state == "granted" else None,
        terms_link=lambda code: public_url("terms.short", code=code),
    )


def _ask(post_id: int, channel: str, template_id: int | None, hashtag: str | None) -> None:
    secret = current_app.config["SECRET_KEY"]
    made = rights.request_permission(
        db.session,
        post_id=post_id,
        channel=channel,
        actor=current_actor(),
        now=utcnow(),
        terms_link=lambda code: public_url("terms.short", code=code),
        approval_link=lambda req: public_url(
            "terms.approve",
            token=rights_links.make_token(secret, purpose="approve", request_id=req.id, post_id=req.post_id),
        ),
        template_id=template_id,
        hashtag=hashtag,
    )
    if channel == "api_reply":
        from ugc_hub.rights.tasks import enqueue_sending

        enqueue_sending()
    flash(_("Request %(id)d created.", id=made.id), "ok")


@bp.post("/posts/<int:post_id>/request")
@role_required("moderator")
def ask(post_id: int) -> Response:
    _post_or_404(post_id)
    form = RequestForm()
    form.template.choices = []
    if not form.validate_on_submit():
        abort(400)
    template_id = int(form.template.data) if (form.template.data or "").isdigit() else None
    try:
        _ask(post_id, form.channel.data or "manual_comment", template_id, (form.hashtag.data or "").strip() or None)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _back(post_id)


@bp.post("/posts/<int:post_id>/renew")
@role_required("moderator")
def renew(post_id: int) -> Response:
    """One-click renewal from the expiring list: same channel as the request behind the grant."""
    _post_or_404(post_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    state = db.session.get(PostRights, post_id)
    previous = db.session.get(RightsRequest, state.request_id) if state and state.request_id else None
    channel = previous.channel if previous and previous.channel in rights.SENDING_CHANNELS else "manual_comment"
    try:
        _ask(post_id, channel, None, None)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("rights.overview"))  # type: ignore[return-value]


@bp.post("/messages/<int:message_id>/posted")
@role_required("moderator")
def posted(message_id: int) -> Response:
    form = PostedForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        message = rights_queue.mark_posted(
            db.session, message_id=message_id, actor=current_actor(), now=utcnow(), comment_id=form.comment_id.data
        )
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("rights.overview"))  # type: ignore[return-value]
    flash(_("Marked as posted."), "ok")
    return _back(message.post_id)


@bp.post("/messages/<int:message_id>/cancel")
@role_required("moderator")
def cancel(message_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        rights_queue.cancel(db.session, message_id=message_id, actor=current_actor())
    except ValueError as exc:
        flash(str(exc), "error")
    return redirect(url_for("rights.overview"))  # type: ignore[return-value]


@bp.post("/requests/<int:request_id>/decide")
@role_required("moderator")
def decide(request_id: int) -> Response:
    form = DecideForm()
    if not form.validate_on_submit():
        abort(400)
    found = db.session.get(RightsRequest, request_id)
    if found is None:
        abort(404)
    try:
        rights.decide(
            db.session, request_id=request_id, grant=form.decision.data == "grant", actor=current_actor(), now=utcnow()
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _back(found.post_id)


@bp.post("/posts/<int:post_id>/revoke")
@role_required("moderator")
def revoke(post_id: int) -> Response:
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rights.revoke(db.session, post_id=post_id, actor=current_actor(), now=utcnow(), reason=form.reason.data or "")
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Permission revoked; the post left every public surface."), "ok")
    return _back(post_id)


@bp.post("/posts/<int:post_id>/proof")
@role_required("moderator")
def proof(post_id: int) -> Response | tuple[str, int]:
    form = ProofForm()
    if not form.validate_on_submit():
        flash(_("Choose the file to upload."), "error")
        return _back(post_id)
    upload = form.file.data
    try:
        rights_upkeep.grant_with_proof(
            db.session,
            post_id=post_id,
            data=upload.read(),
            filename=upload.filename or "proof",
            note=form.note.data or "",
            storage=storage_from_config(current_app.config),
            actor=current_actor(),
            now=utcnow(),
        )
    except rights_upkeep.ProofRefused as exc:
        db.session.rollback()
        flash(str(PROOF_MESSAGES.get(exc.code, exc)), "error")
        return _post_page(post_id, form), 400  # the note the moderator typed stays in the form
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Permission granted on the uploaded proof."), "ok")
    return _back(post_id)


@bp.post("/posts/<int:post_id>/thank")
@role_required("moderator")
def thank(post_id: int) -> Response:
    form = ThankForm()
    if not form.validate_on_submit():
        abort(400)
    state = db.session.get(PostRights, post_id)
    link = withdraw_link(post_id, state.request_id or 0) if state and state.state == "granted" else ""
    try:
        rights_upkeep.thank(
            db.session,
            post_id=post_id,
            channel=form.channel.data or "manual_comment",
            actor=current_actor(),
            now=utcnow(),
            withdraw_link=link,
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        if form.channel.data == "api_reply":
            from ugc_hub.rights.tasks import enqueue_sending

            enqueue_sending()
        flash(_("Thank-you queued."), "ok")
    return _back(post_id)


def _evidence(post_ids: list[int], author_id: int | None, fmt: str, title: str) -> Response | str:
    document = consent_ledger.evidence_document(db.session, post_ids=post_ids, author_id=author_id)
    if fmt == "json":
        response = Response(
            json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True), mimetype="application/json"
        )
        response.headers["Content-Disposition"] = "attachment; filename=evidence.json"
        return response
    return render_template("rights/evidence.html", document=document, title=title)


@bp.get("/posts/<int:post_id>/evidence.<fmt>")
@role_required("moderator")
def post_evidence(post_id: int, fmt: str) -> Response | str:
    if fmt not in ("json", "html"):
        abort(404)
    return _evidence([post_id], None, fmt, _("Evidence for post %(id)d", id=post_id))


@bp.get("/authors/<int:author_id>/evidence.<fmt>")
@role_required("moderator")
def author_evidence(author_id: int, fmt: str) -> Response | str:
    if fmt not in ("json", "html"):
        abort(404)
    return _evidence([], author_id, fmt, _("Evidence for author %(id)d", id=author_id))


@bp.post("/authors/<int:author_id>/erase")
@role_required("admin")
def erase(author_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != str(author_id):
        flash(_("Type the author's number to confirm the erasure."), "error")
        return redirect(url_for("rights.overview"))  # type: ignore[return-value]
    if db.session.get(Author, author_id) is None:
        abort(404)
    try:
        report = erase_author(
            db.session,
            author_id=author_id,
            storage=storage_from_config(current_app.config),
            actor=current_actor(),
            now=utcnow(),
        )
    except ErasureError as exc:
        flash(str(exc), "error")
        return redirect(url_for("rights.overview"))  # type: ignore[return-value]
    flash(
        _(
            "Author erased: %(posts)d posts and %(files)d files deleted, %(events)d ledger entries reduced to hashes.",
            posts=len(report.post_ids),
            files=report.files_deleted,
            events=report.events_redacted,
        ),
        "ok",
    )
    return redirect(url_for("rights.overview"))  # type: ignore[return-value]
