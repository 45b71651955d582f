"""NPS rules without the app: categories, the score and its interval, trends, CSV rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ugc_hub.domain.nps import AnswerError, category, parse_answer, period_start, summarise, summarise_scores, trend


def test_categories_follow_the_nps_bands() -> None:
    assert [category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter",
    ]  # fmt: skip
    for wrong in (-1, 11):
        with pytest.raises(ValueError, match="between 0 and 10"):
            category(wrong)


def test_score_and_interval_match_hand_computed_values() -> None:
    # 5 promoters, 3 passives, 2 detractors: NPS = 50 % - 20 % = 30.
    # With one pseudo-respondent per category: p = 6/13, d = 3/13,
    # variance = p + d - (p - d)^2 = 9/13 - 9/169 = 108/169 = 0.63905;
    # margin = 1.96 * sqrt(0.63905 / 10) = 0.49547, so 30 -/+ 49.55.
    summary = summarise(5, 3, 2)
    assert summary is not None
    assert summary.nps == pytest.approx(30)
    assert summary.low == pytest.approx(-19.547, abs=1e-3)
    assert summary.high == pytest.approx(79.547, abs=1e-3)
    assert summary.responses == 10
    # A single promoter: NPS 100; p = 2/4, d = 1/4, variance 0.6875, margin 1.96 * 0.829 = 1.625,
    # so the interval is clipped above at 100 and reaches 100 - 162.5 = -62.5 below.
    one = summarise(1, 0, 0)
    assert one is not None and (one.nps, one.high) == (100, 100)
    assert one.low == pytest.approx(-62.51, abs=0.01)
    assert summarise(0, 0, 0) is None
    assert summarise_scores([10, 9, 8, 7, 6, 0]) == summarise(2, 2, 2)


@given(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000))
def test_nps_is_bounded_and_inside_its_interval(promoters: int, passives: int, detractors: int) -> None:
    summary = summarise(promoters, passives, detractors)
    if promoters + passives + detractors == 0:
        assert summary is None
        return
    assert summary is not None
    assert -100 <= summary.low <= summary.nps <= summary.high <= 100
    assert summary.high > summary.low  # never a zero-width interval, even when everyone agrees


@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_nps_of_raw_scores_is_the_difference_of_percentages(scores: list[int]) -> None:
    summary = summarise_scores(scores)
    assert summary is not None
    expected = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    assert summary.nps == pytest.approx(expected)


def test_trend_buckets_by_week_and_month_including_empty_periods() -> None:
    answers = [
        (datetime(2026, 10, 5, 9, tzinfo=UTC), 10),  # Monday
        (datetime(2026, 10, 11, 23, tzinfo=UTC), 0),  # Sunday, same week
        (datetime(2026, 10, 26, 12, tzinfo=UTC), 9),
        (datetime(2026, 11, 2, 12, tzinfo=UTC), 3),
    ]
    weekly = trend(answers, period="week", first=date(2026, 10, 7), last=date(2026, 11, 4))
    assert [p.start for p in weekly] == [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19),
                                         date(2026, 10, 26), date(2026, 11, 2)]  # fmt: skip
    assert [p.summary.nps if p.summary else None for p in weekly] == [0, None, None, 100, -100]
    monthly = trend(answers, period="month", first=date(2026, 10, 1), last=date(2026, 12, 31))
    assert [p.start for p in monthly] == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert monthly[0].summary is not None and monthly[0].summary.nps == pytest.approx(100 / 3)
    assert period_start(date(2026, 12, 31), "month") == date(2026, 12, 1)
    assert trend([], period="month", first=date(2026, 12, 5), last=date(2027, 1, 5))[-1].start == date(2027, 1, 1)


def test_csv_rows_are_checked_with_clear_reasons() -> None:
    good = parse_answer({"score": " 7 ", "responded_at": "2026-11-02", "comment": " ok ", "id": "r1"})
    assert (good.score, good.comment, good.external_id) == (7, "ok", "r1")
    assert good.responded_at == datetime(2026, 11, 2, tzinfo=UTC)
    offset = parse_answer({"score": "0", "responded_at": "2026-11-02T10:00:00+02:00"})
    assert offset.responded_at == datetime(2026, 11, 2, 8, tzinfo=UTC)
    for row, reason in [
        ({"responded_at": "2026-11-02"}, "score is required"),
        ({"score": "eleven", "responded_at": "2026-11-02"}, "whole number"),
        ({"score": "11", "responded_at": "2026-11-02"}, "from 0 to 10"),
        ({"score": "5"}, "responded_at is required"),
        ({"score": "5", "responded_at": "yesterday"}, "not an ISO 8601"),
        ({"score": "5", "responded_at": "2026-11-02", "comment": "x" * 5001}, "longer than"),
    ]:
        with pytest.raises(AnswerError, match=reason):
            parse_answer(row)
