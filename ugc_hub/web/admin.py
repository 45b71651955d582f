"""Staff pages: audit log, API tokens, accounts and file import."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ugc_hub.models import ApiToken, AuditEvent, User, db
from ugc_hub.services import tokens, users
from ugc_hub.services.storage import storage_from_config
from ugc_hub.services.workspaces import find_workspace
from ugc_hub.tasks import import_stored_file
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm, ImportForm, NewTokenForm, NewUserForm

bp = Blueprint("admin", __name__)
AUDIT_PAGE = 100


@bp.get("/audit")
@role_required("viewer")
def audit_log() -> str:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = request.args.get("action", "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    object_id = request.args.get("object_id", "").strip()
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    before = request.args.get("before", type=int)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    events = db.session.scalars(stmt.limit(AUDIT_PAGE)).all()
    return render_template("admin/audit.html", events=events, action=action, object_id=object_id)


@bp.route("/settings/tokens", methods=["GET", "POST"])
@role_required("viewer")
def api_tokens() -> str:
    form = NewTokenForm()
    secret = None
    if form.validate_on_submit():
        _token, secret = tokens.create_token(
            db.session, user=current_user, name=form.name.data or "", actor=current_actor()
        )
    mine = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("admin/tokens.html", form=form, secret=secret, tokens=mine, revoke_form=EmptyForm())


@bp.post("/settings/tokens/<int:token_id>/revoke")
@role_required("viewer")
def revoke_token(token_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tokens.revoke_token(db.session, token_id=token_id, actor=current_actor(), owner=current_user)
    except LookupError:
        abort(404)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("admin.api_tokens"))


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required("admin")
def staff_users() -> str:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            users.create_user(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                role=form.role.data or "viewer",
                name=form.name.data or "",
                actor=current_actor(),
            )
            flash(_("Account created."), "ok")
        except users.UserError as exc:
            flash(str(exc), "error")
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", form=form, accounts=accounts)


@bp.route("/import", methods=["GET", "POST"])
@role_required("moderator")
def import_posts() -> str | Response:
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        fmt = "csv" if upload.filename.lower().endswith(".csv") else "jsonl"
        key = f"imports/{secrets.token_hex(8)}.{fmt}"
        storage = storage_from_config(current_app.config)
        storage.put(key, upload.read())
        workspace = find_workspace(db.session)
        import_stored_file.delay(key, workspace.id, fmt, current_user.email)
        flash(_("File received: the import runs in the background; its result appears in the audit log."), "ok")
        return redirect(url_for("admin.audit_log", action="import.file"))
    return render_template("admin/import.html", form=form)
