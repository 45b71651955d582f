"""Public contest pages: rules, the consented entries (through the publication gate, with the "@author"
credit), the upload form for signed-in customers, results with the certificate, receipts."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, FileField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from contests.models import Contest, ContestEntry
from contests.services import contests, draws
from contests.services.contests import ContestError
from contests.services.uploads import EntryRefused, Upload, submit_upload
from contests.services.votes import VoteRefused, cast_vote, public_totals, totals_hidden
from contests.services.winners import DECLINED_REASON, LAPSED_REASON, substitutions
from ugc_hub.extensions import limiter
from ugc_hub.models import Post, db
from ugc_hub.models.base import utcnow
from ugc_hub.services.ideas_integrity import RateRule, parse_rules
from ugc_hub.services.publication import public_posts
from ugc_hub.services.storage import StorageError, storage_from_config
from ugc_hub.web.ideas import ButtonForm, current_customer
from ugc_hub.web.stored_files import stored_file

bp = Blueprint("contests", __name__, template_folder="templates")

STATUS_LABELS = {
    "draft": _l("draft"),
    "open": _l("open"),
    "closed": _l("closed"),
    "frozen": _l("entries frozen"),
    "drawn": _l("results published"),
    "pending_rights": _l("waiting for rights"),
    "eligible": _l("eligible"),
    "excluded": _l("excluded"),
}
REASON_LABELS = {
    "missing_hashtag": _l("a required hashtag is missing"),
    "outside_dates": _l("posted outside the contest dates"),
    "missing_field": _l("a required field is missing"),
    "duplicate_person": _l("this person has already entered"),
    "rights_not_granted": _l("the rights were not granted"),
    "underage": _l("below the minimum age"),
    "country_not_eligible": _l("country not eligible"),
    "staff": _l("staff cannot enter"),
    "no_author": _l("no known author"),
}
WINNER_STATUS_LABELS = {
    "awaiting": _l("waiting for an answer"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "lapsed": _l("no answer in time"),
}
WINNER_CHANNEL_LABELS = {
    "email": _l("e-mail"),
    "reply": _l("reply under their post"),
    "manual": _l("to contact by hand"),
}
FORM_MESSAGES = {
    "not_signed_in": _l("Sign in with your e-mail address first."),
    "closed": _l("This contest does not accept entries now."),
    "rules_not_accepted": _l("Accept the current official rules to enter."),
    "credit_missing": _l("Say how we should credit you."),
    "image_too_large": _l("The picture is too large."),
    "image_not_an_image": _l("This file is not a picture we can read."),
    "image_unsupported": _l("Use a JPEG, PNG, WebP or GIF picture."),
    "image_too_many_pixels": _l("The picture has too many pixels."),
}


def substitution_reason(text: str) -> str:
    """The reasons the hub writes itself, translated; a reason staff typed is shown as typed."""
    if text == DECLINED_REASON:
        return str(_("the winner declined the prize"))
    lapsed = re.fullmatch(LAPSED_REASON.replace("{days}", r"(\d+)"), text)
    if lapsed:
        return str(_("no answer within %(days)s days", days=int(lapsed.group(1))))
    return text


@bp.app_context_processor
def contest_labels() -> dict[str, Any]:
    return {
        "status_label": lambda code: STATUS_LABELS.get(code, code),
        "reason_label": lambda code: REASON_LABELS.get(code, code),
        "substitution_reason": substitution_reason,
        "winner_status_label": lambda code: WINNER_STATUS_LABELS.get(code, code),
        "winner_channel_label": lambda code: WINNER_CHANNEL_LABELS.get(code, code),
    }


class EntryForm(FlaskForm):
    picture = FileField("picture")
    caption = TextAreaField("caption", validators=[Optional(), Length(max=2000)])
    credit = StringField("credit", validators=[Length(max=60)])
    accept = BooleanField("accept")


def _public(slug: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug, Contest.status != "draft"))
    if contest is None:
        abort(404)
    return contest


def _own_entries(contest: Contest) -> list[ContestEntry]:
    customer = current_customer()
    if customer is None:
        return []
    return list(
        db.session.scalars(
            select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.customer_id == customer.id)
        )
    )


@bp.get("/")
def index() -> str:
    rows = db.session.scalars(select(Contest).where(Contest.status != "draft").order_by(Contest.id.desc())).all()
    return render_template("contests/list.html", contests=rows)


@bp.get("/<slug>")
def contest(slug: str) -> str:
    found = _public(slug)
    now = utcnow()
    post_ids = db.session.scalars(
        select(ContestEntry.post_id).where(
            ContestEntry.contest_id == found.id,
            ContestEntry.status != "excluded",
            ContestEntry.post_id.is_not(None),
        )
    ).all()
    # Only what the publication gate lets through: approved, granted, inside the licence window.
    gallery = public_posts(db.session, now, workspace_id=found.workspace_id, post_ids=[i for i in post_ids if i])
    draw = draws.draw_of(db.session, found.id)
    status = draws.status_of(draw) if draw else None
    credits: dict[str, str] = {}
    if status and status.winners:
        shown = {p.id: p.credit for p in gallery}
        for entry in db.session.scalars(
            select(ContestEntry).where(ContestEntry.uid.in_([*status.winners, *status.alternates]))
        ):
            if entry.post_id in shown:
                credits[entry.uid] = shown[entry.post_id]
    voting = found.selection in ("vote", "mix") and found.status in ("open", "closed") and found.result is None
    uid_of = {
        e.post_id: e.uid
        for e in db.session.scalars(select(ContestEntry).where(ContestEntry.contest_id == found.id))
        if e.post_id is not None
    }
    shown = {p.id: p.credit for p in gallery}
    result_credits = {}
    if found.result:
        for entry in db.session.scalars(select(ContestEntry).where(ContestEntry.contest_id == found.id)):
            if entry.post_id in shown:
                result_credits[entry.uid] = shown[entry.post_id]
    return render_template(
        "contests/contest.html",
        voting=voting,
        uid_of=uid_of,
        result_credits=result_credits,
        contest=found,
        rules=contests.current_rules(db.session, found.id),
        history=contests.rules_history(db.session, found.id),
        gallery=gallery,
        draw=status,
        credits=credits,
        accepting=contests.accepting_entries(found, now) and found.uploads_allowed,
        mine=_own_entries(found),
        local=lambda at: contests.local_time(found, at),
        substitutions=substitutions(db.session, found),
        totals=public_totals(db.session, found, now),
        totals_hidden=found.selection in ("vote", "mix") and totals_hidden(found, now),
    )


@bp.get("/<slug>/certificate.json")
def certificate(slug: str) -> Response:
    found = _public(slug)
    text = draws.certificate_of(db.session, found.id)
    if text is None:
        abort(404)
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{found.slug}-certificate.json"'},
    )


@bp.get("/<slug>/receipt/<uid>.json")
def receipt(slug: str, uid: str) -> Response:
    """An entrant's own inclusion receipt (it names no one, but only its entrant needs it)."""
    found = _public(slug)
    if uid not in {e.uid for e in _own_entries(found)}:
        abort(404)
    try:
        data = draws.receipt_for(db.session, contest_id=found.id, entry_uid=uid)
    except ContestError:
        abort(404)
    return Response(
        json.dumps(data, indent=2) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="receipt-{uid}.json"'},
    )


