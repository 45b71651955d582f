"""A contest's verifiable draw, wired to the database; the algorithm is ``contests.draw`` (docs/draws.md).

At entry close ``freeze_draw`` settles every pending entry (rights granted → in, otherwise excluded
with ``rights_not_granted``), freezes the eligible entry ids, commits to a secret seed and keeps the
head of that record as the freeze anchor. ``run_draw`` records the beacon value (when one was named),
reveals the seed and ranks. Substitutions append; nothing is re-drawn. ``random`` is never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

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
    reveal_seed,
    substitute_winner,
)
from ugc_hub.models.base import DbSession
from ugc_hub.models.contests import Contest, ContestDraw, ContestEntry
from ugc_hub.services import audit
from ugc_hub.services.contests import ContestError, current_rules, get_contest
from ugc_hub.services.contests_entries import exclusion_counts, log_exclusion, refresh_rights

__all__ = [
    "DrawStatus",
    "certificate_of",
    "draw_of",
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
) -> ContestDraw:
    """Close entries for good: settle pending entries, freeze the eligible list, commit to a seed."""
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
    beacon = (
        BeaconRound(contest.beacon_source, contest.beacon_round)
        if contest.beacon_source is not None and contest.beacon_round is not None
        else None
    )
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
        raise ContestError(str(exc)) from exc
    draw = ContestDraw(
        contest_id=contest.id,
        draw_uid=contest.slug,
        certificate="",
        seed_hex=seed.hex(),
        freeze_anchor=cert.head,
        head=cert.head,
        stage="commit",
        frozen_at=now,
    )
    _store(draw, cert)
    session.add(draw)
    contest.status = "frozen"
    audit.record(
        session,
        actor=actor,
        action="contest.freeze",
        object_type="contest",
        object_id=contest.id,
        after={"count": len(eligible), "anchor": cert.head},
    )
    session.commit()
    return draw


def _frozen(session: DbSession, contest_id: int) -> tuple[Contest, ContestDraw]:
    contest = get_contest(session, contest_id)
    draw = draw_of(session, contest_id)
    if draw is None:
        raise ContestError(_l("the entries are not frozen yet"))
    return contest, draw


def record_beacon_value(
    session: DbSession, *, contest_id: int, value_hex: str, actor: audit.Actor, now: datetime
) -> ContestDraw:
    """Record the public value of the round named at the freeze (staff copy it from the source)."""
    _, draw = _frozen(session, contest_id)
    try:
        cert = record_beacon(_certificate(draw), value_hex, at=now)
    except DrawError as exc:
        raise ContestError(exc.reason) from exc
    _store(draw, cert)
    audit.record(session, actor=actor, action="contest.beacon", object_type="contest", object_id=contest_id)
    session.commit()
    return draw


def run_draw(
    session: DbSession,
    *,
    contest_id: int,
    actor: audit.Actor,
    now: datetime,
    beacon_value: str | None = None,
) -> ContestDraw:
    """Reveal the seed and rank every entry: winners, then alternates, in rank order."""
    contest, draw = _frozen(session, contest_id)
    try:
        cert = _certificate(draw)
        if beacon_value and cert.freeze["beacon"] is not None and not cert.bodies("beacon"):
            cert = record_beacon(cert, beacon_value, at=now)
        if cert.freeze["beacon"] is not None and not cert.bodies("beacon"):
            raise ContestError(_l("record the value of the named beacon round first"))
        cert = reveal_seed(cert, bytes.fromhex(draw.seed_hex), at=now)
        cert = draw_winners(cert, at=now)
    except DrawError as exc:
        raise ContestError(exc.reason) from exc
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
        raise ContestError(exc.reason) from exc
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
        raise ContestError(exc.reason) from exc
