"""Run a source's collector page by page: each batch and its cursor are committed together.

A run holds the source's lease (an atomic UPDATE that succeeds only when the lease is free or
expired) and renews it with every page, in the same UPDATE that moves the cursor; a run that finds
its lease taken over stops without storing the page. A worker killed mid-run therefore leaves the
last committed cursor behind, and the next run (after the lease expires) resumes right there.
"""

from __future__ import annotations

import os
import random
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from collectors import registry as default_registry
from collectors.base import SHARED_USAGE_SETTING, Collector, Page
from collectors.errors import ConfigurationError, MappingError, RateLimited, ReloginRequired, TransientError
from collectors.registry import UnknownCollector
from ugc_hub.models import AccountLease, CollectorRun, Source
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.secret_json import unreadable_secrets
from ugc_hub.netguard import allowing_private_addresses, private_addresses_allowed
from ugc_hub.services import publication
from ugc_hub.services.ingest import ingest_batch
from ugc_hub.services.source_addresses import check_source_urls
from ugc_hub.services.validation import storable

LEASE_SECONDS = 900
MAX_REJECTIONS_KEPT = 50
#: Statuses the scheduler runs on its own; the others wait for a person (or "collect now").
SCHEDULED_STATUSES = ("active", "rate_limited")

Clock = Callable[[], datetime]


class CollectorLookup(Protocol):
    """Where plugin classes come from: ``collectors.registry`` or a ``Registry``."""

    def get(self, key: str) -> type[Collector]: ...


@dataclass(frozen=True)
class RunResult:
    """How a call ended: a run status, or ``already_running`` / ``not_due`` when nothing ran."""

    status: str
    run_id: int | None = None
    pages: int = 0
    new: int = 0
    updated: int = 0
    rejected: int = 0
    error: str | None = None
    rate_limited_until: datetime | None = None


class RetryLater(Exception):
    """The run stopped on a temporary failure; its pages so far are stored. Retry after
    ``retry_after`` seconds (the platform said so) or with backoff when it is ``None``."""

    def __init__(self, result: RunResult, retry_after: float | None) -> None:
        super().__init__(result.error or result.status)
        self.result = result
        self.retry_after = retry_after


class LeaseLost(Exception):
    """Another run took over this source's lease; this one must stop without writing."""


