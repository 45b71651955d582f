"""Share of voice: per week, how many posts mention the brand's tracked terms versus each competitor's."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import select

from ugc_hub.models import Post, Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit

MAX_COMPETITORS = 10
MAX_TERMS = 30
MAX_POSTS = 200_000


class CompetitorError(ValueError):
    pass


@dataclass(frozen=True)
class ShareOfVoice:
    weeks: tuple[date, ...]  # Mondays, oldest first
    # Party name -> posts mentioning it per week; the brand first, then competitors in the order set.
    mentions: Mapping[str, tuple[int, ...]]
    brand: str

    def shares(self) -> dict[str, tuple[float, ...]]:
        """Per party, its percentage of all mentions each week (0 for a week without any)."""
        totals = [sum(counts[i] for counts in self.mentions.values()) for i in range(len(self.weeks))]
        return {
            name: tuple(100 * c / total if total else 0.0 for c, total in zip(counts, totals, strict=True))
            for name, counts in self.mentions.items()
        }


def parse_competitors(text: str) -> dict[str, list[str]]:
    """Read one competitor a line, ``Name: term, term`` (the name alone is its only term)."""
    competitors: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, _, terms = line.partition(":")
        name = name.strip()[:80]
        if not name:
            raise CompetitorError(f"line {number}: a competitor needs a name before the colon")
        found = [term.strip()[:80] for term in (terms.split(",") if terms else [name]) if term.strip()]
        if not found:
            raise CompetitorError(f"line {number}: give at least one term after the colon")
        competitors.setdefault(name, []).extend(found[:MAX_TERMS])
    if len(competitors) > MAX_COMPETITORS:
        raise CompetitorError(f"at most {MAX_COMPETITORS} competitors")
    return competitors


def format_competitors(competitors: Mapping[str, Sequence[str]]) -> str:
    return "\n".join(f"{name}: {', '.join(terms)}" for name, terms in competitors.items())


def set_competitors(
    session: DbSession, *, workspace_id: int, competitors: Mapping[str, Sequence[str]], actor: audit.Actor
) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise LookupError("no such workspace")
    before = dict(workspace.competitors or {})
    workspace.competitors = {name: list(terms) for name, terms in competitors.items()}
    audit.record(
        session, actor=actor, action="insights.competitors", object_type="workspace", object_id=workspace.id,
        before={"competitors": before}, after={"competitors": workspace.competitors},
    )  # fmt: skip
    session.commit()
    return workspace


def brand_terms(workspace: Workspace) -> list[str]:
    """What the brand tracks: its hashtags (with and without #), keywords and handles."""
    terms = [f"#{tag}" for tag in workspace.hashtags or ()] + list(workspace.keywords or ())
    terms += list(workspace.hashtags or ())
    terms += [f"@{handle.lstrip('@')}" for handle in (workspace.handles or {}).values() if handle]
    return [term for term in terms if term.strip()]


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words, case-insensitive: "Lumen" matches "lumen!" and "#lumen", not "illuminate"."""
    words = sorted({term.casefold().strip() for term in terms if term.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(word) for word in words) + r")(?![\w])")


def mentions(text: str, terms: Sequence[str]) -> bool:
    pattern = _pattern(tuple(terms))
    return pattern is not None and pattern.search(text.casefold()) is not None


def share_of_voice(session: DbSession, *, workspace: Workspace, today: date, weeks: int = 8) -> ShareOfVoice:
    """Count, per week, the workspace's posts that mention each party (a post may mention several)."""
    monday = today - timedelta(days=today.weekday())
    mondays = tuple(monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks))
    start = datetime.combine(mondays[0], time.min, UTC)
    end = datetime.combine(monday + timedelta(days=7), time.min, UTC)
    parties = {workspace.name: brand_terms(workspace)} | {
        name: list(terms) for name, terms in (workspace.competitors or {}).items() if name != workspace.name
    }
    counts = {name: [0] * weeks for name in parties}
    rows = session.execute(
        select(Post.posted_at, Post.title, Post.text)
        .where(Post.workspace_id == workspace.id, Post.posted_at >= start, Post.posted_at < end)
        .limit(MAX_POSTS)
    )
    for posted_at, title, text in rows:
        week = (posted_at.astimezone(UTC).date() - mondays[0]).days // 7
        body = f"{title}\n{text}" if title else text or ""
        for name, terms in parties.items():
            if mentions(body, terms):
                counts[name][week] += 1
    return ShareOfVoice(weeks=mondays, mentions={name: tuple(c) for name, c in counts.items()}, brand=workspace.name)
