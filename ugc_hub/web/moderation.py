"""The moderation inbox: filter, read, approve, reject."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ugc_hub.models import Post, Source, db
from ugc_hub.rights.services.upkeep import PROOF_PREFIX
from ugc_hub.services import moderation
from ugc_hub.services.post_queries import SORTS, BadCursor, PostFilters, count_posts, decode_cursor, list_posts
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import InboxFilters, ModerateForm
from ugc_hub.web.stored_files import stored_file

bp = Blueprint("moderation", __name__)


def filters_from(form: InboxFilters) -> PostFilters:
    return PostFilters(
        source_id=form.source.data,
        status=form.status.data or None,
        hashtag=(form.hashtag.data or "").strip() or None,
        language=(form.language.data or "").strip() or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        q=(form.q.data or "").strip() or None,
        sentiment=form.sentiment.data or None,
        removed_on_platform=bool(form.removed_on_platform.data),
        nsfw={"only": True, "hide": False}.get(form.nsfw.data or ""),
    )


@bp.get("/")
@role_required("viewer")
def inbox() -> str:
    form = InboxFilters(request.args)
    if not form.validate():
        flash(_("Some filters were not understood and were ignored."), "error")
    filters = filters_from(form)
    sort = form.sort.data if form.sort.data in SORTS else "newest"
    cursor = request.args.get("cursor")
    try:
        after = decode_cursor(cursor) if cursor else None
        page = list_posts(db.session, filters, limit=current_app.config["INBOX_PAGE_SIZE"], after=after, sort=sort)
    except BadCursor:
        abort(400)
    count, more = count_posts(db.session, filters, sort=sort)
    sources = db.session.scalars(select(Source).order_by(Source.name)).all()
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return render_template(
        "moderation/inbox.html",
        form=form,
        page=page,
        count=count,
        more=more,
        sources=sources,
        filter_args=args,
        moderate_form=ModerateForm(),
    )


@bp.get("/posts/<int:post_id>")
@role_required("viewer")
def post_detail(post_id: int) -> str:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    raw = json.dumps(post.raw, indent=2, ensure_ascii=False, sort_keys=True)
    return render_template("moderation/post.html", post=post, raw=raw, moderate_form=ModerateForm())


@bp.post("/posts/moderate")
@role_required("moderator")
def moderate() -> Response:
    form = ModerateForm()
    if not form.validate_on_submit():
        abort(400)
    ids: list[int] = []
    for value in request.form.getlist("post_id"):
        try:
            ids.append(int(value))
        except ValueError:
            abort(400)
    changed = moderation.moderate(db.session, post_ids=ids, status=form.action.data or "", actor=current_actor())
    flash(ngettext("%(num)d post updated.", "%(num)d posts updated.", changed), "ok")
    return redirect(_back())


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("moderation.inbox")


def template_helpers() -> dict[str, Any]:
    return {
        "status_label": status_label,
        "sentiment_label": sentiment_label,
        "sort_label": sort_label,
        "platform_removed_reason": platform_removed_reason,
    }


def status_label(status: str) -> str:
    labels = {"new": _("new"), "approved": _("approved"), "rejected": _("rejected"), "removed": _("removed")}
    return labels.get(status, status)


def sentiment_label(label: str) -> str:
    labels = {"negative": _("negative"), "neutral": _("neutral"), "positive": _("positive")}
    return labels.get(label, label)


def platform_removed_reason(reason: str | None) -> str:
    """Why the scheduled check found the post gone on its platform, in the reader's words."""
    reasons = {
        "not_found": _("the platform no longer returns it"),
        "deleted": _("deleted by its author"),
        "removed": _("removed by a moderator or the platform"),
        "author_deleted": _("its author's account was deleted"),
    }
    return reasons.get(reason or "", _("reason unknown"))


def sort_label(sort: str) -> str:
    labels = {
        "newest": _("newest first"),
        "most_negative": _("most negative first"),
        "most_positive": _("most positive first"),
    }
    return labels.get(sort, sort)


@bp.get("/media/<path:key>")
@role_required("viewer")
def media(key: str) -> Response:
    """Staff-only view of stored media; public surfaces serve media through the public gate.

    Rights proofs are evidence like ``evidence.json``: moderators and above only.
    """
    from ugc_hub.services.storage import StorageError, storage_from_config

    if key.startswith(PROOF_PREFIX) and not current_user.has_role("moderator"):
        abort(403)
    storage = storage_from_config(current_app.config)
    try:
        data = storage.get(key)
    except (KeyError, StorageError):
        abort(404)
    name = "proof" if key.startswith(PROOF_PREFIX) else "media"
    return stored_file(data, cache_control="private, max-age=3600", name=name)
