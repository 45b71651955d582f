"""Supporter milestone ladders (LEGO Ideas style): pure rules, no clock and no database.

Each milestone has a target and a window; the window of milestone *n* starts when milestone *n − 1* was
reached (the first one at publication), so reaching a milestone early never shortens the next window.
A support counts towards a milestone only if it arrives at or before that milestone's deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Milestone:
    supporters: int
    days: int = 0
    months: int = 0

    def deadline_from(self, start: datetime) -> datetime:
        """Calendar arithmetic: "six months" from 31 August is 28 or 29 February."""
        return start + relativedelta(days=self.days, months=self.months)


@dataclass(frozen=True)
class Ladder:
    milestones: tuple[Milestone, ...]

    def __post_init__(self) -> None:
        targets = [m.supporters for m in self.milestones]
        if not targets or targets != sorted(set(targets)) or targets[0] < 1:
            raise ValueError("a ladder needs increasing positive supporter targets")
        if any(m.days < 0 or m.months < 0 or (m.days == 0 and m.months == 0) for m in self.milestones):
            raise ValueError("every milestone needs a positive window")


# LEGO Ideas: 100 within 60 days, then +365 days to 1,000, then +6 months to 5,000, then +6 months to 10,000.
LEGO_LADDER = Ladder(
    (
        Milestone(100, days=60),
        Milestone(1_000, days=365),
        Milestone(5_000, months=6),
        Milestone(10_000, months=6),
    )
)


@dataclass(frozen=True)
class Progress:
    """Where an idea stands: ``status`` is ``open``, ``expired`` or ``qualified``."""

    status: str
    reached: int
    next_target: int | None
    deadline: datetime | None


def deadline_of(ladder: Ladder, published_at: datetime, reached_at: Sequence[datetime]) -> datetime | None:
    """The deadline of the next milestone, or None once every milestone is reached."""
    index = len(reached_at)
    if index >= len(ladder.milestones):
        return None
    start = reached_at[-1] if reached_at else published_at
    return ladder.milestones[index].deadline_from(start)


def progress(ladder: Ladder, published_at: datetime, reached_at: Sequence[datetime], now: datetime) -> Progress:
    """The idea's standing at ``now`` from its publication and the times its milestones were reached."""
    index = len(reached_at)
    if index >= len(ladder.milestones):
        return Progress("qualified", index, None, None)
    deadline = deadline_of(ladder, published_at, reached_at)
    status = "expired" if deadline is not None and now > deadline else "open"
    return Progress(status, index, ladder.milestones[index].supporters, deadline)


def milestones_crossed(
    ladder: Ladder, published_at: datetime, reached_at: Sequence[datetime], supporters: int, at: datetime
) -> list[datetime]:
    """The reached times after a support that brings the count to ``supporters`` at ``at``.

    Returns the new full list; several milestones may be crossed at once (e.g. after a recount that
    re-validates quarantined supports), each recorded at ``at``. A support after the deadline of the
    next milestone crosses nothing: the idea expired before it arrived.
    """
    reached = list(reached_at)
    while len(reached) < len(ladder.milestones):
        deadline = deadline_of(ladder, published_at, reached)
        target = ladder.milestones[len(reached)].supporters
        if deadline is None or at > deadline or supporters < target:
            break
        reached.append(at)
    return reached


def may_withdraw(reached_at: Sequence[datetime], supported_at: datetime) -> bool:
    """A support can be withdrawn until the next milestone is reached; after that it is latched."""
    return not any(time >= supported_at for time in reached_at)
