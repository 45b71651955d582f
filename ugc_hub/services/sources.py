"""Sources: create them from a plugin's settings, find them by id or name, report their health."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from collectors import registry as default_registry
from collectors.base import HealthNote
from collectors.registry import UnknownCollector
from ugc_hub.models import CollectorRun, Source
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit
from ugc_hub.services.collection import CollectorLookup, shared_usage

MIN_SCHEDULE_SECONDS = 60
#: A source whose last runs all brought nothing is flagged once this many runs in a row were empty.
SILENT_RUNS = 5
#: A source whose last runs all ended in an error is shown as failing, not active, after this many.
FAILING_RUNS = 2


class SourceError(ValueError):
    """A source request that cannot be done; the message is for a person."""


def secret_names(kind: str, *, registry: CollectorLookup = default_registry) -> set[str]:
    """Names of the plugin's secret settings (never logged, never shown back)."""
    try:
        plugin = registry.get(kind)
    except UnknownCollector:
        return set()
    return {spec.name for spec in plugin.settings_schema if spec.type == "secret"}


def create_source(
    session: DbSession,
    *,
    workspace_id: int,
    kind: str,
    name: str,
    settings: Mapping[str, Any],
    actor: audit.Actor,
    schedule_seconds: int = 3600,
    registry: CollectorLookup = default_registry,
) -> Source:
    """Create a source after the plugin has checked its settings; audited and committed."""
    if not name.strip():
        raise SourceError("a source needs a name")
    try:
        plugin = registry.get(kind)
    except UnknownCollector:
        raise SourceError(f"no collector {kind!r}") from None
    if schedule_seconds < MIN_SCHEDULE_SECONDS:
        raise SourceError(f"a source runs at most every {MIN_SCHEDULE_SECONDS} seconds")
    problems = plugin().check(settings)
    if problems:
        raise SourceError("; ".join(problems))
    source = Source(
        workspace_id=workspace_id,
        kind=kind,
        name=name.strip()[:200],
        settings=dict(settings),
        schedule_seconds=schedule_seconds,
        status="active",
    )
    session.add(source)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="source.create",
        object_type="source",
        object_id=source.id,
        after={"kind": kind, "name": source.name, "settings": sorted(settings), "schedule_seconds": schedule_seconds},
    )
    session.commit()
    return source


def update_source(
    session: DbSession,
    source: Source,
    *,
    name: str,
    schedule_seconds: int,
    settings: Mapping[str, Any],
    actor: audit.Actor,
    registry: CollectorLookup = default_registry,
) -> Source:
    """Change a source's name, schedule and settings (an empty secret keeps the stored one); audited."""
    if not name.strip():
        raise SourceError("a source needs a name")
    if schedule_seconds < MIN_SCHEDULE_SECONDS:
        raise SourceError(f"a source runs at most every {MIN_SCHEDULE_SECONDS} seconds")
    secrets = secret_names(source.kind, registry=registry)
    merged = dict(settings)
    for key in secrets:
        if merged.get(key) in (None, "") and (source.settings or {}).get(key) not in (None, ""):
            merged[key] = source.settings[key]
    try:
        plugin = registry.get(source.kind)
    except UnknownCollector:
        raise SourceError(f"no collector {source.kind!r}") from None
    problems = plugin().check(merged)
    if problems:
        raise SourceError("; ".join(problems))
    old = dict(source.settings or {})
    changed = sorted(k for k in set(old) | set(merged) if old.get(k) != merged.get(k))
    before = {"name": source.name, "schedule_seconds": source.schedule_seconds}
    source.name = name.strip()[:200]
    source.schedule_seconds = schedule_seconds
    source.settings = merged
    if source.status == "error":
        # The settings were the problem; let the scheduler try them.
        source.status, source.status_message, source.next_run_at = "active", None, None
    audit.record(
        session,
        actor=actor,
        action="source.update",
        object_type="source",
        object_id=source.id,
        before=before,
        after={"name": source.name, "schedule_seconds": schedule_seconds, "settings_changed": changed},
    )
    session.commit()
    return source


def find_source(session: DbSession, ref: str | int) -> Source:
    """Return the source with this id, or the one source with this name."""
    text = str(ref).strip()
    if text.isdigit():
        found = session.get(Source, int(text))
        if found is not None:
            return found
    matches = session.scalars(select(Source).where(Source.name == text).order_by(Source.id)).all()
    if not matches:
        raise SourceError(f"no source {text!r}")
    if len(matches) > 1:
        raise SourceError(f"{len(matches)} sources are named {text!r}; use the id")
    return matches[0]


def list_sources(session: DbSession) -> Sequence[Source]:
    return session.scalars(select(Source).order_by(Source.id)).all()


def set_status(session: DbSession, source: Source, *, status: str, actor: audit.Actor) -> None:
    """Pause or resume a source (or clear an error after fixing its settings); audited."""
    if status not in ("active", "paused"):
        raise SourceError("a source can only be set active or paused")
    before = {"status": source.status}
    source.status = status
    source.status_message = None
    if status == "active":
        source.next_run_at = None  # due at once
    audit.record(
        session, actor=actor, action="source.status", object_type="source", object_id=source.id,
        before=before, after={"status": status},
    )  # fmt: skip
    session.commit()


@dataclass(frozen=True)
class SourceHealth:
    """What the health page shows for one source."""

    source: Source
    runs: Sequence[CollectorRun]
    last_run: CollectorRun | None
    running: bool
    silent: bool
    overdue: bool
    #: The plugin's own notes: quotas left, credentials that expire soon.
    notes: Sequence[HealthNote] = ()
    #: The last runs all failed: the scheduler keeps trying, but nothing is being collected.
    failing: bool = False


def health_notes(
    session: DbSession, source: Source, *, now: datetime, registry: CollectorLookup = default_registry
) -> list[HealthNote]:
    """What the source's plugin says about its quota and credentials (never raises)."""
    try:
        plugin = registry.get(source.kind)()
        usage = shared_usage(session, source, plugin, registry=registry)
        return plugin.health_notes(dict(source.settings or {}), source.cursor, shared_usage=usage, now=now.timestamp())
    except Exception as exc:  # the health page must render whatever a plugin does
        return [HealthNote("warning", "notes_failed", f"The collector could not report its state: {exc}")]


def source_health(
    session: DbSession, source: Source, *, now: datetime | None = None, limit: int = 30, with_notes: bool = True
) -> SourceHealth:
    """Recent runs and the flags a person should see: running, silent (no new posts lately), overdue."""
    now = now or utcnow()
    runs = session.scalars(
        select(CollectorRun).where(CollectorRun.source_id == source.id).order_by(CollectorRun.id.desc()).limit(limit)
    ).all()
    finished = [r for r in runs if r.status in ("succeeded", "partial")]
    silent = len(finished) >= SILENT_RUNS and all(r.new == 0 for r in finished[:SILENT_RUNS])
    running = source.lease_expires_at is not None and source.lease_expires_at > now
    overdue = (
        source.status == "active"
        and source.next_run_at is not None
        and source.next_run_at + timedelta(seconds=max(source.schedule_seconds, 600)) < now
        and not running
    )
    ended = [r for r in runs if r.status != "running"][:FAILING_RUNS]
    failing = len(ended) == FAILING_RUNS and all(r.status in ("error", "failed") for r in ended)
    notes = health_notes(session, source, now=now) if with_notes else []
    return SourceHealth(source, runs, runs[0] if runs else None, running, silent, overdue, notes, failing)
