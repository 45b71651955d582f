"""Admin pages of the rights workflow: approval hashtag and delays, request templates, terms versions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ugc_hub.models import MessageTemplate, TermsVersion, Workspace, db
from ugc_hub.rights.models import TEMPLATE_PURPOSES
from ugc_hub.rights.services import templates as rights_templates
from ugc_hub.rights.views import bp
from ugc_hub.services.workspaces import WorkspaceError, find_workspace
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm, choices


class PolicyForm(FlaskForm):
    hashtag = StringField("hashtag", validators=[DataRequired(), Length(max=100)])
    request_days = IntegerField("request_days", validators=[DataRequired(), NumberRange(min=1, max=365)])
    reminder_days = IntegerField("reminder_days", validators=[Optional(), NumberRange(min=1, max=364)])
    licence_days = IntegerField("licence_days", validators=[Optional(), NumberRange(min=1, max=36500)])


class TemplateForm(FlaskForm):
    purpose = SelectField("purpose", choices=choices(*((p, p) for p in TEMPLATE_PURPOSES)))
    language = StringField("language", validators=[DataRequired(), Length(max=8)], default="en")
    name = StringField("name", validators=[Optional(), Length(max=200)])
    body = TextAreaField("body", validators=[DataRequired(), Length(max=rights_templates.MAX_TEMPLATE)])


class TermsForm(FlaskForm):
    title = StringField("title", validators=[DataRequired(), Length(max=200)])
    language = StringField("language", validators=[DataRequired(), Length(max=8)], default="en")
    body = TextAreaField("body", validators=[DataRequired(), Length(max=50_000)])


def _workspace() -> Workspace:
    try:
        return find_workspace(db.session, request.values.get("workspace") or None)
    except WorkspaceError:
        abort(404)


def _to_setup(workspace: Workspace) -> Response:
    return redirect(url_for("rights.setup", workspace=workspace.slug))


@bp.get("/setup")
@role_required("admin")
def setup() -> str:
    workspace = _workspace()
    policy = rights_templates.policy_for(db.session, workspace.id)
    db.session.commit()
    policy_form = PolicyForm(
        data={
            "hashtag": policy.approval_hashtag,
            "request_days": policy.request_days,
            "reminder_days": policy.reminder_days,
            "licence_days": policy.licence_days,
        }
    )
    templates = db.session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.workspace_id == workspace.id)
        .order_by(MessageTemplate.purpose, MessageTemplate.language, MessageTemplate.id)
    ).all()
    terms = db.session.scalars(
        select(TermsVersion).where(TermsVersion.workspace_id == workspace.id).order_by(TermsVersion.version.desc())
    ).all()
    return render_template(
        "rights/setup.html",
        workspace=workspace,
        policy_form=policy_form,
        template_form=TemplateForm(),
        terms_form=TermsForm(),
        templates=templates,
        terms=terms,
        placeholders=rights_templates.PLACEHOLDERS,
        button=EmptyForm(),
    )


@bp.post("/setup/policy")
@role_required("admin")
def save_policy() -> Response:
    workspace = _workspace()
    form = PolicyForm()
    if not form.validate_on_submit():
        flash(_("Check the hashtag and the numbers of days."), "error")
        return _to_setup(workspace)
    try:
        rights_templates.update_policy(
            db.session,
            workspace_id=workspace.id,
            approval_hashtag=form.hashtag.data or "",
            request_days=form.request_days.data or 14,
            reminder_days=form.reminder_days.data,
            licence_days=form.licence_days.data,
            actor=current_actor(),
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Saved."), "ok")
    return _to_setup(workspace)


@bp.post("/setup/templates")
@role_required("admin")
def add_template() -> Response:
    workspace = _workspace()
    form = TemplateForm()
    if not form.validate_on_submit():
        flash(_("A template needs a language and a text."), "error")
        return _to_setup(workspace)
    try:
        rights_templates.add_template(
            db.session,
            workspace_id=workspace.id,
            purpose=form.purpose.data or "request",
            language=(form.language.data or "en").strip(),
            name=form.name.data or "",
            body=form.body.data or "",
            actor=current_actor(),
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Template added."), "ok")
    return _to_setup(workspace)


@bp.post("/setup/templates/<int:template_id>/toggle")
@role_required("admin")
def toggle_template(template_id: int) -> Response:
    workspace = _workspace()
    template = db.session.get(MessageTemplate, template_id)
    if template is None or not EmptyForm().validate_on_submit():
        abort(400)
    rights_templates.set_template_active(
        db.session, template_id=template_id, active=not template.active, actor=current_actor()
    )
    return _to_setup(workspace)


@bp.post("/setup/terms")
@role_required("admin")
def publish_terms() -> Response:
    workspace = _workspace()
    form = TermsForm()
    if not form.validate_on_submit():
        flash(_("Terms need a title, a language and a text."), "error")
        return _to_setup(workspace)
    try:
        terms = rights_templates.publish_terms(
            db.session,
            workspace_id=workspace.id,
            title=form.title.data or "",
            body=form.body.data or "",
            language=(form.language.data or "en").strip(),
            actor=current_actor(),
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Terms version %(version)d published.", version=terms.version), "ok")
    return _to_setup(workspace)


@bp.post("/setup/terms/<int:terms_id>/delete")
@role_required("admin")
def delete_terms(terms_id: int) -> Response:
    workspace = _workspace()
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        rights_templates.delete_terms(db.session, terms_id=terms_id, actor=current_actor())
    except rights_templates.TermsInUse:
        db.session.rollback()
        flash(
            _(
                "This terms version was shown to authors: it is kept for ever as evidence. "
                "Publish a new version instead."
            ),
            "error",
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Terms version deleted."), "ok")
    return _to_setup(workspace)
