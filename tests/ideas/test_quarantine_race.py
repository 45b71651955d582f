"""Releasing quarantined supports while customers keep supporting the same idea, on a real PostgreSQL server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from tests.ideas.helpers import own_postgres_database, plain_workspace
from tests.ideas.test_supports import PUBLISHED, setup_idea
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models.ideas import Idea, IdeaMilestone, Support
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas_integrity import RateRule
from ugc_hub.services.ideas_quarantine import ReviewResult, quarantine_buckets, release_supports
from ugc_hub.services.supports import SupportResult, cast_support

AT = PUBLISHED + timedelta(days=1)
ONE_PER_MINUTE = (RateRule("ip", "burst", 1, 60),)
SET_ASIDE = 10  # one support counted, then ten quarantined from the same address
CASTERS = 16
RELEASERS = 2  # two moderators release the same group at once
FINAL = 1 + SET_ASIDE + CASTERS


@pytest.fixture
def engine(postgres_server: Any, postgres_template: str, instance: Any) -> Iterator[Engine]:
    with own_postgres_database(
        postgres_server, postgres_template, pool_size=CASTERS + RELEASERS + 2, max_overflow=0
    ) as engine:
        yield engine


def _quarantined_idea(engine: Engine, ladder: Ladder) -> tuple[int, list[int]]:
    """An idea with one counted and ``SET_ASIDE`` quarantined supports, and ``CASTERS`` people yet to support it."""
    with Session(engine) as session:
        idea_id, (_author, *people) = setup_idea(session, plain_workspace(session), 1 + SET_ASIDE + CASTERS, ladder)
        burst = [
            cast_support(session, idea_id=idea_id, customer_id=person, ip="203.0.113.9", now=AT, rules=ONE_PER_MINUTE)
            for person in people[: 1 + SET_ASIDE]
        ]
        assert [r.status for r in burst] == ["counted"] * (1 + SET_ASIDE)  # the client is never told
        assert session.scalar(select(Idea.supporters).where(Idea.id == idea_id)) == 1
    return idea_id, people[1 + SET_ASIDE :]


class Race:
    """Customers supporting an idea and two moderators releasing its quarantined group, each in its own thread
    and session; what each got back, and any exception."""

    def __init__(self, engine: Engine, idea_id: int, casters: list[int], start: threading.Barrier | None) -> None:
        self.engine, self.idea_id, self.start = engine, idea_id, start
        with Session(engine) as session:
            (self.bucket,) = quarantine_buckets(session, idea_id=idea_id)
        assert self.bucket.supports == SET_ASIDE
        self.supports: list[SupportResult] = []
        self.releases: list[ReviewResult] = []
        self.errors: list[BaseException] = []
        self.casters = [threading.Thread(target=self._cast, args=(p,)) for p in casters]
        self.releasers = [threading.Thread(target=self._release) for _ in range(RELEASERS)]

    def _session(self) -> Session:
        session = Session(self.engine)
        if self.start is not None:
            self.start.wait()
        return session

    def _cast(self, person: int) -> None:
        try:
            with self._session() as session:
                self.supports.append(cast_support(session, idea_id=self.idea_id, customer_id=person, now=AT))
        except BaseException as exc:  # collected and asserted below
            self.errors.append(exc)

    def _release(self) -> None:
        try:
            with self._session() as session:
                result = release_supports(session, idea_id=self.idea_id, buckets=[self.bucket.key], actor=CLI, now=AT)
                self.releases.append(result)
        except BaseException as exc:  # collected and asserted below
            self.errors.append(exc)

    def join(self) -> None:
        for thread in self.casters + self.releasers:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.casters + self.releasers)
        assert self.errors == []

    def check(self, first: int) -> None:
        """Every support and every released one counted once, the counter equal to the counted rows, each
        milestone recorded once (and reported once, to e-mail the author once)."""
        assert [r.status for r in self.supports] == ["counted"] * CASTERS
        assert sorted(r.supports for r in self.releases) == [0, SET_ASIDE]  # one released them, the other none
        crossed = [t for r in self.supports for t in r.targets] + [t for r in self.releases for t in r.targets]
        assert sorted(crossed) == [first, FINAL]
        with Session(self.engine) as session:
            counted = session.scalar(
                select(func.count())
                .select_from(Support)
                .where(Support.idea_id == self.idea_id, Support.state == "counted")
            )
            assert counted == FINAL
            assert session.scalar(select(Idea.supporters).where(Idea.id == self.idea_id)) == FINAL
            assert session.scalar(select(func.count()).select_from(Support).where(Support.state != "counted")) == 0
            milestones = session.execute(
                select(IdeaMilestone.position, IdeaMilestone.supporters)
                .where(IdeaMilestone.idea_id == self.idea_id)
                .order_by(IdeaMilestone.position)
            ).all()
            assert [tuple(m) for m in milestones] == [(0, first), (1, FINAL)]


def _ladder(first: int) -> Ladder:
    return Ladder((Milestone(first, days=30), Milestone(FINAL, days=30), Milestone(1000, days=30)))


@pytest.mark.postgres
@pytest.mark.parametrize("first", [5, 12, 20])
def test_a_release_racing_new_supports_counts_everyone_once_and_each_milestone_once(engine: Engine, first: int) -> None:
    """All threads start together. Depending on the order the lock is granted, the release or one of the
    supports crosses the first milestone; the second (at the final count) is crossed by whichever comes last."""
    idea_id, casters = _quarantined_idea(engine, _ladder(first))
    race = Race(engine, idea_id, casters, threading.Barrier(CASTERS + RELEASERS))
    for thread in race.casters + race.releasers:
        thread.start()
    race.join()
    race.check(first)


def _wait_until_blocked(engine: Engine, sessions: int) -> None:
    """Until ``sessions`` backends of this database wait for a lock (synchronisation, not a timing assertion)."""
    deadline = time.monotonic() + 60
    with engine.connect() as connection:
        while True:
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting == sessions:
                return
            assert time.monotonic() < deadline, f"{waiting} sessions wait for a lock, expected {sessions}"
            # A transaction sees pg_stat_activity as it was at its first read: end it, or the count never moves.
            connection.rollback()
            time.sleep(0.01)


@pytest.mark.postgres
@pytest.mark.parametrize(("ahead", "first"), [(4, 5), (8, 12)])
def test_a_release_queued_behind_supports_that_cross_a_milestone(engine: Engine, ahead: int, first: int) -> None:
    """The idea's row is held while ``ahead`` supports, then both releases, then the other supports queue for
    it, so the release takes the lock right after supports that (4, 5) recorded the first milestone or (8, 12)
    brought the count just under it. PostgreSQL grants a row's waiters in about the order they came; the
    checks hold whatever the order."""
    idea_id, casters = _quarantined_idea(engine, _ladder(first))
    race = Race(engine, idea_id, casters, None)
    with Session(engine) as holder:
        holder.execute(select(Idea.id).where(Idea.id == idea_id).with_for_update())
        queue = race.casters[:ahead] + race.releasers + race.casters[ahead:]
        for waiting, thread in enumerate(queue, start=1):
            thread.start()
            _wait_until_blocked(engine, waiting)
        holder.commit()
    race.join()
    race.check(first)
