"""Public co-creation routes beyond supporting: author edits and updates, comments, pictures, declarations."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.models.ideas import IdeaImage
from ugc_hub.services import ideas as idea_service
from ugc_hub.services.ideas_comments import MAX_COMMENT, CommentError, add_comment
from ugc_hub.services.ideas_eligibility import DeclarationError, declare
from ugc_hub.services.ideas_images import MAX_IMAGES, ImageRejected, check_uploads, images_of
from ugc_hub.services.storage import storage_from_config
from ugc_hub.web.ideas import (
    ButtonForm,
    _require_customer,
    bp,
    current_customer,
    flash_image_error,
    image_max_bytes,
    read_uploads,
    visible_idea,
)
from ugc_hub.web.ideas_messages import COMMENT_MESSAGES, DECLARATION_MESSAGES, IDEA_MESSAGES
from ugc_hub.web.stored_files import stored_file


class CommentForm(FlaskForm):
    body = TextAreaField("body", validators=[DataRequired(), Length(max=MAX_COMMENT)])


class EditForm(FlaskForm):
    title = StringField("title", validators=[DataRequired(), Length(max=idea_service.MAX_TITLE)])
    description = TextAreaField("description", validators=[Length(max=idea_service.MAX_DESCRIPTION)])
    images = MultipleFileField("images")


class UpdateForm(FlaskForm):
    body = TextAreaField("body", validators=[DataRequired(), Length(max=idea_service.MAX_UPDATE)])


class DeclarationForm(FlaskForm):
    birth_date = DateField("birth_date", validators=[Optional()])
    country = StringField("country", validators=[Length(max=2)])


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would turn our domain into a phishing relay."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("ideas.mine")


@bp.route("/i/<int:idea_id>/edit", methods=["GET", "POST"])
def edit(idea_id: int) -> str | Response:
    found = visible_idea(idea_id)
    customer = _require_customer()
    if found.author_id != customer.id:
        abort(404)
    locked = idea_service.is_locked(db.session, found.id) or found.status not in ("in_moderation", "published")
    form = EditForm(obj=None if request.method == "POST" else found)
    update_form = UpdateForm()
    if request.method == "POST" and request.form.get("action") == "update" and update_form.validate_on_submit():
        try:
            idea_service.post_update(
                db.session, idea_id=found.id, author_id=customer.id, body=update_form.body.data or ""
            )
        except idea_service.IdeaError as exc:
            flash(str(IDEA_MESSAGES.get(exc.code, str(exc))), "error")
        else:
            flash(_("Your update is published."), "ok")
            return redirect(url_for("ideas.idea", idea_id=found.id))
    elif request.method == "POST" and request.form.get("action") == "edit" and form.validate_on_submit():
        try:
            images = check_uploads(
                read_uploads(form.images),
                max_bytes=image_max_bytes(),
                already=len(images_of(db.session, found.id)),
            )
            idea_service.edit_idea(
                db.session,
                idea_id=found.id,
                author_id=customer.id,
                title=form.title.data or "",
                description=form.description.data or "",
                images=images,
                storage=storage_from_config(current_app.config),
            )
        except ImageRejected as exc:
            flash_image_error(exc)
        except idea_service.IdeaError as exc:
            db.session.rollback()
            flash(str(IDEA_MESSAGES.get(exc.code, str(exc))), "error")
        else:
            flash(_("Your changes are saved."), "ok")
            return redirect(url_for("ideas.idea", idea_id=found.id))
    return render_template(
        "ideas/edit.html", idea=found, form=form, update_form=update_form, locked=locked, max_images=MAX_IMAGES
    )


@bp.post("/i/<int:idea_id>/comments")
@limiter.limit("10 per minute")
def comment(idea_id: int) -> Response:
    found = visible_idea(idea_id)
    customer = _require_customer()
    form = CommentForm()
    if not form.validate_on_submit():
        flash(str(COMMENT_MESSAGES["empty" if not (form.body.data or "").strip() else "too_long"]), "error")
        return redirect(url_for("ideas.idea", idea_id=found.id))
    try:
        add_comment(db.session, idea_id=found.id, customer_id=customer.id, body=form.body.data or "")
    except CommentError as exc:
        flash(str(COMMENT_MESSAGES[exc.code]), "error")
    else:
        flash(_("Your comment is published."), "ok")
    return redirect(url_for("ideas.idea", idea_id=found.id) + "#comments")


@bp.get("/img/<int:image_id>")
def image(image_id: int) -> Response:
    """A picture of an idea the visitor may see; only our own re-encoded bytes are ever served."""
    found = db.session.get(IdeaImage, image_id)
    if found is None:
        abort(404)
    visible_idea(found.idea_id)
    try:
        data = storage_from_config(current_app.config).get(found.key)
    except KeyError:
        abort(404)
    return stored_file(data, cache_control="public, max-age=86400", name="idea")


@bp.route("/me/declare", methods=["GET", "POST"])
def declare_profile() -> str | Response:
    customer = _require_customer()
    form = DeclarationForm()
    target = _safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            declare(
                db.session,
                customer_id=customer.id,
                birth_date=form.birth_date.data if isinstance(form.birth_date.data, date) else None,
                country=form.country.data or "",
                today=utcnow().date(),
            )
        except DeclarationError as exc:
            flash(str(DECLARATION_MESSAGES[exc.code]), "error")
        else:
            flash(_("Thank you. You can continue."), "ok")
            return redirect(target)
    elif request.method == "POST":
        flash(str(DECLARATION_MESSAGES["bad_date"]), "error")
    return render_template("ideas/declare.html", form=form, customer=current_customer(), button=ButtonForm())
