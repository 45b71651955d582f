"""Staff page: review supports the rate rules set aside, then release them or confirm them invalid, in bulk."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ugc_hub.models import db
from ugc_hub.services.ideas_integrity import INVALIDATION_REASONS, InvalidationError
from ugc_hub.services.ideas_quarantine import Bucket, BucketKey, confirm_invalid, quarantine_buckets, release_supports
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm
from ugc_hub.web.ideas_messages import RULE_LABELS, TRANSPARENCY_REASONS
from ugc_hub.web.ideas_staff import bp


@bp.get("/quarantine")
@role_required("moderator")
def quarantine() -> str:
    """Moderators see the rule, the IP address and the e-mail domain of each group; never an e-mail address."""
    idea_id = request.args.get("idea", type=int)
    buckets = quarantine_buckets(db.session, idea_id=idea_id)
    ideas: dict[int, list[Bucket]] = {}
    for bucket in buckets:
        ideas.setdefault(bucket.idea_id, []).append(bucket)
    return render_template(
        "ideas/staff_quarantine.html",
        ideas=ideas,
        rules=RULE_LABELS,
        reasons=[(r, TRANSPARENCY_REASONS[r]) for r in INVALIDATION_REASONS],
        form=EmptyForm(),
    )


@bp.post("/quarantine/<int:idea_id>")
@role_required("moderator")
def review_quarantine(idea_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
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
    return redirect(url_for("ideas_staff.quarantine"))