def lease_owner_name() -> str:
    """Name this run: host and process for people, a random part so two runs never match."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def acquire_lease(session: DbSession, source_id: int, *, owner: str, now: datetime, seconds: float) -> bool:
    """Take the source's lease if it is free or expired, and commit; return whether we got it."""
    taken = session.execute(
        update(Source)
        .where(Source.id == source_id, or_(Source.lease_owner.is_(None), Source.lease_expires_at <= now))
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return _rowcount(taken) == 1


def acquire_account_slot(
    session: DbSession, account_key: str, *, owner: str, now: datetime, seconds: float, slots: int
) -> bool:
    """Take one of a platform account's ``slots`` run slots if one is free, and commit."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(AccountLease).on_conflict_do_nothing(),
        [{"account_key": account_key, "slot": n} for n in range(max(1, slots))],
    )
    for slot in range(max(1, slots)):
        taken = session.execute(
            update(AccountLease)
            .where(
                AccountLease.account_key == account_key,
                AccountLease.slot == slot,
                or_(AccountLease.lease_owner.is_(None), AccountLease.lease_expires_at <= now),
            )
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) == 1:
            session.commit()
            return True
    session.commit()
    return False


def _release(session: DbSession, source_id: int, owner: str) -> None:
    """Give back the source's lease and any account slot this run holds (the caller commits)."""
    session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(AccountLease)
        .where(AccountLease.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def _account(registry: CollectorLookup, source: Source) -> tuple[str, int] | None:
    """The platform account a run of this source spends, and how many runs it allows at once."""
    try:
        cls = registry.get(source.kind)
        return cls().account_key(dict(source.settings or {}))[:255], cls.concurrency_per_account
    except Exception:  # an unknown kind or odd settings: the run itself reports the problem
        return None


def is_due(source: Source, now: datetime) -> bool:
    """Whether the scheduler should run this source now.

    A lease is only left behind by a run that never finished (a worker killed mid-run): once it
    expires the source is due whatever its ``next_run_at`` says, since that run never set it and the
    one before may have put it an hour ahead.
    """
    lease_free = source.lease_expires_at is None or source.lease_expires_at <= now
    abandoned = source.lease_owner is not None and lease_free
    return (
        source.status in SCHEDULED_STATUSES
        and (source.next_run_at is None or source.next_run_at <= now or abandoned)
        and lease_free
    )


def due_sources(session: DbSession, now: datetime) -> list[int]:
    """Return the ids of sources whose next run is due, or whose last run died, and that no live run holds."""
    return list(
        session.scalars(
            select(Source.id)
            .where(
                Source.status.in_(SCHEDULED_STATUSES),
                # The same rule as ``is_due``: an expired lease still owned is an abandoned run.
                or_(Source.next_run_at.is_(None), Source.next_run_at <= now, Source.lease_owner.is_not(None)),
                or_(Source.lease_expires_at.is_(None), Source.lease_expires_at <= now),
            )
            .order_by(Source.id)
        )
    )


def shared_usage(
    session: DbSession, source: Source, plugin: Collector, *, registry: CollectorLookup = default_registry
) -> dict[str, float]:
    """The account budget the *other* sources of this source's platform account spent (see ``account_usage``)."""
    key = plugin.account_key(dict(source.settings or {}))
    merged: dict[str, float] = {}
    for other in session.scalars(select(Source).where(Source.id != source.id).order_by(Source.id)):
        try:
            other_plugin: Collector | None = registry.get(other.kind)()
        except UnknownCollector:  # a plugin no longer installed spends nothing we can count
            other_plugin = None
        if other_plugin is None or other_plugin.account_key(dict(other.settings or {})) != key:
            continue
        for what, at in other_plugin.account_usage(other.cursor).items():
            merged[what] = min(at, merged.get(what, at))
    return merged


def backoff_seconds(
    retries: int, *, base: float = 30.0, cap: float = 3600.0, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: half the step fixed, half random, so retries spread out."""
    step = min(cap, base * 2 ** max(0, retries))
    return step / 2 + rng() * step / 2


def collect_source(
    session: DbSession,
    source_id: int,
    *,
    registry: CollectorLookup = default_registry,
    now: Clock = utcnow,
    max_pages: int | None = None,
    lease_seconds: float = LEASE_SECONDS,
    only_if_due: bool = False,
    trigger: str = "manual",
    allow_private_addresses: bool = False,
) -> RunResult:
    """Run one source from its stored cursor; raise ``RetryLater`` on a rate limit or transient error.

    ``allow_private_addresses`` lets the plugin's HTTP reach private addresses (config
    ``ALLOW_PRIVATE_ADDRESSES``, for tests whose fakes listen on 127.0.0.1). Without it, a URL setting
    on a private address fails the run before the plugin makes any request.
    """
    source = session.get(Source, source_id)
    if source is None:
        raise LookupError(f"no source {source_id}")
    if only_if_due and not is_due(source, now()):
        return RunResult("not_due")
    owner = lease_owner_name()
    if not acquire_lease(session, source_id, owner=owner, now=now(), seconds=lease_seconds):
        return RunResult("already_running")

    account = _account(registry, source)
    if account is not None and not acquire_account_slot(
        session, account[0], owner=owner, now=now(), seconds=lease_seconds, slots=account[1]
    ):
        _release(session, source_id, owner)
        session.commit()
        return RunResult("account_busy", error=f"{account[0]} is busy with another source's run")

    run_id = _start_run(session, source_id, owner=owner, trigger=trigger, now=now())
    source = session.get(Source, source_id)
    assert source is not None
    paused = source.status == "paused"
    # Read now: after a failed page the session is rolled back, and a database error may not let it reload.
    status_after_failure = _after_rate_limit(source.status)
    run = _Run(session, run_id, source, owner, now, lease_seconds)
    try:
        plugin = registry.get(source.kind)()
        stopped_early = False
        settings = dict(source.settings or {})
        stuck = unreadable_secrets(settings)
        if stuck:
            raise ConfigurationError(
                f"the stored {', '.join(stuck)} cannot be decrypted with this SECRET_KEY; add the former key to "
                "SECRET_KEY_FALLBACKS or enter the secret again"
            )
        if type(plugin).account_usage is not Collector.account_usage:
            settings[SHARED_USAGE_SETTING] = shared_usage(session, source, plugin, registry=registry)
        with allowing_private_addresses(allow_private_addresses):
            check_source_urls(plugin.settings_schema, settings, allow_private=private_addresses_allowed())
            pages = plugin.fetch(settings, source.cursor)
            try:
                for page in pages:
                    run.store(plugin, page)
                    if max_pages is not None and run.pages >= max_pages:
                        stopped_early = True
                        break
            finally:
                _close(pages)
    except LeaseLost:
        return run.finish("interrupted", error="another run took over this source's lease", source_update=False)
    except RateLimited as exc:
        until = now() + timedelta(seconds=exc.retry_after_seconds)
        result = run.finish(
            "rate_limited",
            error=exc.message,
            rate_limited_until=until,
            source_status="rate_limited",
            source_message=f"Rate limited until {until:%Y-%m-%d %H:%M} UTC: {exc.message}",
            next_run_at=until,
        )
        raise RetryLater(result, exc.retry_after_seconds) from exc
    except ReloginRequired as exc:
        return run.finish("relogin_required", error=exc.message, source_status="relogin_required")
    except TransientError as exc:
        result = run.finish(
            "error",
            error=exc.message,
            source_status=status_after_failure,
            source_message=f"Temporary failure: {exc.message}",
        )
        raise RetryLater(result, None) from exc
    except (ConfigurationError, MappingError) as exc:
        return run.finish("failed", error=exc.message, source_status="error")
    except UnknownCollector:
        return run.finish("failed", error=f"no collector {source.kind!r} is installed", source_status="error")
    except Exception as exc:
        # A bug or a database failure: record it where staff look, then let it surface.
        run.finish(
            "error",
            error=f"{type(exc).__name__}: {exc}",
            source_status=status_after_failure,
            source_message=f"Run failed: {exc}",
        )
        raise
    except KeyboardInterrupt:
        # Ctrl-C on `ugc-hub collect`: free the source now rather than when the lease expires.
        run.finish("interrupted", error="stopped by the operator")
        raise
    if stopped_early:
        # Cut short on purpose: the cursor is mid-run, so the source is due again at once.
        return run.finish("partial", source_status="paused" if paused else "active", next_run_at=now())
    return run.finish("succeeded", source_status="paused" if paused else "active")


def _after_rate_limit(status: str) -> str | None:
    """The status a failure other than a rate limit leaves: it ends an earlier run's rate limit.

    Other statuses stay: ``paused`` is a person's choice, and ``relogin_required`` or ``error`` wait
    for a run that proves them wrong.
    """
    return "active" if status == "rate_limited" else None


def _close(pages: Iterator[Page]) -> None:
    """Close a generator left mid-way, so the plugin releases its HTTP session now."""
    close = getattr(pages, "close", None)
    if close is not None:
        close()


def _start_run(session: DbSession, source_id: int, *, owner: str, trigger: str, now: datetime) -> int:
    # A run still "running" while we hold the lease belonged to a worker that died (its lease expired).
    session.execute(
        update(CollectorRun)
        .where(CollectorRun.source_id == source_id, CollectorRun.status == "running")
        .values(status="interrupted", finished_at=now, error="the worker stopped before the run ended")
        .execution_options(synchronize_session=False)
    )
    run = CollectorRun(
        source_id=source_id,
        started_at=now,
        status="running",
        worker=owner,
        trigger=trigger[:32],
        pages=0,
        new=0,
        updated=0,
        rejected=0,
        rejections=[],
    )
    session.add(run)
    session.commit()
    return run.id


class _Run:
    """The bookkeeping of one run: store pages under the lease, then finish the record."""

    def __init__(
        self, session: DbSession, run_id: int, source: Source, owner: str, now: Clock, lease_seconds: float
    ) -> None:
        self.session = session
        self.run_id = run_id
        self.source_id = source.id
        self.workspace_id = source.workspace_id
        self.schedule_seconds = source.schedule_seconds
        self.owner = owner
        self.now = now
        self.lease_seconds = lease_seconds
        self.pages = 0

    def store(self, plugin: Collector, page: Page) -> None:
        """Store one page and move the cursor past it, in one transaction."""
        session = self.session
        at = self.now()
        batch = plugin.map_items(page.items)
        try:
            # First, so a run that lost its lease writes nothing; on PostgreSQL it also locks the row.
            moved = session.execute(
                update(Source)
                .where(Source.id == self.source_id, Source.lease_owner == self.owner)
                .values(cursor=page.next_cursor, lease_expires_at=at + timedelta(seconds=self.lease_seconds))
                .execution_options(synchronize_session=False)
            )
            if _rowcount(moved) != 1:
                raise LeaseLost(self.owner)
            session.execute(
                update(AccountLease)
                .where(AccountLease.lease_owner == self.owner)
                .values(lease_expires_at=at + timedelta(seconds=self.lease_seconds))
                .execution_options(synchronize_session=False)
            )
            stored = ingest_batch(
                session, batch.posts, workspace_id=self.workspace_id, source_id=self.source_id, now=at
            )
            run = session.get(CollectorRun, self.run_id)
            assert run is not None
            reasons: list[dict[str, Any]] = [
                # What the platform sent may hold NUL or lone surrogates, which the JSON column refuses.
                {"platform_id": storable(str(f.item.platform_id)), "reason": storable(f.error.message)}
                for f in batch.failures
            ]
            reasons += [{"platform_id": r.platform_id, "reason": r.reason} for r in stored.rejections]
            run.pages += 1
            run.new += stored.new
            run.updated += stored.updated
            run.rejected += len(batch.failures) + stored.rejected
            if reasons and len(run.rejections) < MAX_REJECTIONS_KEPT:
                # A new list, so the JSON column sees the change.
                run.rejections = [*run.rejections, *reasons][:MAX_REJECTIONS_KEPT]
            session.commit()
        except BaseException:
            session.rollback()
            raise
        publication.announce_change(stored.author_changed)
        self.pages += 1

    def finish(
        self,
        status: str,
        *,
        error: str | None = None,
        rate_limited_until: datetime | None = None,
        source_status: str | None = None,
        source_message: str | None = None,
        next_run_at: datetime | None = None,
        source_update: bool = True,
    ) -> RunResult:
        """Close the run record, update the source and release the lease, in one commit."""
        session = self.session
        session.rollback()  # whatever the failed page had begun is not part of the run
        at = self.now()
        run = session.get(CollectorRun, self.run_id)
        assert run is not None
        run.status = status
        run.finished_at = at
        run.error = error[:4000] if error else None
        run.rate_limited_until = rate_limited_until
        if source_update:
            values: dict[str, Any] = {
                "last_run_at": at,
                "next_run_at": next_run_at or at + timedelta(seconds=self.schedule_seconds),
            }
            if source_status is not None:
                values["status"] = source_status
                values["status_message"] = source_message or error
            elif source_message is not None:
                values["status_message"] = source_message
            session.execute(
                update(Source)
                .where(Source.id == self.source_id, Source.lease_owner == self.owner)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        _release(session, self.source_id, self.owner)
        session.commit()
        return RunResult(
            status,
            run_id=run.id,
            pages=run.pages,
            new=run.new,
            updated=run.updated,
            rejected=run.rejected,
            error=run.error,
            rate_limited_until=rate_limited_until,
        )
