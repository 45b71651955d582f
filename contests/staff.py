"""Staff pages for contests: create and edit drafts, publish rules versions, open, close, collect
entries, freeze, draw, substitute. Thin: each action calls one service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contests.entry_rules import RuleError, parse_hashtags
from contests.models import ROUND_KINDS, Contest, ContestJuror, JuryRound
from contests.prize import winner_notifier
from contests.services import contests, draws
from contests.services import entries as contests_entries
from contests.services import jury as contests_jury
from contests.services import votes as contests_votes
from contests.services import winners as contests_winners
from contests.services.contests import ContestError, ContestSettings
from contests.services.messages import rule_message
from ugc_hub.models import Post, User, Workspace, db
from ugc_hub.models.base import utcnow
from ugc_hub.services.ideas_integrity import INVALIDATION_REASONS
from ugc_hub.services.storage import StorageError, storage_from_config
from ugc_hub.web.access import current_actor, role_required
from ugc_hub.web.forms import EmptyForm, choices
from ugc_hub.web.ideas_messages import TRANSPARENCY_REASONS
from ugc_hub.web.stored_files import stored_file

bp = Blueprint("contests_staff", __name__, template_folder="templates")


class ContestForm(FlaskForm):
    slug = StringField("slug", validators=[DataRequired(), Length(max=64)])
    title = StringField("title", validators=[DataRequired(), Length(max=200)])
    timezone = StringField("timezone", default="UTC", validators=[DataRequired(), Length(max=64)])
    starts = DateTimeLocalField("starts", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends = DateTimeLocalField("ends", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    hashtags = StringField("hashtags", validators=[Optional(), Length(max=1000)])
    fields = TextAreaField("fields", validators=[Optional(), Length(max=4000)])
    min_age = IntegerField("min_age", validators=[Optional(), NumberRange(0, 120)])
    countries = StringField("countries", validators=[Optional(), Length(max=1000)])
    exclude_staff = BooleanField("exclude_staff", default=True)
    entries_per_person = IntegerField("entries_per_person", default=1, validators=[NumberRange(1, 1000)])
    prizes = TextAreaField("prizes", validators=[Optional(), Length(max=5000)])
    winners = IntegerField("winners", default=1, validators=[NumberRange(1, 1000)])
    alternates = IntegerField("alternates", default=0, validators=[NumberRange(0, 1000)])
    uploads_allowed = BooleanField("uploads_allowed", default=True)
    beacon_source = SelectField("beacon_source", choices=[], default="", validate_choice=True)
    beacon_round = IntegerField("beacon_round", validators=[Optional(), NumberRange(0)])
    selection = SelectField(
        "selection",
        choices=choices(
            ("draw", _l("Verifiable random draw")),
            ("jury", _l("Jury")),
            ("vote", _l("Public vote")),
            ("mix", _l("Jury and public vote, weighted")),
        ),
        default="draw",
    )
    jury_weight = IntegerField("jury_weight", default=50, validators=[NumberRange(0, 100)])
    answer_days = IntegerField("answer_days", default=7, validators=[NumberRange(1, 90)])
    hide_totals_hours = IntegerField("hide_totals_hours", validators=[Optional(), NumberRange(1, 720)])
    language = SelectField("language", choices=[], default="", validate_choice=True)


class InvalidateVotesForm(FlaskForm):
    ip = StringField("ip", validators=[Optional(), Length(max=64)])
    domain = StringField("domain", validators=[Optional(), Length(max=255)])
    since = DateTimeLocalField("since", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    until = DateTimeLocalField("until", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    reason = SelectField("reason", choices=choices(*((r, TRANSPARENCY_REASONS[r]) for r in INVALIDATION_REASONS)))
    note = TextAreaField("note", validators=[Optional(), Length(max=2000)])


class RulesForm(FlaskForm):
    body = TextAreaField("body", validators=[DataRequired(), Length(max=contests.MAX_RULES)])


LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def choices_form(form: ContestForm, current: str | None = None) -> ContestForm:
    """Offer the configured beacon sources (DRAW_BEACONS; the contest's own even if no longer configured)
    and the hub's languages."""
    names = sorted(draws.beacon_sources(current_app.config))
    if current and current not in names:
        names.append(current)
    form.beacon_source.choices = [("", _("None")), *((name, name) for name in names)]
    form.language.choices = [
        ("", _("The brand's language")),
        *((code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]),
    ]
    return form


def _sources() -> draws.BeaconSources:
    return draws.beacon_sources(current_app.config)


def parse_fields(text: str) -> tuple[dict[str, str], ...]:
    """One field a line: ``name | label | pattern`` (the pattern may be empty: asked on the upload form)."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, rest = line.partition("|")
        label, _sep, pattern = rest.partition("|")
        found.append({"name": name.strip(), "label": label.strip(), "pattern": pattern.strip()})
    return tuple(found)


def _clocked_sources() -> set[str]:
    """Sources whose rounds the hub names at the freeze: the form chooses only the source."""
    return {name for name, source in _sources().items() if source.timed}


def _settings(form: ContestForm) -> ContestSettings:
    beacon_source = (form.beacon_source.data or "").strip() or None
    try:
        hashtags = tuple(parse_hashtags(form.hashtags.data or ""))
    except RuleError as exc:
        raise ContestError(rule_message(exc.code, exc.params)) from exc
    assert form.starts.data is not None and form.ends.data is not None
    return ContestSettings(
        slug=(form.slug.data or "").strip(),
        title=form.title.data or "",
        timezone=(form.timezone.data or "UTC").strip(),
        starts_local=form.starts.data,
        ends_local=form.ends.data,
        hashtags=hashtags,
        fields=parse_fields(form.fields.data or ""),
        min_age=form.min_age.data,
        countries=tuple(c for c in (form.countries.data or "").replace(",", " ").split() if c),
        exclude_staff=bool(form.exclude_staff.data),
        entries_per_person=form.entries_per_person.data or 1,
        prizes=form.prizes.data or "",
        winners=form.winners.data or 0,
        alternates=form.alternates.data or 0,
        uploads_allowed=bool(form.uploads_allowed.data),
        beacon_source=beacon_source,
        beacon_round=None if beacon_source in _clocked_sources() else form.beacon_round.data,
        selection=form.selection.data or "draw",
        jury_weight=form.jury_weight.data if form.jury_weight.data is not None else 50,
        answer_days=form.answer_days.data or 7,
        hide_totals_hours=form.hide_totals_hours.data,
        language=form.language.data or None,
    )


def _fill(form: ContestForm, contest: Contest) -> None:
    form.slug.data, form.title.data, form.timezone.data = contest.slug, contest.title, contest.timezone
    form.starts.data = contests.local_time(contest, contest.starts_at).replace(tzinfo=None)
    form.ends.data = contests.local_time(contest, contest.ends_at).replace(tzinfo=None)
    form.hashtags.data = " ".join("#" + tag for tag in contest.hashtags)
    form.fields.data = "\n".join(f"{f['name']} | {f['label']} | {f['pattern']}" for f in contest.fields)
    form.min_age.data, form.countries.data = contest.min_age, " ".join(contest.countries)
    form.exclude_staff.data, form.entries_per_person.data = contest.exclude_staff, contest.entries_per_person
    form.prizes.data, form.winners.data, form.alternates.data = contest.prizes, contest.winners, contest.alternates
    form.uploads_allowed.data = contest.uploads_allowed
    form.beacon_source.data, form.beacon_round.data = contest.beacon_source, contest.beacon_round
    form.selection.data, form.jury_weight.data = contest.selection, contest.jury_weight
    form.answer_days.data, form.hide_totals_hours.data = contest.answer_days, contest.hide_totals_hours
    form.language.data = contest.language or ""


def _found(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        abort(404)
    return contest


@bp.get("/")
@role_required("viewer")
def index() -> str:
    rows = db.session.scalars(select(Contest).order_by(Contest.id.desc())).all()
    return render_template("contests/staff_list.html", contests=rows)


@bp.route("/new", methods=["GET", "POST"])
@role_required("moderator")
def create() -> str | Response | tuple[str, int]:
    form = choices_form(ContestForm())
    if form.validate_on_submit():
        workspace = db.session.scalar(select(Workspace).order_by(Workspace.id))
        if workspace is None:
            flash(_("Create a workspace first."), "error")
        else:
            try:
                contest = contests.create_contest(
                    db.session, workspace_id=workspace.id, settings=_settings(form), actor=current_actor()
                )
                return redirect(url_for("contests_staff.detail", contest_id=contest.id))
            except ContestError as exc:
                db.session.rollback()
                flash(str(exc), "error")
    return render_template(
        "contests/staff_form.html", form=form, contest=None, clocked=sorted(_clocked_sources())
    ), 200 if request.method == "GET" else 400


@bp.route("/<int:contest_id>/edit", methods=["GET", "POST"])
@role_required("moderator")
def edit(contest_id: int) -> str | Response:
    contest = _found(contest_id)
    form = choices_form(ContestForm(), contest.beacon_source)
    if request.method == "GET":
        _fill(form, contest)
    elif form.validate_on_submit():
        try:
            contests.update_contest(db.session, contest_id=contest.id, settings=_settings(form), actor=current_actor())
            return redirect(url_for("contests_staff.detail", contest_id=contest.id))
        except ContestError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return render_template("contests/staff_form.html", form=form, contest=contest, clocked=sorted(_clocked_sources()))


@bp.get("/<int:contest_id>")
@role_required("viewer")
def detail(contest_id: int) -> str:
    contest = _found(contest_id)
    draw = draws.draw_of(db.session, contest.id)
    entries = contests_entries.entries(db.session, contest.id)
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_([e.post_id for e in entries])))}
    return render_template(
        "contests/staff_detail.html",
        contest=contest,
        rules=contests.rules_history(db.session, contest.id),
        entries=entries,
        posts=posts,
        exclusions=contests_entries.exclusions(db.session, contest.id),
        draw=draws.status_of(draw) if draw else None,
        local=lambda at: contests.local_time(contest, at),
        form=EmptyForm(),
        rules_form=RulesForm(),
        votes=contests_votes.vote_counts(db.session, contest.id),
        winners=contests_winners.winners_of(db.session, contest.id),
        set_aside=contests_votes.set_aside(db.session, contest.id),
        invalidate_form=InvalidateVotesForm(),
        **jury_context(contest),
    )


@bp.post("/<int:contest_id>/rules")
@role_required("moderator")
def publish_rules(contest_id: int) -> Response:
    form = RulesForm()
    if not form.validate_on_submit():
        flash(_("The rules cannot be empty."), "error")
    else:
        try:
            contests.publish_rules(
                db.session, contest_id=contest_id, body=form.body.data or "", actor=current_actor(), now=utcnow()
            )
            flash(_("New rules version published."), "ok")
        except ContestError as exc:
            flash(str(exc), "error")
    return redirect(url_for("contests_staff.detail", contest_id=contest_id))


def _utc(local: datetime | None) -> datetime | None:
    return local.replace(tzinfo=UTC) if local is not None else None


@bp.post("/<int:contest_id>/votes/invalidate")
@role_required("moderator")
def invalidate_votes(contest_id: int) -> Response:
    _found(contest_id)
    form = InvalidateVotesForm()
    if not form.validate_on_submit():
        flash(_("Check the conditions: dates as YYYY-MM-DD HH:MM (UTC)."), "error")
    else:
        try:
            count = contests_votes.invalidate_votes(
                db.session,
                contest_id=contest_id,
                reason=form.reason.data or "",
                actor=current_actor(),
                now=utcnow(),
                ip=(form.ip.data or "").strip() or None,
                domain=(form.domain.data or "").strip() or None,
                since=_utc(form.since.data),
                until=_utc(form.until.data),
                note=form.note.data or "",
            )
            flash(_("%(n)s votes invalidated; the totals are recounted.", n=count), "ok")
        except ContestError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("contests_staff.detail", contest_id=contest_id))


def _terms_link(code: str) -> str:
    return url_for("terms.short", code=code, _external=True)


def _actions() -> dict[str, Callable[[int, datetime], Any]]:
    actor = current_actor()
    return {
        "open": lambda cid, now: contests.open_contest(db.session, contest_id=cid, actor=actor, now=now),
        "close": lambda cid, now: contests.close_contest(db.session, contest_id=cid, actor=actor, now=now),
        "scan": lambda cid, now: contests_entries.scan_posts(db.session, contest_id=cid, now=now),
        "refresh": lambda cid, now: contests_entries.refresh_rights(db.session, contest_id=cid, now=now),
        "ask": lambda cid, now: contests_entries.request_missing_rights(
            db.session, contest_id=cid, channel="manual_comment", actor=actor, now=now, terms_link=_terms_link
        ),
        "freeze": lambda cid, now: draws.freeze_draw(
            db.session,
            contest_id=cid,
            actor=actor,
            now=now,
            sources=_sources(),
            delay=draws.beacon_delay(current_app.config),
        ),
        "fetch_beacon": lambda cid, now: draws.fetch_beacon(
            db.session, contest_id=cid, sources=_sources(), actor=actor, now=now
        ),
        "beacon": lambda cid, now: draws.record_beacon_value(
            db.session,
            contest_id=cid,
            value_hex=request.form.get("value", ""),
            reason=request.form.get("reason", ""),
            sources=_sources(),
            actor=actor,
            now=now,
        ),
        "draw": lambda cid, now: (
            draws.run_draw(db.session, contest_id=cid, actor=actor, now=now, sources=_sources()),
            contests_winners.notify_winners(
                db.session, contest_id=cid, notifier=winner_notifier(), actor=actor, now=now
            ),
        ),
        "notify": lambda cid, now: contests_winners.notify_winners(
            db.session, contest_id=cid, notifier=winner_notifier(), actor=actor, now=now
        ),
        "decide": lambda cid, now: contests_votes.decide_result(db.session, contest_id=cid, actor=actor, now=now),
        "substitute": lambda cid, now: draws.substitute(
            db.session,
            contest_id=cid,
            winner_uid=request.form.get("winner", ""),
            reason=request.form.get("reason", ""),
            actor=actor,
            now=now,
        ),
    }


@bp.post("/<int:contest_id>/do/<action>")
@role_required("moderator")
def act(contest_id: int, action: str) -> Response:
    _found(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run = _actions().get(action)
    if run is None:
        abort(404)
    try:
        run(contest_id, datetime.now(UTC))
        flash(_("Done."), "ok")
    except ContestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("contests_staff.detail", contest_id=contest_id))


# Jury: jurors, rounds, blind judging pages.


def jury_context(contest: Contest) -> dict[str, Any]:
    if contest.selection not in ("jury", "mix"):
        return {"jury": None}
    jurors = db.session.scalars(
        select(User).join(ContestJuror, ContestJuror.user_id == User.id).where(ContestJuror.contest_id == contest.id)
    ).all()
    rounds = contests_jury.rounds(db.session, contest.id)
    return {
        "jury": {
            "jurors": jurors,
            "staff": db.session.scalars(select(User).order_by(User.email)).all(),
            "rounds": rounds,
            "outcomes": {r.id: contests_jury.outcome(db.session, r) for r in rounds},
            "kinds": ROUND_KINDS,
        }
    }


def parse_criteria(text: str) -> list[dict[str, Any]]:
    """``light:2, story:1`` → [{"name": "light", "weight": 2}, …]; a bad weight is left for the service to refuse."""
    found: list[dict[str, Any]] = []
    for part in text.split(","):
        if part.strip():
            name, _sep, weight = part.partition(":")
            found.append({"name": name.strip(), "weight": int(weight) if weight.strip().isdigit() else weight})
    return found


@bp.post("/<int:contest_id>/jurors")
@role_required("moderator")
def add_juror(contest_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        contests_jury.add_juror(
            db.session, contest_id=contest_id, user_id=request.form.get("user_id", 0, type=int), actor=current_actor()
        )
    except ContestError as exc:
        flash(str(exc), "error")
    return redirect(url_for("contests_staff.detail", contest_id=contest_id))


@bp.post("/<int:contest_id>/rounds")
@role_required("moderator")
def start_round(contest_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        contests_jury.start_round(
            db.session,
            contest_id=contest_id,
            kind=request.form.get("kind", ""),
            jurors_per_entry=request.form.get("jurors_per_entry", 0, type=int),
            criteria=parse_criteria(request.form.get("criteria", "")),
            advance=request.form.get("advance", None, type=int),
            actor=current_actor(),
            now=utcnow(),
        )
        flash(_("Round opened."), "ok")
    except ContestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("contests_staff.detail", contest_id=contest_id))


def _round(round_id: int) -> JuryRound:
    found = db.session.get(JuryRound, round_id)
    if found is None:
        abort(404)
    return found


@bp.post("/rounds/<int:round_id>/close")
@role_required("moderator")
def close_round(round_id: int) -> Response:
    """Close a round; when entries lack their quorum, the manager confirms on a page that lists them."""
    found = _round(round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        contests_jury.close_round(
            db.session, round_id=round_id, actor=current_actor(), now=utcnow(), force=request.form.get("force") == "1"
        )
        flash(_("Round closed."), "ok")
    except contests_jury.QuorumMissing:
        db.session.rollback()
        return redirect(url_for("contests_staff.confirm_close_round", round_id=round_id))
    except ContestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("contests_staff.detail", contest_id=found.contest_id))


@bp.get("/rounds/<int:round_id>/close")
@role_required("moderator")
def confirm_close_round(round_id: int) -> str | Response:
    """The entries still short of their quorum, by author and caption, and the button to close anyway."""
    found = _round(round_id)
    missing = contests_jury.missing_scores(db.session, found) if found.status == "open" else []
    if not missing:
        return redirect(url_for("contests_staff.detail", contest_id=found.contest_id))
    return render_template(
        "contests/close_round.html", round=found, contest=_found(found.contest_id), missing=missing, form=EmptyForm()
    )


@bp.get("/rounds/<int:round_id>")
@role_required("viewer")
def judge(round_id: int) -> str:
    """A juror's blind view of their entries in one round."""
    found = _round(round_id)
    entries = contests_jury.my_entries(db.session, round_id=round_id, user_id=current_user.id)
    return render_template("contests/judge.html", round=found, entries=entries, form=EmptyForm())


def _score_value(found: JuryRound) -> dict[str, Any]:
    if found.kind == "yes_no":
        return {"yes": request.form.get("yes") == "1"}
    if found.kind == "rating":
        return {"marks": {c["name"]: request.form.get("mark_" + c["name"], 0, type=int) for c in found.criteria}}
    return {"rank": request.form.get("rank", 0, type=int)}


@bp.post("/rounds/<int:round_id>/score/<uid>")
@role_required("viewer")
def score(round_id: int, uid: str) -> Response:
    found = _round(round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("conflict"):
            contests_jury.declare_conflict(
                db.session,
                contest_id=found.contest_id,
                user_id=current_user.id,
                entry_uid=uid,
                reason=request.form.get("reason", ""),
                now=utcnow(),
            )
            flash(_("Conflict of interest recorded: this entry is no longer yours to judge."), "ok")
        else:
            contests_jury.submit_score(
                db.session,
                round_id=round_id,
                user_id=current_user.id,
                entry_uid=uid,
                value=_score_value(found),
                now=utcnow(),
            )
            flash(_("Saved."), "ok")
    except ContestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("contests_staff.judge", round_id=round_id))


@bp.get("/media/<path:key>")
@role_required("viewer")
def staff_media(key: str) -> Response:
    """Uploaded pictures for staff and jurors, whatever their publication state."""
    if not key.startswith("contests/"):
        abort(404)
    try:
        data = storage_from_config(current_app.config).get(key)
    except (StorageError, KeyError):
        abort(404)
    return stored_file(data, cache_control="no-store", name="entry")
