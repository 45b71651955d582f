"""Staff pages for co-creation beyond the moderation queue: archiving, comments, review batches, integrity."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ugc_hub.models import db
from ugc_hub.models.ideas import PUBLIC_IDEA_STATUSES, Campaign, Idea, IdeaImage, InvalidationRun, ReviewBatch
from ugc_hub.services.ideas import IdeaError, archive_idea
from ugc_hub.services.ideas_comments import CommentError, recent_comments, remove_comment
from ugc_hub.services.ideas_integrity import (
    INVALIDATION_REASONS,
    InvalidationError,
    dismiss_flag,
    invalidate_supports,
    open_flags,
)
from ugc_hub.services.ideas_reviews import ReviewError, batches_of, create_batch, decide, ideas_in
from ugc_hub.services.storage import storage_from_config
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm
from ugc_hub.web.ideas_messages import IDEA_MESSAGES, REVIEW_MESSAGES, TRANSPARENCY_REASONS
from ugc_hub.web.ideas_staff import bp
from ugc_hub.web.stored_files import stored_file


def _checked() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.get("/img/<int:image_id>")
@role_required("viewer")
def staff_image(image_id: int) -> Response:
    """Pictures of ideas still in moderation, for the moderators who decide on them."""
    found = db.session.get(IdeaImage, image_id)
    if found is None:
        abort(404)
    try:
        data = storage_from_config(current_app.config).get(found.key)
    except KeyError:
        abort(404)
    return stored_file(data, cache_control="private, no-store", name="idea")


@bp.get("/public")
@role_required("viewer")
def public_list() -> str:
    rows = db.session.scalars(
        select(Idea).where(Idea.status.in_(PUBLIC_IDEA_STATUSES)).order_by(Idea.id.desc()).limit(300)
    ).all()
    return render_template("ideas/staff_public.html", ideas=rows, form=EmptyForm())


@bp.post("/<int:idea_id>/archive")
@role_required("moderator")
def archive(idea_id: int) -> Response:
    _checked()
    try:
        archive_idea(db.session, idea_id=idea_id, reason=request.form.get("reason", ""), actor=current_actor())
        flash(_("Idea archived."), "ok")
    except IdeaError as exc:
        flash(str(IDEA_MESSAGES.get(exc.code, str(exc))), "error")
    return redirect(url_for("ideas_staff.public_list"))


@bp.get("/comments")
@role_required("viewer")
def comments() -> str:
    return render_template("ideas/staff_comments.html", comments=recent_comments(db.session), form=EmptyForm())


@bp.post("/comments/<int:comment_id>/remove")
@role_required("moderator")
def remove(comment_id: int) -> Response:
    _checked()
    try:
        remove_comment(db.session, comment_id=comment_id, reason=request.form.get("reason", ""), actor=current_actor())
        flash(_("Comment removed."), "ok")
    except CommentError:
        flash(_("No such comment."), "error")
    return redirect(url_for("ideas_staff.comments"))


@bp.get("/reviews")
@role_required("viewer")
def reviews() -> str:
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).all()
    batches = {c.id: batches_of(db.session, c.id) for c in campaigns}
    return render_template("ideas/staff_reviews.html", campaigns=campaigns, batches=batches, form=EmptyForm())


@bp.post("/reviews")
@role_required("admin")
def add_batch() -> Response:
    _checked()
    try:
        cutoff = datetime.fromisoformat(request.form.get("cutoff", "")).replace(tzinfo=UTC)
        create_batch(db.session, campaign_id=int(request.form["campaign_id"]), cutoff_at=cutoff, actor=current_actor())
        flash(_("Review batch created."), "ok")
    except (ValueError, KeyError):
        flash(_("Give a cutoff date."), "error")
    except ReviewError as exc:
        flash(str(REVIEW_MESSAGES[exc.code]), "error")
    return redirect(url_for("ideas_staff.reviews"))


@bp.get("/reviews/<int:batch_id>")
@role_required("viewer")
def batch(batch_id: int) -> str:
    found = db.session.get(ReviewBatch, batch_id)
    if found is None:
        abort(404)
    batches_of(db.session, found.campaign_id)
    return render_template(
        "ideas/staff_batch.html", batch=found, ideas=ideas_in(db.session, batch_id), form=EmptyForm()
    )


@bp.post("/reviews/<int:batch_id>/<int:idea_id>")
@role_required("admin")
def review(batch_id: int, idea_id: int) -> Response:
    _checked()
    try:
        decide(
            db.session,
            idea_id=idea_id,
            batch_id=batch_id,
            outcome=request.form.get("outcome", ""),
            message=request.form.get("message", ""),
            actor=current_actor(),
        )
        flash(_("Decision recorded."), "ok")
    except ReviewError as exc:
        flash(str(REVIEW_MESSAGES[exc.code]), "error")
    return redirect(url_for("ideas_staff.batch", batch_id=batch_id))


@bp.get("/integrity")
@role_required("viewer")
def integrity() -> str:
    runs = db.session.scalars(select(InvalidationRun).order_by(InvalidationRun.id.desc()).limit(50)).all()
    return render_template(
        "ideas/staff_integrity.html",
        flags=open_flags(db.session),
        runs=runs,
        reasons=[(r, TRANSPARENCY_REASONS[r]) for r in INVALIDATION_REASONS],
        form=EmptyForm(),
    )


def _optional_time(name: str) -> datetime | None:
    value = request.form.get(name, "").strip()
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


@bp.post("/integrity/invalidate")
@role_required("admin")
def invalidate() -> Response:
    _checked()
    try:
        run = invalidate_supports(
            db.session,
            idea_id=int(request.form.get("idea_id", "0")),
            reason=request.form.get("reason", ""),
            actor=current_actor(),
            ip=request.form.get("ip", "").strip() or None,
            domain=request.form.get("domain", "").strip() or None,
            since=_optional_time("since"),
            until=_optional_time("until"),
            note=request.form.get("note", ""),
            flag_id=int(request.form["flag_id"]) if request.form.get("flag_id") else None,
        )
        flash(_("%(num)d supports invalidated; the idea was recounted.", num=run.invalidated), "ok")
    except (InvalidationError, ValueError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("ideas_staff.integrity"))


@bp.post("/integrity/flags/<int:flag_id>/dismiss")
@role_required("moderator")
def dismiss(flag_id: int) -> Response:
    _checked()
    dismiss_flag(db.session, flag_id=flag_id, actor=current_actor())
    flash(_("Flag dismissed."), "ok")
    return redirect(url_for("ideas_staff.integrity"))
