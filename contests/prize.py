"""The winner's prize page: accept or decline through the signed, single-use link they were sent.

Opening the link only shows the page (mail scanners follow links); the answer is a POST with CSRF.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from contests.models import Contest
from contests.services.winners import Notifier, PrizeLinkRefused, answer, read_link
from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.mail import MailSettings

bp = Blueprint("contests_prize", __name__, template_folder="templates")

REFUSALS = {
    "tampered": _l("This link is not valid. Copy the whole link from your message, or contact the organiser."),
    "expired": _l("The time to answer has passed: the prize went to the next alternate."),
    "used": _l("You have already answered through this link."),
    "replaced": _l("The time to answer has passed: the prize went to the next alternate."),
}


class AnswerForm(FlaskForm):
    """Only the CSRF token; the button pressed says accept or decline."""


def winner_notifier() -> Notifier:
    """Links built for the current request's host (staff pages)."""
    return Notifier(
        mail=MailSettings.from_config(current_app.config),
        secret=current_app.config["SECRET_KEY"],
        link_for=lambda token: url_for("contests_prize.prize", token=token, _external=True),
        languages=tuple(current_app.config.get("LANGUAGES") or ("en",)),
        default_language=current_app.config.get("BABEL_DEFAULT_LOCALE") or "en",
    )


def _refused(exc: PrizeLinkRefused) -> tuple[str, int]:
    message = REFUSALS.get(exc.reason, REFUSALS["tampered"])
    return render_template("contests/prize.html", refused=message, reason=exc.reason), 410 if exc.reason in (
        "expired",
        "replaced",
        "used",
    ) else 400


@bp.route("/prize/<token>", methods=["GET", "POST"])
@limiter.limit("60 per hour")
def prize(token: str) -> str | tuple[str, int]:
    form = AnswerForm()
    now = utcnow()
    try:
        winner = read_link(db.session, current_app.config["SECRET_KEY"], token, now=now)
    except PrizeLinkRefused as exc:
        return _refused(exc)
    contest = db.session.get(Contest, winner.contest_id)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("contests/prize.html", winner=winner, contest=contest, form=form), 400
        accept = request.form.get("choice") == "accept"
        try:
            winner = answer(
                db.session,
                secret=current_app.config["SECRET_KEY"],
                token=token,
                accept=accept,
                notifier=winner_notifier(),
                ip=request.remote_addr,
                now=now,
            )
        except PrizeLinkRefused as exc:
            return _refused(exc)
        return render_template("contests/prize.html", winner=winner, contest=contest, answered=True)
    return render_template("contests/prize.html", winner=winner, contest=contest, form=form)
