"""Helpers for contest tests on the database: a #NightmodeChallenge-style contest, posts, rights."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from contests.models import Contest
from contests.services import contests
from tests.rights.support import ADMIN, HASHTAG, NOW, ask, prepare, reply_to
from tests.test_ingest import make_post
from ugc_hub.domain.posts import NormalizedAuthor
from ugc_hub.models import Post, db
from ugc_hub.rights.services import permissions as rights
from ugc_hub.services.ingest import ingest_posts

TZ = "Europe/Paris"
OPENED = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
IN_WINDOW = datetime(2026, 11, 10, 18, 30, tzinfo=UTC)
MODEL_PATTERN = r"(iPhone\s?\d{1,2}(?:\s?Pro(?:\s?Max)?)?)"
RULES = "No purchase necessary. Open to residents of France aged 18 or more. Sponsor: Lumen Outdoor."
BOTH = "#NightmodeChallenge #ShotoniPhone"

__all__ = ["ADMIN", "HASHTAG", "NOW", "grant", "nightmode", "post"]


def settings(slug: str = "nightmode", **changes: Any) -> contests.ContestSettings:
    base = contests.ContestSettings(
        slug=slug,
        title="Night mode challenge",
        timezone=TZ,
        starts_local=datetime(2026, 11, 1, 0, 0),
        ends_local=datetime(2026, 11, 20, 0, 0),
        hashtags=("#NightmodeChallenge", "#ShotoniPhone"),
        fields=({"name": "model", "label": "Phone model", "pattern": MODEL_PATTERN},),
        min_age=18,
        countries=("FR",),
        prizes="A billboard and 500 EUR",
        winners=2,
        alternates=2,
    )
    return replace(base, **changes)


def staff_form(csrf_token: str, slug: str, title: str, **fields: str) -> dict[str, str]:
    """What a moderator posts on /staff/contests/new for a one-winner contest in 2030; ``fields`` add or change."""
    return {
        "csrf_token": csrf_token,
        "slug": slug,
        "title": title,
        "timezone": "UTC",
        "starts": "2030-01-01T00:00",
        "ends": "2030-02-01T00:00",
        "hashtags": "#night",
        "entries_per_person": "1",
        "winners": "1",
        "alternates": "0",
        "answer_days": "7",
        **fields,
    }


def nightmode(workspace_id: int, *, open_now: bool = True, **changes: Any) -> Contest:
    """A contest with rules version 1, opened on ``OPENED``; the workspace is ready to ask for rights."""
    prepare(workspace_id)
    contest = contests.create_contest(db.session, workspace_id=workspace_id, settings=settings(**changes), actor=ADMIN)
    contests.publish_rules(db.session, contest_id=contest.id, body=RULES, actor=ADMIN, now=OPENED)
    if open_now:
        contests.open_contest(db.session, contest_id=contest.id, actor=ADMIN, now=OPENED)
    return contest


def post(workspace_id: int, n: int, text: str, *, posted_at: datetime = IN_WINDOW, person: int | None = None) -> Post:
    """Ingest one Instagram post; ``person`` picks the author (defaults to one author per ``n``)."""
    who = n if person is None else person
    author = NormalizedAuthor(handle=f"night{who}", platform_user_id=str(5000 + who))
    ingest_posts(
        db.session,
        [make_post(n, text=text, posted_at=posted_at, author=author, platform_id=f"nm{n}")],
        workspace_id=workspace_id,
    )
    found = db.session.scalar(select(Post).where(Post.platform_id == f"nm{n}"))
    assert found is not None
    found.moderation_status = "approved"
    db.session.commit()
    return found


def grant(post_id: int, *, at: datetime = NOW) -> None:
    """Ask the author through the rights workflow, and let them answer with the approval hashtag."""
    request = ask(post_id, now=at)
    rights.record_reply(
        db.session, request.id, reply_to(request, f"Yes! {HASHTAG}", at=at + timedelta(minutes=5)), now=at
    )
