"""A contest's verifiable draw, wired to the database; the algorithm is ``contests.draw`` (docs/draws.md).

At entry close ``freeze_draw`` settles every pending entry (rights granted → in, otherwise excluded
with ``rights_not_granted``), freezes the eligible entry ids, commits to a secret seed and keeps the
head of that record as the freeze anchor. When the contest names a beacon source whose rounds come on a
clock (``DRAW_BEACONS`` with ``genesis_time`` and ``period``), the hub itself names the first round
published at least ``DRAW_BEACON_DELAY`` after the freeze, so nobody can pick a round already public;
a source given as a plain URL template keeps the round typed on the contest form. ``run_draw`` waits
until that round's time, fetches it from its source (the answer goes on the certificate),
reveals the seed and ranks. Only when the source cannot be reached may staff type the round's value,
with a reason, as an audited fallback (``record_beacon_value``). Substitutions append; nothing is
re-drawn. ``random`` is never used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contests.beacon import DEFAULT_TIMEOUT, BeaconError, HttpBeacon, sources_from_config
from contests.draw import (
    BeaconRound,
    Certificate,
    DrawError,
    certificate_from_dict,
    certificate_to_json,
    commit_seed,
    current_winners,
    draw_winners,
    freeze_entries,
    inclusion_receipt,
    load_certificate,
    new_seed,
    record_beacon,
    record_fetched_beacon,
    reveal_seed,
    substitute_winner,
)
from contests.models import Contest, ContestDraw, ContestEntry
from contests.services.contests import ContestError, current_rules, get_contest
from contests.services.entries import exclusion_counts, log_exclusion, refresh_rights
from contests.services.messages import beacon_message, draw_message
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit

__all__ = [
    "BeaconSources",
    "DrawStatus",
    "beacon_delay",
    "beacon_sources",
    "certificate_of",
    "draw_of",
    "fetch_beacon",
    "freeze_draw",
    "receipt_for",
    "record_beacon_value",
    "run_draw",
    "substitute",
    "substitution_bodies",
]


@dataclass(frozen=True)
class DrawStatus:
    """What the public may know of a draw at this stage."""

    draw_id: str
    stage: str
    count: int
    list_hash: str
    merkle_root: str
    freeze_anchor: str
    head: str
    commitment: str
    beacon: dict[str, Any] | None
    winners: tuple[str, ...]
    alternates: tuple[str, ...]
    #: When the named round is published (sources with a clock); None when unknown (a typed round).
    beacon_due_at: datetime | None = None


BeaconSources = Mapping[str, HttpBeacon]
#: Fetch failures after which staff may type the round's value themselves (with a reason, audited).
TYPING_ALLOWED = ("unknown_source", "unreachable", "malformed_response")
DEFAULT_BEACON_DELAY = timedelta(minutes=10)


def beacon_sources(config: Mapping[str, Any]) -> BeaconSources:
    """The named beacon sources of the app's config: ``DRAW_BEACONS`` (name → URL template with {round})."""
    try:
        return sources_from_config(
            config.get("DRAW_BEACONS") or {}, timeout=float(config.get("DRAW_BEACON_TIMEOUT") or DEFAULT_TIMEOUT)
        )
    except BeaconError as exc:
        raise ContestError(beacon_message(exc.code, exc.params)) from exc


def beacon_delay(config: Mapping[str, Any]) -> timedelta:
    """``DRAW_BEACON_DELAY`` seconds (default 10 minutes): how long after the freeze the named round comes out."""
    seconds = config.get("DRAW_BEACON_DELAY")
    return DEFAULT_BEACON_DELAY if seconds is None else timedelta(seconds=max(float(seconds), 0.0))


