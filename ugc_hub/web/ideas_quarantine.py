"""Staff page: review supports the rate rules set aside, then release them or confirm them invalid, in bulk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ugc_hub.models import db
from ugc_hub.services.ideas_integrity import INVALIDATION_REASONS, InvalidationError
from ugc_hub.services.ideas_quarantine import (
    PAGE_SIZE,
    Bucket,
    BucketKey,
    confirm_invalid,
    quarantine_page,
    release_supports,
)
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm
from ugc_hub.web.ideas_messages import RULE_LABELS, TRANSPARENCY_REASONS
from ugc_hub.web.ideas_staff import bp


def _cursor(values: Mapping[str, str], name: str) -> int | None:
    """A page cursor from the query string or a form; a malformed one is refused, never ignored."""
    text = values.get(name)
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        abort(400)
    return int(text)


def _where(values: Mapping[str, str]) -> dict[str, int]:
    """The filter and page the moderator is on, to come back to them after acting."""
    where = {name: _cursor(values, name) for name in ("idea", "before", "after")}
    return {name: value for name, value in where.items() if value is not None}


@bp.get("/quarantine")
@role_required("moderator")
def quarantine() -> str:
    """Moderators see the rule, the IP address and the e-mail domain of each group; never an e-mail address.

    Groups come newest first, a page at a time (``IDEA_QUARANTINE_PAGE_SIZE``); ``?idea=`` keeps to one idea
    on every page, ``?before=``/``?after=`` are the keyset cursors of the next and previous pages.
    """
    where = _where(request.args)
    if "before" in where and "after" in where:
        abort(400)
    page = quarantine_page(
        db.session,
        idea_id=where.get("idea"),
        before=where.get("before"),
        after=where.get("after"),
        size=int(current_app.config.get("IDEA_QUARANTINE_PAGE_SIZE", PAGE_SIZE)),
    )
    ideas: dict[int, list[Bucket]] = {}
    for bucket in page.buckets:
        ideas.setdefault(bucket.idea_id, []).append(bucket)
    kept: dict[str, Any] = {"idea": where["idea"]} if "idea" in where else {}
    newer = older = first = None
    if page.buckets:
        if page.newer:
            newer = url_for("ideas_staff.quarantine", **kept, after=page.buckets[0].key.last_id)
        if page.older:
            older = url_for("ideas_staff.quarantine", **kept, before=page.buckets[-1].key.last_id)
    elif page.newer or page.older:
        first = url_for("ideas_staff.quarantine", **kept)
    return render_template(
        "ideas/staff_quarantine.html",
        ideas=ideas,
        page=page,
        where=where,
        newer=newer,
        older=older,
        first=first,
        rules=RULE_LABELS,
        reasons=[(r, TRANSPARENCY_REASONS[r]) for r in INVALIDATION_REASONS],
        form=EmptyForm(),
    )


@bp.post("/quarantine/<int:idea_id>")
@role_required("moderator")
def review_quarantine(idea_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    back: dict[str, Any] = _where(request.form)
    try:
        buckets = [BucketKey.decode(text) for text in request.form.getlist("bucket")]
    except ValueError:
        abort(400)
    action = request.form.get("action")
    try:
        if not buckets:
            flash(_("Choose at least one group of supports."), "error")
        elif action == "release":
            result = release_supports(db.session, idea_id=idea_id, buckets=buckets, actor=current_actor())
            if result.targets:
                from ugc_hub.ideas_tasks import notify_milestone

                for target in result.targets:  # enqueued after the release committed
                    notify_milestone.delay(idea_id, target)
            flash(_("%(num)d supports released and counted.", num=result.supports), "ok")
        elif action == "invalidate":
            result = confirm_invalid(
                db.session,
                idea_id=idea_id,
                buckets=buckets,
                reason=request.form.get("reason", ""),
                actor=current_actor(),
                note=request.form.get("note", ""),
            )
            flash(_("%(num)d supports confirmed invalid.", num=result.supports), "ok")
        else:
            abort(400)
    except InvalidationError:
        flash(_("Choose a reason among those listed."), "error")
    return redirect(url_for("ideas_staff.quarantine", **back))
