"""One bad item never stops a source: it is quarantined with its reason and the run goes on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from collectors.reddit.search import RedditSearchCollector
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from ugc_hub.models import CollectorRun, Post, Source, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.collection import RetryLater, collect_source
from ugc_hub.services.sources import create_source

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def add_source(workspace: Any, fake: FakeReddit, **settings: Any) -> int:
    source = create_source(
        db.session,
        workspace_id=workspace.id,
        kind="reddit.search",
        name="acme",
        settings=reddit_settings(fake, **settings),
        actor=CLI,
        schedule_seconds=600,
    )
    return int(source.id)


def stored_ids() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Post.platform_id)))


def test_a_lone_surrogate_in_a_reddit_title_is_quarantined_and_newer_posts_still_come(app: Any, workspace: Any) -> None:
    with FakeReddit(total=15, comments_every=0, titles={7: "Broken emoji \ud83d in a title"}) as fake:
        source_id = add_source(workspace, fake, page_size=5)
        first = collect_source(db.session, source_id, now=lambda: START)
        assert (first.status, first.new, first.rejected) == ("succeeded", 14, 1)
        assert fake.submission_fullname(7) not in stored_ids()
        [run] = db.session.scalars(select(CollectorRun).where(CollectorRun.source_id == source_id)).all()
        [rejection] = run.rejections
        assert rejection["platform_id"] == fake.submission_fullname(7)
        assert "title contains a character that cannot be stored (a lone UTF-16 surrogate)" in rejection["reason"]
        cursor = db.session.get(Source, source_id).cursor
        assert cursor is not None and cursor["run"] is None  # the run ended: the cursor moved past the page

        fake.add_submissions(3)
        later = collect_source(db.session, source_id, now=lambda: START + timedelta(minutes=10))
        assert (later.status, later.new, later.rejected) == ("succeeded", 3, 0)
        assert {fake.submission_fullname(i) for i in (15, 16, 17)} <= stored_ids()


def test_the_mapped_post_keeps_the_surrogate_so_the_gate_sees_it() -> None:
    """The plugin hands the text over as the platform gave it: quarantine is ingestion's decision."""
    with FakeReddit(total=3, comments_every=0, titles={1: "a \udc00 b"}) as fake:
        plugin = RedditSearchCollector()
        items = [item for page in plugin.fetch(reddit_settings(fake), None) for item in page.items]
    [post] = [p for p in plugin.map_items(items).posts if p.platform_id == fake.submission_fullname(1)]
    assert post.title == "a \udc00 b"


STATUS = re.compile(r'<span class="status status-[a-z_]+">([^<]*)</span>')


@pytest.mark.parametrize("page", ["/sources/", "/sources/{id}"])
def test_a_source_whose_runs_keep_failing_is_not_shown_as_active(
    client: Any, auth: Any, workspace: Any, page: str
) -> None:
    auth.as_role("viewer")
    with FakeReddit(total=5, comments_every=0) as fake:
        source_id = add_source(workspace, fake)
        for minutes in (0, 10):
            fake.add_fault("500", path="/search/")
            with pytest.raises(RetryLater):
                collect_source(db.session, source_id, now=lambda minutes=minutes: START + timedelta(minutes=minutes))
    assert db.session.get(Source, source_id).status == "active"  # the scheduler keeps retrying it
    html = client.get(page.format(id=source_id)).text
    assert STATUS.findall(html)[0] == "failing"
    assert "active" not in STATUS.findall(html)


def test_one_failed_run_among_successes_does_not_say_failing(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("viewer")
    with FakeReddit(total=5, comments_every=0) as fake:
        source_id = add_source(workspace, fake)
        for minutes, fails in ((0, True), (10, False), (20, True)):
            at = START + timedelta(minutes=minutes)
            if fails:
                fake.add_fault("500", path="/search/")
                with pytest.raises(RetryLater):
                    collect_source(db.session, source_id, now=lambda at=at: at)
            else:
                assert collect_source(db.session, source_id, now=lambda at=at: at).status == "succeeded"
    assert STATUS.findall(client.get(f"/sources/{source_id}").text)[0] == "active"
