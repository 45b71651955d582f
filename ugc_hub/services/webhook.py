"""Posts pushed to the hub as import records (docs/import-format.md), e.g. by the ingest webhook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ugc_hub.domain.posts import NormalizedPost
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit, publication
from ugc_hub.services.importer import RowError, record_to_post
from ugc_hub.services.ingest import ingest_batch

MAX_RECORDS = 1000


@dataclass(frozen=True)
class ItemError:
    """A record that was not stored: its position in the request and why."""

    index: int
    platform_id: str | None
    errors: dict[str, list[str]]


@dataclass
class RecordsReport:
    new: int = 0
    updated: int = 0
    errors: list[ItemError] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)


def _platform_id(record: Any) -> str | None:
    value = record.get("platform_id") if isinstance(record, Mapping) else None
    return str(value)[:255] if value not in (None, "") else None


def ingest_records(
    session: DbSession,
    records: Sequence[Any],
    *,
    workspace_id: int,
    actor: audit.Actor,
    item_errors: Mapping[int, dict[str, list[str]]] | None = None,
) -> RecordsReport:
    """Store every good record in one transaction; report each bad one by index.

    ``item_errors`` are problems already found by the caller's schema (index → field → messages);
    those records are skipped.
    """
    report = RecordsReport()
    known = dict(item_errors or {})
    posts: list[NormalizedPost] = []
    positions: list[int] = []
    for index, record in enumerate(records):
        if index in known:
            report.errors.append(ItemError(index, _platform_id(record), known[index]))
            continue
        try:
            posts.append(record_to_post(dict(record)))
        except (RowError, TypeError, ValueError) as exc:
            report.errors.append(ItemError(index, _platform_id(record), {"_record": [str(exc)]}))
            continue
        positions.append(index)
    result = ingest_batch(session, posts, workspace_id=workspace_id)
    for rejection in result.rejections:
        index = positions[rejection.index]
        report.errors.append(ItemError(index, rejection.platform_id, {"_record": [rejection.reason]}))
    report.errors.sort(key=lambda error: error.index)
    report.new, report.updated = result.new, result.updated
    report.post_ids = list(result.post_ids)
    audit.record(
        session,
        actor=actor,
        action="ingest.webhook",
        object_type="workspace",
        object_id=workspace_id,
        after={"new": report.new, "updated": report.updated, "rejected": report.rejected},
    )
    session.commit()
    publication.announce_change(result.author_changed)
    return report
