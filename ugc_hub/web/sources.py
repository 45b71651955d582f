"""Staff pages for sources: list, health, "collect now" (moderators); add, edit, pause, resume (admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from collectors import registry
from collectors.base import SettingField
from collectors.registry import UnknownCollector
from ugc_hub.collect_tasks import collect_source_task
from ugc_hub.models import Source, db
from ugc_hub.models.base import utcnow
from ugc_hub.services import audit
from ugc_hub.services.secrets import SecretError, import_instagram_session, secret_states
from ugc_hub.services.sources import (
    SourceError,
    create_source,
    list_sources,
    secret_names,
    set_status,
    source_health,
    update_source,
)
from ugc_hub.services.workspaces import WorkspaceError, find_workspace
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm

bp = Blueprint("source_pages", __name__, url_prefix="/sources")


def _source_or_404(source_id: int) -> Source:
    source = db.session.get(Source, source_id) if source_id < 2**31 else None
    if source is None:
        abort(404)
    return source


def _titles() -> dict[str, str]:
    return {cls.key: cls.title for cls in registry.all_collectors()}


@bp.get("/")
@role_required("viewer")
def index() -> str:
    now = utcnow()
    health = [source_health(db.session, s, now=now, limit=5) for s in list_sources(db.session)]
    return render_template("sources/list.html", health=health, titles=_titles(), form=EmptyForm())


@bp.get("/<int:source_id>")
@role_required("viewer")
def detail(source_id: int) -> str:
    source = _source_or_404(source_id)
    health = source_health(db.session, source, now=utcnow(), limit=30)
    most = max([run.new for run in health.runs] or [0])
    return render_template(
        "sources/health.html",
        health=health,
        titles=_titles(),
        most=max(most, 1),
        takes_session="session" in secret_names(source.kind),
        form=EmptyForm(),
    )


@bp.post("/<int:source_id>/collect")
@role_required("moderator")
def collect_now(source_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    source = _source_or_404(source_id)
    if source_health(db.session, source, limit=1, with_notes=False).running:
        flash(_("A run of this source is already under way."), "error")
        return redirect(url_for("source_pages.detail", source_id=source.id))
    audit.record(db.session, actor=current_actor(), action="source.collect", object_type="source", object_id=source.id)
    db.session.commit()
    collect_source_task.delay(source.id, trigger="ui")
    flash(_("Collection started; refresh this page to follow it."), "ok")
    return redirect(url_for("source_pages.detail", source_id=source.id))


@bp.post("/<int:source_id>/<any(pause, resume):change>")
@role_required("admin")
def change_status(source_id: int, change: str) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    source = _source_or_404(source_id)
    try:
        set_status(db.session, source, status="paused" if change == "pause" else "active", actor=current_actor())
    except SourceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Source paused.") if change == "pause" else _("Source resumed."), "ok")
    return redirect(url_for("source_pages.detail", source_id=source.id))


def _settings_from_form(schema: tuple[SettingField, ...]) -> dict[str, Any]:
    """Read the plugin's fields from the posted form as text; the plugin coerces and checks them."""
    values: dict[str, Any] = {}
    for spec in schema:
        key = f"setting-{spec.name}"
        if spec.type == "bool":
            values[spec.name] = "on" if key in request.form else "off"
        elif request.form.get(key, "").strip():
            values[spec.name] = request.form[key].strip()
    return values


def _shown(spec: SettingField, value: Any) -> str:
    """A stored value as the form shows it (secrets are never shown)."""
    if spec.type == "secret" or value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _schedule() -> int:
    try:
        return int(request.form.get("schedule_minutes", "60")) * 60
    except ValueError:
        return 0


def _render_form(kind: str, source: Source | None, values: dict[str, Any], name: str, minutes: int) -> str:
    plugin = registry.get(kind)
    shown = {spec.name: _shown(spec, values.get(spec.name, spec.default)) for spec in plugin.settings_schema}
    checked = {
        spec.name: str(values.get(spec.name, spec.default)).lower() in ("true", "on", "1", "yes")
        for spec in plugin.settings_schema
    }
    return render_template(
        "sources/form.html",
        plugin=plugin,
        source=source,
        shown=shown,
        checked=checked,
        name=name,
        minutes=minutes,
        secrets=secret_states(source),
        form=EmptyForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new() -> Any:
    kind = request.values.get("kind", "")
    try:
        plugin = registry.get(kind) if kind else None
    except UnknownCollector:
        abort(404)
    if plugin is None:
        return render_template("sources/kinds.html", statuses=registry.statuses())
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        settings = _settings_from_form(plugin.settings_schema)
        try:
            workspace = find_workspace(db.session)
            created = create_source(
                db.session,
                workspace_id=workspace.id,
                kind=kind,
                name=request.form.get("name", ""),
                settings=settings,
                schedule_seconds=_schedule(),
                actor=current_actor(),
            )
        except (SourceError, WorkspaceError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _render_form(kind, None, settings, request.form.get("name", ""), _schedule() // 60)
        flash(_("Source created."), "ok")
        return redirect(url_for("source_pages.detail", source_id=created.id))
    return _render_form(kind, None, {}, "", 60)


@bp.route("/<int:source_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(source_id: int) -> Any:
    source = _source_or_404(source_id)
    try:
        plugin = registry.get(source.kind)
    except UnknownCollector:
        abort(404)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        settings = _settings_from_form(plugin.settings_schema)
        try:
            update_source(
                db.session,
                source,
                name=request.form.get("name", ""),
                schedule_seconds=_schedule(),
                settings=settings,
                actor=current_actor(),
            )
        except SourceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _render_form(source.kind, source, settings, request.form.get("name", ""), _schedule() // 60)
        flash(_("Source saved."), "ok")
        return redirect(url_for("source_pages.detail", source_id=source.id))
    return _render_form(source.kind, source, dict(source.settings or {}), source.name, source.schedule_seconds // 60)


#: An uploaded session is read into memory once; larger bodies are refused before parsing.
_SESSION_UPLOAD_LIMIT = 64 * 1024


@bp.route("/<int:source_id>/session", methods=["GET", "POST"])
@role_required("admin")
def instagram_session(source_id: int) -> Any:
    """Import an instaloader session (JSON cookie dict) once; it is stored encrypted and never shown."""
    source = _source_or_404(source_id)
    try:
        plugin = registry.get(source.kind)
    except UnknownCollector:
        abort(404)
    if not any(spec.name == "session" for spec in plugin.settings_schema):
        abort(404)
    username = str((source.settings or {}).get("username") or "")
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        username = request.form.get("username", "")
        upload = request.files.get("session_file")
        data = upload.stream.read(_SESSION_UPLOAD_LIMIT + 1) if upload and upload.filename else b""
        if not data:
            data = request.form.get("session_text", "").encode()
        try:
            import_instagram_session(db.session, source, username=username, data=data, actor=current_actor())
        except SecretError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Session imported; it is stored encrypted."), "ok")
            return redirect(url_for("source_pages.detail", source_id=source.id))
    return render_template(
        "sources/session.html",
        source=source,
        username=username,
        stored=secret_states(source).get("session"),
        form=EmptyForm(),
    )