def name_round(
    contest: Contest, sources: BeaconSources, *, now: datetime, delay: timedelta
) -> tuple[BeaconRound | None, datetime | None]:
    """The beacon round the freeze commits to, and when it comes out (None for a round typed on the form).

    A source with a clock gets the first round published at least ``delay`` after ``now``; any round
    typed on the form is ignored for it. A plain URL template (or a name no longer configured) keeps
    the typed round, as before the hub named rounds.
    """
    if contest.beacon_source is None:
        return None, None
    source = sources.get(contest.beacon_source)
    if source is not None and source.timed:
        number = source.first_round_from(now + delay)
        return BeaconRound(contest.beacon_source, number), source.published_at(number)
    if contest.beacon_round is None:
        raise ContestError(
            _l(
                "the beacon source %(name)s has no clock (genesis_time and period in DRAW_BEACONS): type its round on the contest form",
                name=contest.beacon_source,
            )
        )
    return BeaconRound(contest.beacon_source, contest.beacon_round), None


def draw_of(session: DbSession, contest_id: int) -> ContestDraw | None:
    return session.scalar(select(ContestDraw).where(ContestDraw.contest_id == contest_id))


def _certificate(draw: ContestDraw) -> Certificate:
    return certificate_from_dict(load_certificate(draw.certificate), anchors=[draw.freeze_anchor])


def _store(draw: ContestDraw, cert: Certificate) -> None:
    draw.certificate = certificate_to_json(cert)
    draw.head = cert.head
    draw.stage = cert.events[-1].type


def freeze_draw(
    session: DbSession,
    *,
    contest_id: int,
    actor: audit.Actor,
    now: datetime,
    sources: BeaconSources | None = None,
    delay: timedelta = DEFAULT_BEACON_DELAY,
) -> ContestDraw:
    """Close entries for good: settle pending entries, freeze the eligible list, name the beacon round
    (for a source with a clock), commit to a seed."""
    contest = get_contest(session, contest_id)
    if contest.status == "open" and now >= contest.ends_at:
        contest.status, contest.closed_at = "closed", now
    if contest.status != "closed":
        raise ContestError(_l("close the contest before freezing its entries"))
    if draw_of(session, contest.id) is not None:
        raise ContestError(_l("the entries are already frozen"))
    refresh_rights(session, contest_id=contest.id, now=now)
    for entry in session.scalars(
        select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.status == "pending_rights")
    ).all():
        entry.status = "excluded"
        log_exclusion(session, contest.id, f"entry:{entry.uid}", "rights_not_granted", post_id=entry.post_id)
    session.flush()
    eligible = session.scalars(
        select(ContestEntry.uid).where(ContestEntry.contest_id == contest.id, ContestEntry.status == "eligible")
    ).all()
    if not eligible:
        session.rollback()
        raise ContestError(_l("no eligible entry: there is nothing to draw from"))
    rules = current_rules(session, contest.id)
    try:
        beacon, due_at = name_round(contest, sources or {}, now=now, delay=delay)
    except ContestError:
        session.rollback()
        raise
    seed = new_seed()
    try:
        cert = freeze_entries(
            eligible,
            draw_id=contest.slug,
            winners=contest.winners,
            alternates=contest.alternates,
            at=now,
            beacon=beacon,
            exclusions=exclusion_counts(session, contest.id),
            rules_hash=rules.body_hash if rules else None,
        )
        cert = commit_seed(cert, seed, at=now)
    except DrawError as exc:
        session.rollback()
        raise ContestError(draw_message(exc.code)) from exc
    draw = ContestDraw(
        contest_id=contest.id,
        draw_uid=contest.slug,
        certificate="",
        seed_hex=seed.hex(),
        freeze_anchor=cert.head,
        head=cert.head,
        stage="commit",
        frozen_at=now,
        beacon_due_at=due_at,
    )
    _store(draw, cert)
    session.add(draw)
    contest.status = "frozen"
    if beacon is not None:
        contest.beacon_round = beacon.round
    named = {"beacon_round": beacon.round, "beacon_due_at": due_at.isoformat() if due_at else None} if beacon else {}
    audit.record(
        session,
        actor=actor,
        action="contest.freeze",
        object_type="contest",
        object_id=contest.id,
        after={"count": len(eligible), "anchor": cert.head, **named},
    )
    session.commit()
    return draw


def _frozen(session: DbSession, contest_id: int) -> tuple[Contest, ContestDraw]:
    contest = get_contest(session, contest_id)
    draw = draw_of(session, contest_id)
    if draw is None:
        raise ContestError(_l("the entries are not frozen yet"))
    return contest, draw