@bp.route("/<slug>/enter", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def enter(slug: str) -> str | Response | tuple[str, int]:
    found = _public(slug)
    customer = current_customer()
    if customer is None:
        flash(_("Sign in with your e-mail address first."), "error")
        return redirect(url_for("ideas.sign_in", next=request.path))
    rules = contests.current_rules(db.session, found.id)
    form = EntryForm()
    if request.method == "POST" and form.validate_on_submit():
        picture = request.files.get("picture")
        fields = {f["name"]: request.form.get("field_" + f["name"], "") for f in found.fields}
        upload = Upload(
            filename=(picture.filename or "") if picture else "",
            data=picture.read() if picture else b"",
            caption=form.caption.data or "",
            credit=form.credit.data or "",
            fields=fields,
            rules_accepted=bool(form.accept.data),
            rules_version=request.form.get("rules_version", type=int),
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
            language=str(get_locale() or "") or None,
        )
        try:
            submit_upload(
                db.session,
                contest_id=found.id,
                customer_id=customer.id,
                upload=upload,
                storage=storage_from_config(current_app.config),
                media_url=lambda key: url_for("contests.media", key=key),
                now=utcnow(),
            )
            flash(_("Thank you: your entry is in."), "ok")
            return redirect(url_for("contests.contest", slug=found.slug))
        except EntryRefused as exc:
            db.session.rollback()
            message = FORM_MESSAGES.get(exc.code) or REASON_LABELS.get(exc.code) or exc.code
            flash(str(message), "error")
        except ContestError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        return render_template("contests/enter.html", contest=found, rules=rules, form=form), 400
    return render_template("contests/enter.html", contest=found, rules=rules, form=form)


@bp.get("/media/<path:key>")
def media(key: str) -> Response:
    """An uploaded entry picture, served only while the gate shows its post."""
    if not key.startswith("contests/"):
        abort(404)
    uid = key.rsplit("/", 1)[-1].removesuffix(".jpg")
    post_ids = [p.id for p in public_posts(db.session, utcnow(), post_ids=_post_ids_for(uid))]
    if not post_ids:
        abort(404)
    try:
        data = storage_from_config(current_app.config).get(key)
    except (StorageError, FileNotFoundError, KeyError):
        abort(404)
    return stored_file(data, cache_control="no-store", name="entry")


def _post_ids_for(uid: str) -> list[int]:
    return list(db.session.scalars(select(Post.id).where(Post.platform == "upload", Post.platform_id == uid)))


VOTE_MESSAGES = {
    "already_voted": _l("You have already voted for this entry."),
    "own_entry": _l("You cannot vote for your own entry."),
    "closed": _l("Voting is closed."),
    "no_vote": _l("This contest has no public vote."),
    "not_shown": _l("This entry cannot receive votes."),
    "not_signed_in": _l("Sign in with your e-mail address first."),
}


@cache
def _parsed_rules(text: str) -> tuple[RateRule, ...]:
    return parse_rules(text)


def vote_rules() -> tuple[RateRule, ...]:
    return _parsed_rules(str(current_app.config.get("CONTEST_VOTE_RULES") or ""))


@bp.post("/<slug>/vote/<uid>")
@limiter.limit("30 per hour;200 per day")
def vote(slug: str, uid: str) -> Response:
    found = _public(slug)
    customer = current_customer()
    if customer is None:
        flash(_("Sign in with your e-mail address first."), "error")
        return redirect(url_for("ideas.sign_in", next=url_for("contests.contest", slug=found.slug)))
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        cast_vote(
            db.session,
            contest_id=found.id,
            entry_uid=uid,
            customer_id=customer.id,
            now=utcnow(),
            ip=request.remote_addr,
            rules=vote_rules(),
        )
        flash(_("Thank you for your vote."), "ok")
    except VoteRefused as exc:
        flash(str(VOTE_MESSAGES.get(exc.code, exc.code)), "error")
    return redirect(url_for("contests.contest", slug=found.slug))
