"""Friction report: negative posts grouped into themes, with weekly volumes and change against the
previous period, plus the weekly share of negative posts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ugc_hub.domain.friction import match_themes, theme_table
from ugc_hub.models import Post, PostSentiment
from ugc_hub.models.base import DbSession

# Newest negative posts read per report: enough for weeks of a busy brand, bounded for the page.
MAX_NEGATIVE_POSTS = 20_000


@dataclass(frozen=True)
class Example:
    """A representative post of a theme."""

    post_id: int
    platform: str
    language: str | None
    posted_at: datetime
    score: float
    text: str


@dataclass(frozen=True)
class Theme:
    """One friction theme over the report's weeks."""

    key: str
    total: int
    current: int
    previous: int
    weekly: tuple[int, ...]
    # Most frequent matched words, by post language ("en", "fr", or "" when unknown).
    keywords: Mapping[str, tuple[str, ...]]
    examples: tuple[Example, ...]

    @property
    def change(self) -> float | None:
        """Relative change of the current period against the previous one; None when that was empty."""
        return (self.current - self.previous) / self.previous if self.previous else None

    def growing(self, rate: float, minimum: int) -> bool:
        """Say whether the theme grew by more than ``rate`` (0.5 = +50 %), or appeared, with ``minimum`` posts."""
        if self.current < minimum:
            return False
        return self.change is None or self.change > rate


@dataclass(frozen=True)
class FrictionReport:
    weeks: tuple[date, ...]  # Mondays, oldest first
    period_weeks: int
    negative_posts: int
    unthemed: int
    themes: tuple[Theme, ...]  # most mentioned in the current period first
    # Per week: (scored posts, negative posts).
    weekly_sentiment: tuple[tuple[int, int], ...]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def friction_report(
    session: DbSession,
    *,
    today: date,
    weeks: int = 8,
    period_weeks: int = 4,
    examples: int = 3,
    keywords: int = 6,
    workspace_id: int | None = None,
    extra_keywords: Mapping[str, Sequence[str]] | None = None,
) -> FrictionReport:
    """Build the report for the ``weeks`` weeks ending with ``today``'s week (Monday to Sunday, UTC)."""
    period_weeks = max(1, min(period_weeks, weeks // 2 or 1))
    mondays = tuple(_monday(today) - timedelta(weeks=weeks - 1 - i) for i in range(weeks))
    start = datetime.combine(mondays[0], time.min, UTC)
    end = datetime.combine(mondays[-1] + timedelta(days=7), time.min, UTC)

    def week_of(at: datetime) -> int:
        return (at.astimezone(UTC).date() - mondays[0]).days // 7

    in_window = [Post.posted_at >= start, Post.posted_at < end]
    if workspace_id is not None:
        in_window.append(Post.workspace_id == workspace_id)

    scored = [0] * weeks
    negative = [0] * weeks
    labels = session.execute(
        select(Post.posted_at, PostSentiment.label)
        .join(PostSentiment, PostSentiment.post_id == Post.id)
        .where(*in_window)
    )
    for posted_at, label in labels:
        week = week_of(posted_at)
        scored[week] += 1
        negative[week] += label == "negative"

    rows = session.execute(
        select(Post.id, Post.platform, Post.language, Post.posted_at, Post.title, Post.text, PostSentiment.score)
        .join(PostSentiment, PostSentiment.post_id == Post.id)
        .where(PostSentiment.label == "negative", *in_window)
        .order_by(Post.posted_at.desc(), Post.id.desc())
        .limit(MAX_NEGATIVE_POSTS)
    ).all()

    table = theme_table(extra_keywords)
    weekly: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    words: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    candidates: dict[str, list[tuple[int, float, Example]]] = defaultdict(list)
    unthemed = 0
    for row in rows:
        text = f"{row.title}\n{row.text}" if row.title else row.text
        matches = match_themes(text, themes=table)
        if not matches:
            unthemed += 1
        example = Example(row.id, row.platform, row.language, row.posted_at, row.score, row.text)
        for match in matches:
            weekly[match.theme][week_of(row.posted_at)] += 1
            # Each post counts a word once, so one rant does not make a keyword.
            words[match.theme][row.language or ""].update(set(match.words))
            candidates[match.theme].append((len(set(match.words)), row.score, example))

    themes = []
    for key, counts in weekly.items():
        current = sum(counts[weeks - period_weeks :])
        previous = sum(counts[max(0, weeks - 2 * period_weeks) : weeks - period_weeks])
        # Representative: the posts that say most about the theme, then the most negative, then newest.
        ranked = sorted(candidates[key], key=lambda c: (-c[0], c[1], -c[2].posted_at.timestamp()))
        themes.append(
            Theme(
                key=key,
                total=sum(counts),
                current=current,
                previous=previous,
                weekly=tuple(counts),
                keywords={
                    language: tuple(word for word, _ in counter.most_common(keywords))
                    for language, counter in sorted(words[key].items())
                },
                examples=tuple(c[2] for c in ranked[:examples]),
            )
        )
    themes.sort(key=lambda theme: (-theme.current, -theme.total, theme.key))
    return FrictionReport(
        weeks=mondays,
        period_weeks=period_weeks,
        negative_posts=len(rows),
        unthemed=unthemed,
        themes=tuple(themes),
        weekly_sentiment=tuple(zip(scored, negative, strict=True)),
    )