def _fetch_planned(draw: ContestDraw, cert: Certificate, sources: BeaconSources, now: datetime) -> Certificate:
    planned = cert.freeze["beacon"]
    if draw.beacon_due_at is not None and now < draw.beacon_due_at:
        raise BeaconError(
            "not_published", f"round {planned['round']} comes out at {draw.beacon_due_at}", round=planned["round"]
        )
    source = sources.get(planned["source"])
    if source is None:
        raise BeaconError("unknown_source", "not configured", name=planned["source"])
    return record_fetched_beacon(cert, source.fetch(planned["round"]), at=now)


def fetch_beacon(
    session: DbSession, *, contest_id: int, sources: BeaconSources, actor: audit.Actor, now: datetime
) -> ContestDraw:
    """Fetch the round named at the freeze from its source and record it, with the source's answer."""
    _, draw = _frozen(session, contest_id)
    cert = _certificate(draw)
    if cert.freeze["beacon"] is None:
        raise ContestError(draw_message("no_beacon"))
    if cert.bodies("beacon"):
        return draw
    try:
        cert = _fetch_planned(draw, cert, sources, now)
    except BeaconError as exc:
        raise ContestError(beacon_message(exc.code, exc.params)) from exc
    except DrawError as exc:
        raise ContestError(draw_message(exc.code)) from exc
    _store(draw, cert)
    body = cert.bodies("beacon")[0]
    audit.record(
        session,
        actor=actor,
        action="contest.beacon",
        object_type="contest",
        object_id=contest_id,
        after={"round": body["round"], "url": body["url"], "value": body["value"]},
    )
    session.commit()
    return draw


def record_beacon_value(
    session: DbSession,
    *,
    contest_id: int,
    value_hex: str,
    reason: str,
    sources: BeaconSources,
    actor: audit.Actor,
    now: datetime,
) -> ContestDraw:
    """Fallback: staff type the round's value when its source cannot be reached (or is not configured).

    The hub tries the source first: a round it can fetch is recorded as fetched, and a round not
    out yet cannot be typed. The certificate shows a typed value as such (no address, no answer).
    """
    _, draw = _frozen(session, contest_id)
    if not reason.strip():
        raise ContestError(draw_message("typed_needs_reason"))
    cert = _certificate(draw)
    if cert.freeze["beacon"] is None:
        raise ContestError(draw_message("no_beacon"))
    if cert.bodies("beacon"):
        raise ContestError(draw_message("beacon_recorded"))
    try:
        fetch_beacon(session, contest_id=contest_id, sources=sources, actor=actor, now=now)
    except ContestError as exc:
        failure = exc.__cause__
        if not isinstance(failure, BeaconError) or failure.code not in TYPING_ALLOWED:
            raise
        fetch_error = failure.reason
    else:
        raise ContestError(draw_message("beacon_fetched_instead"))
    try:
        cert = record_beacon(cert, value_hex, at=now)
    except DrawError as exc:
        raise ContestError(draw_message("bad_beacon_value" if exc.code == "malformed" else exc.code)) from exc
    _store(draw, cert)
    audit.record(
        session,
        actor=actor,
        action="contest.beacon_typed",
        object_type="contest",
        object_id=contest_id,
        after={"value": cert.bodies("beacon")[0]["value"], "reason": reason.strip()[:500], "fetch_error": fetch_error},
    )
    session.commit()
    return draw


def run_draw(
    session: DbSession,
    *,
    contest_id: int,
    actor: audit.Actor,
    now: datetime,
    sources: BeaconSources | None = None,
) -> ContestDraw:
    """Fetch the named beacon round if not recorded yet, reveal the seed and rank every entry."""
    contest, draw = _frozen(session, contest_id)
    cert = _certificate(draw)
    if cert.freeze["beacon"] is not None and not cert.bodies("beacon"):
        draw = fetch_beacon(session, contest_id=contest_id, sources=sources or {}, actor=actor, now=now)
        cert = _certificate(draw)
    try:
        cert = reveal_seed(cert, bytes.fromhex(draw.seed_hex), at=now)
        cert = draw_winners(cert, at=now)
    except DrawError as exc:
        raise ContestError(draw_message(exc.code)) from exc
    _store(draw, cert)
    draw.drawn_at = now
    contest.status = "drawn"
    audit.record(
        session,
        actor=actor,
        action="contest.draw",
        object_type="contest",
        object_id=contest.id,
        after={"head": cert.head},
    )
    session.commit()
    return draw


