"""Append to, verify, redact and export the hash-chained consent ledger (``ConsentEvent``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, text, update

from ugc_hub.models import ConsentEvent
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.rights.rules import ledger

# Any constant: appends take this PostgreSQL advisory lock so two transactions never extend the chain
# from the same head. SQLite allows one writer at a time anyway; the unique ``seq`` is the backstop.
_APPEND_LOCK = 0x5249_4748


def append(
    session: DbSession,
    *,
    kind: str,
    payload: Mapping[str, Any],
    post_id: int | None = None,
    request_id: int | None = None,
    author_id: int | None = None,
    workspace_id: int | None = None,
    at: datetime | None = None,
) -> ConsentEvent:
    """Add one event at the head of the chain; the caller's commit makes it permanent with its change."""
    at = at or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    head = session.execute(
        select(ConsentEvent.seq, ConsentEvent.chain_hash).order_by(ConsentEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, ledger.GENESIS)
    header = ledger.EventHeader(seq, at, kind, workspace_id, post_id, request_id, author_id)
    body = ledger.canonical_json({"kind": kind, "at": at, **payload})
    payload_hash = ledger.sha256_text(body)
    event = ConsentEvent(
        seq=seq,
        at=at,
        kind=kind,
        workspace_id=workspace_id,
        post_id=post_id,
        request_id=request_id,
        author_id=author_id,
        payload=body,
        payload_hash=payload_hash,
        prev_hash=prev,
        chain_hash=ledger.chain_hash(prev, header, payload_hash),
    )
    session.add(event)
    session.flush()
    return event


def _all_events(session: DbSession, batch: int = 1000) -> Iterator[ledger.StoredEvent]:
    """Every event in ``seq`` order, read as plain rows in batches (the caller's session is left as it was)."""
    columns = (
        ConsentEvent.seq,
        ConsentEvent.at,
        ConsentEvent.kind,
        ConsentEvent.workspace_id,
        ConsentEvent.post_id,
        ConsentEvent.request_id,
        ConsentEvent.author_id,
        ConsentEvent.payload,
        ConsentEvent.payload_hash,
        ConsentEvent.prev_hash,
        ConsentEvent.chain_hash,
    )
    last = 0
    while True:
        rows = session.execute(
            select(*columns).where(ConsentEvent.seq > last).order_by(ConsentEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield ledger.StoredEvent(
                header=ledger.EventHeader(row[0], row[1], row[2], row[3], row[4], row[5], row[6]),
                payload=row[7],
                payload_hash=row[8],
                prev_hash=row[9],
                chain_hash=row[10],
            )
        last = rows[-1][0]


def verify_ledger(session: DbSession) -> ledger.Verification:
    """Recompute every payload hash and chain link; names the first event that does not verify."""
    return ledger.verify(_all_events(session))


def redact(session: DbSession, *, author_id: int | None, post_ids: Sequence[int], now: datetime) -> int:
    """Drop the payloads (personal data) of an author's events; the hashes stay, so the chain still verifies."""
    clauses: list[ColumnElement[bool]] = []
    if author_id is not None:
        clauses.append(ConsentEvent.author_id == author_id)
    if post_ids:
        clauses.append(ConsentEvent.post_id.in_(list(post_ids)))
    if not clauses:
        return 0
    result = session.execute(
        update(ConsentEvent)
        .where(or_(*clauses), ConsentEvent.payload.is_not(None))
        .values(payload=None, redacted_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class EvidenceEvent:
    """One ledger event as exported: its hashes, whether its payload still matches, and the payload."""

    seq: int
    at: datetime
    kind: str
    post_id: int | None
    request_id: int | None
    author_id: int | None
    payload: dict[str, Any] | None
    payload_hash: str
    prev_hash: str
    chain_hash: str
    payload_matches: bool | None

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "post_id": self.post_id,
            "request_id": self.request_id,
            "author_id": self.author_id,
            "payload": self.payload,
            "payload_hash": self.payload_hash,
            "prev_hash": self.prev_hash,
            "chain_hash": self.chain_hash,
            "payload_matches_hash": self.payload_matches,
        }


def evidence(session: DbSession, *, post_ids: Sequence[int] = (), author_id: int | None = None) -> list[EvidenceEvent]:
    """The events about these posts or this author, oldest first, each checked against its hash."""
    clauses: list[ColumnElement[bool]] = []
    if post_ids:
        clauses.append(ConsentEvent.post_id.in_(list(post_ids)))
    if author_id is not None:
        clauses.append(ConsentEvent.author_id == author_id)
    if not clauses:
        return []
    rows = session.scalars(select(ConsentEvent).where(or_(*clauses)).order_by(ConsentEvent.seq)).all()
    return [
        EvidenceEvent(
            seq=row.seq,
            at=row.at,
            kind=row.kind,
            post_id=row.post_id,
            request_id=row.request_id,
            author_id=row.author_id,
            payload=json.loads(row.payload) if row.payload is not None else None,
            payload_hash=row.payload_hash,
            prev_hash=row.prev_hash,
            chain_hash=row.chain_hash,
            payload_matches=None if row.payload is None else ledger.sha256_text(row.payload) == row.payload_hash,
        )
        for row in rows
    ]


def evidence_document(
    session: DbSession, *, post_ids: Sequence[int] = (), author_id: int | None = None
) -> dict[str, Any]:
    """The JSON export: the events, and the whole ledger's verification at export time."""
    check = verify_ledger(session)
    return {
        "generated_at": utcnow().isoformat(),
        "scope": {"post_ids": list(post_ids), "author_id": author_id},
        "ledger": {
            "events": check.events,
            "verified": check.ok,
            "first_problem": None
            if check.problem is None
            else {"seq": check.problem.seq, "reason": check.problem.reason},
            "hashing": "payload_hash = sha256(payload); chain_hash = sha256(prev_hash:seq:sha256(header):payload_hash)",
        },
        "events": [e.as_json() for e in evidence(session, post_ids=post_ids, author_id=author_id)],
    }
