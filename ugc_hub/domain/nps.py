"""Net Promoter Score: categories, the score with its confidence interval, trends by period, and the
rules a response imported from another tool must follow.

Pure rules (no Flask, no database). The interval is explained in docs/nps.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PERIODS = ("week", "month")
MAX_COMMENT = 5000
# 1.96: the two-sided 95 % quantile of the normal distribution.
Z_95 = 1.959963984540054


def category(score: int) -> str:
    """Say whether a 0–10 answer is a promoter (9–10), a passive (7–8) or a detractor (0–6)."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS answer is between 0 and 10, not {score}")
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


@dataclass(frozen=True)
class NpsSummary:
    """NPS of a set of answers, in points (−100 to 100), with its 95 % confidence interval."""

    promoters: int
    passives: int
    detractors: int
    nps: float
    low: float
    high: float

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors


def summarise(promoters: int, passives: int, detractors: int, *, z: float = Z_95) -> NpsSummary | None:
    """NPS = %promoters − %detractors, with a normal-approximation interval; None without any answer.

    Each respondent scores +1 (promoter), 0 (passive) or −1 (detractor); NPS is 100 times the mean.
    The interval is mean ± z·sqrt(variance / n), the variance p + d − (p − d)² of that score taken
    with one pseudo-respondent added to each category, so unanimous answers still get a width.
    """
    n = promoters + passives + detractors
    if n == 0:
        return None
    estimate = (promoters - detractors) / n
    p = (promoters + 1) / (n + 3)
    d = (detractors + 1) / (n + 3)
    margin = z * math.sqrt((p + d - (p - d) ** 2) / n)
    return NpsSummary(
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        nps=100 * estimate,
        low=100 * max(-1.0, estimate - margin),
        high=100 * min(1.0, estimate + margin),
    )


def summarise_scores(scores: Iterable[int]) -> NpsSummary | None:
    """Summarise raw 0–10 answers."""
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in scores:
        counts[category(score)] += 1
    return summarise(counts["promoter"], counts["passive"], counts["detractor"])


def period_start(day: date, period: str) -> date:
    """The Monday of ``day``'s week, or the first day of its month."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"period is one of {', '.join(PERIODS)}")


@dataclass(frozen=True)
class PeriodNps:
    start: date
    summary: NpsSummary | None  # None for a period without answers


def trend(answers: Iterable[tuple[datetime, int]], *, period: str, first: date, last: date) -> tuple[PeriodNps, ...]:
    """NPS per period from ``first``'s period to ``last``'s, empty periods included, oldest first."""
    buckets: dict[date, list[int]] = {}
    for at, score in answers:
        buckets.setdefault(period_start(at.astimezone(UTC).date(), period), []).append(score)
    starts = []
    current = period_start(first, period)
    end = period_start(last, period)
    while current <= end:
        starts.append(current)
        current = current + timedelta(days=7) if period == "week" else _next_month(current)
    return tuple(PeriodNps(start, summarise_scores(buckets.get(start, ()))) for start in starts)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class ImportedAnswer:
    """One valid row of an imported CSV."""

    score: int
    responded_at: datetime
    comment: str
    respondent: str
    external_id: str


class AnswerError(ValueError):
    """A row that cannot become a response; the message says why."""


def parse_answer(row: Mapping[str, str | None]) -> ImportedAnswer:
    """Check one CSV row (columns in docs/nps.md) and convert it, or raise AnswerError."""
    raw_score = (row.get("score") or "").strip()
    if not raw_score:
        raise AnswerError("score is required")
    try:
        score = int(raw_score)
    except ValueError:
        raise AnswerError(f"score must be a whole number from 0 to 10, not {raw_score[:20]!r}") from None
    if not 0 <= score <= 10:
        raise AnswerError(f"score must be from 0 to 10, not {score}")
    raw_date = (row.get("responded_at") or "").strip()
    if not raw_date:
        raise AnswerError("responded_at is required")
    try:
        responded_at = datetime.fromisoformat(raw_date.replace("Z", "+00:00"))
    except ValueError:
        raise AnswerError(f"responded_at {raw_date[:40]!r} is not an ISO 8601 date or date-time") from None
    if responded_at.tzinfo is None:
        responded_at = responded_at.replace(tzinfo=UTC)  # no offset: UTC, as documented
    try:
        responded_at = responded_at.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is after the last date-time there is
        raise AnswerError(f"responded_at {raw_date[:40]!r} is out of range") from None
    comment = (row.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        raise AnswerError(f"comment is longer than {MAX_COMMENT} characters")
    for name in ("comment", "respondent", "id"):
        if "\x00" in (row.get(name) or ""):
            # PostgreSQL stores no NUL in text; a NUL is never part of a real answer.
            raise AnswerError(f"{name} contains a NUL character")
    return ImportedAnswer(
        score=score,
        responded_at=responded_at,
        comment=comment,
        respondent=(row.get("respondent") or "").strip()[:320],
        external_id=(row.get("id") or "").strip()[:200],
    )