def draw_when_beacon_out(
    session: DbSession, *, sources: BeaconSources, now: datetime, actor: audit.Actor = audit.SYSTEM
) -> list[tuple[int, str]]:
    """Beat task: draw every frozen contest whose named beacon round is out; (contest id, outcome) each.

    Once the round is public the result is fixed, so drawing at once leaves the operator no room to
    withhold it. A round not out yet is left for the next run (outcome ``not_published``); any other
    failure (source down) is reported and staff may use the typed fallback.
    """
    outcomes: list[tuple[int, str]] = []
    waiting = session.scalars(
        select(Contest.id)
        .where(Contest.status == "frozen", Contest.selection == "draw", Contest.beacon_source.is_not(None))
        .order_by(Contest.id)
    ).all()
    for contest_id in waiting:
        try:
            run_draw(session, contest_id=contest_id, actor=actor, now=now, sources=sources)
        except ContestError as exc:
            session.rollback()
            cause = exc.__cause__
            outcomes.append((contest_id, cause.code if isinstance(cause, BeaconError | DrawError) else "refused"))
        else:
            outcomes.append((contest_id, "drawn"))
    return outcomes


def substitute(
    session: DbSession, *, contest_id: int, winner_uid: str, reason: str, actor: audit.Actor, now: datetime
) -> ContestDraw:
    """Replace a winner by the next alternate, with the reason on the certificate."""
    _, draw = _frozen(session, contest_id)
    if not reason.strip():
        raise ContestError(_l("say why the winner is replaced"))
    try:
        cert = substitute_winner(_certificate(draw), winner_uid, reason=reason.strip()[:500], at=now)
    except DrawError as exc:
        raise ContestError(draw_message(exc.code)) from exc
    _store(draw, cert)
    audit.record(
        session,
        actor=actor,
        action="contest.substitute",
        object_type="contest",
        object_id=contest_id,
        after={"replaced": winner_uid},
    )
    session.commit()
    return draw


def certificate_of(session: DbSession, contest_id: int) -> str | None:
    """The certificate as published (the seed appears in it only once revealed)."""
    draw = draw_of(session, contest_id)
    return draw.certificate if draw else None


def status_of(draw: ContestDraw) -> DrawStatus:
    cert = _certificate(draw)
    freeze = cert.freeze
    winners: tuple[str, ...] = ()
    alternates: tuple[str, ...] = ()
    if cert.bodies("result"):
        winners, alternates = current_winners(cert)
    beacons = cert.bodies("beacon")
    return DrawStatus(
        draw_id=freeze["draw_id"],
        stage=draw.stage,
        count=freeze["count"],
        list_hash=freeze["list_hash"],
        merkle_root=freeze["merkle_root"],
        freeze_anchor=draw.freeze_anchor,
        head=draw.head,
        commitment=cert.bodies("commit")[0]["commitment"],
        beacon=dict(beacons[0]) if beacons else (dict(freeze["beacon"]) if freeze["beacon"] else None),
        winners=winners,
        alternates=alternates,
        beacon_due_at=draw.beacon_due_at,
    )


def substitution_bodies(draw: ContestDraw) -> list[dict[str, Any]]:
    """The substitutions on the certificate, in order: {"replaced", "promoted", "reason"}."""
    return [dict(body) for body in _certificate(draw).bodies("substitution")]


def receipt_for(session: DbSession, *, contest_id: int, entry_uid: str) -> dict[str, Any]:
    """The inclusion receipt of one frozen entry: its id, place and Merkle path; no personal data."""
    _, draw = _frozen(session, contest_id)
    try:
        return inclusion_receipt(_certificate(draw), entry_uid)
    except DrawError as exc:
        raise ContestError(draw_message(exc.code)) from exc
