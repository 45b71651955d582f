"""Staff moderation of submitted ideas."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ugc_hub.models import db
from ugc_hub.models.ideas import Idea, OutboxMessage
from ugc_hub.services.ideas import IdeaError, moderate_idea
from ugc_hub.services.ideas_images import images_of
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm
from ugc_hub.web.ideas_messages import IDEA_MESSAGES

bp = Blueprint("ideas_staff", __name__)


@bp.get("/")
@role_required("viewer")
def queue() -> str:
    waiting = db.session.scalars(select(Idea).where(Idea.status == "in_moderation").order_by(Idea.id)).all()
    images = {idea.id: images_of(db.session, idea.id) for idea in waiting}
    return render_template("ideas/staff_queue.html", ideas=waiting, images=images, form=EmptyForm())


@bp.post("/<int:idea_id>")
@role_required("moderator")
def decide(idea_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    publish = request.form.get("decision") == "publish"
    try:
        moderate_idea(
            db.session, idea_id=idea_id, publish=publish, reason=request.form.get("reason", ""), actor=current_actor()
        )
        flash(_("Idea published.") if publish else _("Idea rejected."), "ok")
    except IdeaError as exc:
        flash(str(IDEA_MESSAGES.get(exc.code, str(exc))), "error")
    return redirect(url_for("ideas_staff.queue"))


@bp.get("/outbox")
@role_required("admin")
def outbox() -> str:
    """Development: the mail the console backend printed instead of sending (sign-in links included)."""
    if current_app.config.get("MAIL_BACKEND", "console") != "console":
        abort(404)
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50)).all()
    return render_template("ideas/outbox.html", messages=messages)


# Archiving, comments, review batches, integrity and quarantine pages, on this blueprint.
from ugc_hub.web import ideas_quarantine, ideas_staff_more  # noqa: E402, F401
