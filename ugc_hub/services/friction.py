"""Friction report: negative posts and NPS detractors' comments grouped into themes, with weekly volumes
and change against the previous period, plus the weekly share of negative posts and the mean sentiment
per source.

A post's or comment's themes are the aspects the embedding model stored for it
(``ugc_hub.services.aspects``); one the model found no aspect in or has not read yet is themed by
keywords (``ugc_hub.domain.friction``).
Keywords also make the themes readable: per language, the theme's matched keywords, then the most
frequent content words of its posts in which no keyword of the theme matched.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ugc_hub.domain.friction import DETRACTOR_MAX, content_words, match_themes, theme_table
from ugc_hub.models import NpsResponse, Post, PostSentiment, Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.services.aspects import stored_aspects, stored_comment_aspects

# Newest negative posts read per report: enough for weeks of a busy brand, bounded for the page.
MAX_NEGATIVE_POSTS = 20_000
NPS_PLATFORM = "nps"


@dataclass(frozen=True)
class Example:
    """A representative text of a theme: a post, or an NPS detractor's comment (``post_id`` None)."""

    post_id: int | None
    platform: str  # "nps" for a detractor's comment
    language: str | None
    posted_at: datetime
    score: float
    text: str
    response_id: int | None = None

    @property
    def from_nps(self) -> bool:
        return self.response_id is not None


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
    # Per platform, per week: mean sentiment score in [-1, 1], None for a week without scored posts.
    sentiment_by_source: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    detractor_comments: int = 0
    # Texts whose themes came from the embedding model's stored aspects, and from keywords.
    themed_by_model: int = 0
    themed_by_keywords: int = 0


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
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0] * weeks)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    labels = session.execute(
        select(Post.posted_at, Post.platform, PostSentiment.label, PostSentiment.score)
        .join(PostSentiment, PostSentiment.post_id == Post.id)
        .where(*in_window)
    )
    for posted_at, platform, label, score in labels:
        week = week_of(posted_at)
        scored[week] += 1
        negative[week] += label == "negative"
        sums[platform][week] += score
        counts[platform][week] += 1

    rows = session.execute(
        select(Post.id, Post.platform, Post.language, Post.posted_at, Post.title, Post.text, PostSentiment.score)
        .join(PostSentiment, PostSentiment.post_id == Post.id)
        .where(PostSentiment.label == "negative", *in_window)
        .order_by(Post.posted_at.desc(), Post.id.desc())
        .limit(MAX_NEGATIVE_POSTS)
    ).all()

    texts = [
        (f"{row.title}\n{row.text}" if row.title else row.text, row.language,
         Example(row.id, row.platform, row.language, row.posted_at, row.score, row.text))
        for row in rows
    ]  # fmt: skip
    detractors = _detractor_comments(session, start=start, end=end, workspace_id=workspace_id)
    texts.extend((example.text, example.language, example) for example in detractors)

    table = theme_table(extra_keywords)
    by_model = stored_aspects(session, [row.id for row in rows])
    by_model_comments = stored_comment_aspects(session, [example.response_id or 0 for example in detractors])
    brand_words = _brand_words(session, workspace_id)
    weekly: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    words: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    other_words: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    candidates: dict[str, list[tuple[float, int, float, Example]]] = defaultdict(list)
    unthemed = themed_by_model = themed_by_keywords = 0
    for text, language, example in texts:
        matched = {match.theme: set(match.words) for match in match_themes(text, themes=table)}
        if example.response_id is not None:
            stored = by_model_comments.get(example.response_id)
        else:
            stored = by_model.get(example.post_id) if example.post_id is not None else None
        # The model's aspects win; where it found none (or has not run), keywords may still name a theme:
        # on our labelled complaints this never lowered precision and the model misses a third of aspects.
        themes_of_text = list(stored) if stored else list(matched)
        themed_by_model += bool(stored)
        themed_by_keywords += not stored and bool(matched)
        if not themes_of_text:
            unthemed += 1
        for theme in themes_of_text:
            weekly[theme][week_of(example.posted_at)] += 1
            theme_words = matched.get(theme, set())
            # Each text counts a word once, so one rant does not make a keyword.
            if theme_words:
                words[theme][language or ""].update(theme_words)
            else:
                other_words[theme][language or ""].update(set(content_words(text, language, exclude=brand_words)))
            similarity = stored.get(theme, 0.0) if stored else 0.0
            candidates[theme].append((similarity, len(theme_words), example.score, example))

    themes = []
    for key, per_week in weekly.items():
        current = sum(per_week[weeks - period_weeks :])
        previous = sum(per_week[max(0, weeks - 2 * period_weeks) : weeks - period_weeks])
        # Representative: the texts the aspect model is surest are about the theme (it reads the
        # meaning, not the words), then those saying most of its keywords, then the most negative, the newest.
        ranked = sorted(candidates[key], key=lambda c: (-c[0], -c[1], c[2], -c[3].posted_at.timestamp()))
        themes.append(
            Theme(
                key=key,
                total=sum(per_week),
                current=current,
                previous=previous,
                weekly=tuple(per_week),
                keywords=_keywords(words[key], other_words[key], keywords),
                examples=_representatives([c[3] for c in ranked], examples),
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
        sentiment_by_source={
            platform: tuple(total / n if n else None for total, n in zip(sums[platform], counts[platform], strict=True))
            for platform in sorted(sums)
        },
        detractor_comments=len(detractors),
        themed_by_model=themed_by_model,
        themed_by_keywords=themed_by_keywords,
    )


def _keywords(
    matched: Mapping[str, Counter[str]], others: Mapping[str, Counter[str]], count: int
) -> dict[str, tuple[str, ...]]:
    """Per language: the most matched keywords, then the most frequent content words of the posts where
    none matched (a theme the model found in words no keyword list has)."""
    result = {}
    for language in sorted(set(matched) | set(others)):
        chosen = [word for word, _ in matched.get(language, Counter()).most_common(count)]
        # Ties broken alphabetically, so the dashboard does not reshuffle between identical reports.
        extra = sorted(others.get(language, Counter()).items(), key=lambda item: (-item[1], item[0]))
        chosen += [word for word, _ in extra if word not in chosen][: count - len(chosen)]
        if chosen:
            result[language] = tuple(chosen)
    return result


def _brand_words(session: DbSession, workspace_id: int | None) -> frozenset[str]:
    """The brand's own names and hashtags: frequent in every theme's posts, so never a theme's keyword."""
    stmt = select(Workspace.keywords, Workspace.hashtags, Workspace.name)
    if workspace_id is not None:
        stmt = stmt.where(Workspace.id == workspace_id)
    found: set[str] = set()
    for keywords, hashtags, name in session.execute(stmt):
        for term in [*(keywords or []), *(hashtags or []), name or ""]:
            found.update(str(term).casefold().lstrip("#").split())
    return frozenset(found)


def _representatives(ranked: list[Example], count: int) -> tuple[Example, ...]:
    """The best ``count`` examples, keeping a place for the best NPS comment when posts would crowd it out."""
    chosen = ranked[:count]
    if count > 0 and not any(example.from_nps for example in chosen):
        best_nps = next((example for example in ranked if example.from_nps), None)
        if best_nps is not None:
            chosen = [*chosen[: count - 1], best_nps]
    return tuple(chosen)


def _detractor_comments(
    session: DbSession, *, start: datetime, end: datetime, workspace_id: int | None
) -> list[Example]:
    """NPS detractors' comments in the window, as negative texts (score 0 → -1, 6 → about -0.14)."""
    where = [
        NpsResponse.score <= DETRACTOR_MAX,
        NpsResponse.comment != "",
        NpsResponse.responded_at >= start,
        NpsResponse.responded_at < end,
    ]
    if workspace_id is not None:
        where.append(NpsResponse.workspace_id == workspace_id)
    rows = session.execute(
        select(NpsResponse.id, NpsResponse.language, NpsResponse.responded_at, NpsResponse.score, NpsResponse.comment)
        .where(*where)
        .order_by(NpsResponse.responded_at.desc(), NpsResponse.id.desc())
        .limit(MAX_NEGATIVE_POSTS)
    )
    return [
        Example(
            None, NPS_PLATFORM, language, at, (score - DETRACTOR_MAX - 1) / (DETRACTOR_MAX + 1), comment, response_id
        )
        for response_id, language, at, score, comment in rows
    ]
