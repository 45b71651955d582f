"""The milestone ladder rules (pure, no app)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Milestone, may_withdraw, milestones_crossed, progress

PUBLISHED = datetime(2026, 1, 1, tzinfo=UTC)


def test_lego_ladder_windows_start_when_the_previous_milestone_is_reached() -> None:
    assert progress(LEGO_LADDER, PUBLISHED, [], PUBLISHED).deadline == PUBLISHED + timedelta(days=60)
    first = PUBLISHED + timedelta(days=10)
    state = progress(LEGO_LADDER, PUBLISHED, [first], first)
    assert (state.status, state.next_target, state.deadline) == ("open", 1_000, first + timedelta(days=365))
    second = datetime(2026, 8, 31, tzinfo=UTC)
    assert progress(LEGO_LADDER, PUBLISHED, [first, second], second).deadline == datetime(2027, 2, 28, tzinfo=UTC)
    assert progress(LEGO_LADDER, PUBLISHED, [first, second, second, second], second).status == "qualified"


def test_missing_a_deadline_expires_and_a_late_support_crosses_nothing() -> None:
    deadline = PUBLISHED + timedelta(days=60)
    assert progress(LEGO_LADDER, PUBLISHED, [], deadline).status == "open"  # the deadline itself still counts
    assert progress(LEGO_LADDER, PUBLISHED, [], deadline + timedelta(seconds=1)).status == "expired"
    assert milestones_crossed(LEGO_LADDER, PUBLISHED, [], 100, deadline) == [deadline]
    assert milestones_crossed(LEGO_LADDER, PUBLISHED, [], 100, deadline + timedelta(seconds=1)) == []


def test_crossing_needs_the_target_and_can_cross_several_at_once() -> None:
    at = PUBLISHED + timedelta(days=1)
    assert milestones_crossed(LEGO_LADDER, PUBLISHED, [], 99, at) == []
    assert milestones_crossed(LEGO_LADDER, PUBLISHED, [], 5_000, at) == [at, at, at]


def test_supports_latch_once_the_next_milestone_is_reached() -> None:
    supported = PUBLISHED + timedelta(days=2)
    assert may_withdraw([], supported)
    assert not may_withdraw([PUBLISHED + timedelta(days=3)], supported)
    assert may_withdraw([PUBLISHED + timedelta(days=1)], supported)


@pytest.mark.parametrize(
    "milestones",
    [(), (Milestone(10, days=1), Milestone(5, days=1)), (Milestone(0, days=1),), (Milestone(5),)],
)
def test_invalid_ladders_are_refused(milestones: tuple[Milestone, ...]) -> None:
    with pytest.raises(ValueError):
        Ladder(milestones)


@given(st.lists(st.integers(min_value=0, max_value=200 * 24), min_size=1, max_size=300))
def test_milestones_are_recorded_once_in_order_whatever_the_support_times(hours: list[int]) -> None:
    """Replaying supports one by one records each milestone at most once, never after its deadline."""
    ladder = Ladder((Milestone(3, days=2), Milestone(6, days=3), Milestone(9, days=4)))
    reached: list[datetime] = []
    for count, hour in enumerate(sorted(hours), start=1):
        at = PUBLISHED + timedelta(hours=hour)
        if progress(ladder, PUBLISHED, reached, at).status == "expired":
            break
        reached = milestones_crossed(ladder, PUBLISHED, reached, count, at)
    assert reached == sorted(reached)
    assert len(reached) <= 3
    start = PUBLISHED
    for milestone, when in zip(ladder.milestones, reached, strict=False):
        assert when <= milestone.deadline_from(start)
        start = when
