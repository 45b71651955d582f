"""The collection runner on SQLite and PostgreSQL: real plugins against the fakes, faults included."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from flask import Flask
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from collectors.base import Collector, Page, RawItem
from collectors.errors import TransientError
from collectors.registry import Registry
from tests.fakes.harness import instagram_settings, reddit_settings
from tests.fakes.instagram import FakeInstagram
from tests.fakes.reddit import FakeReddit
from ugc_hub.domain.posts import NormalizedPost
from ugc_hub.models import AccountLease, CollectorRun, Post, Source, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.collection import (
    RetryLater,
    acquire_account_slot,
    acquire_lease,
    backoff_seconds,
    collect_source,
    due_sources,
)
from ugc_hub.services.sources import SourceError, create_source, find_source, source_health


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reddit() -> Iterator[FakeReddit]:
    with FakeReddit(total=45, comments_every=0) as fake:
        yield fake


def add_source(workspace: Any, kind: str, settings: dict[str, Any], name: str = "src") -> int:
    source = create_source(
        db.session, workspace_id=workspace.id, kind=kind, name=name, settings=settings, actor=CLI, schedule_seconds=600
    )
    return int(source.id)


def post_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Post)) or 0)


def runs(source_id: int) -> list[CollectorRun]:
    db.session.rollback()
    return list(
        db.session.scalars(select(CollectorRun).where(CollectorRun.source_id == source_id).order_by(CollectorRun.id))
    )


def source(source_id: int) -> Source:
    db.session.rollback()
    found = db.session.get(Source, source_id)
    assert found is not None
    return found


def test_a_run_stores_every_page_moves_the_cursor_and_schedules_the_next(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit, page_size=10))
    result = collect_source(db.session, source_id, now=clock)
    assert (result.status, result.pages, result.new, result.updated, result.rejected) == ("succeeded", 5, 45, 0, 0)
    assert post_count() == 45
    stored = source(source_id)
    assert stored.cursor is not None and stored.cursor["run"] is None
    assert stored.next_run_at == clock.at + timedelta(seconds=600) and stored.status == "active"
    assert stored.lease_owner is None and stored.lease_expires_at is None
    [run] = runs(source_id)
    assert (run.status, run.pages, run.new, run.finished_at, run.trigger) == ("succeeded", 5, 45, clock.at, "manual")
    assert due_sources(db.session, clock.at) == []
    assert due_sources(db.session, clock.at + timedelta(seconds=600)) == [source_id]
    reddit.add_submissions(3)
    again = collect_source(db.session, source_id, now=clock)
    assert (again.new, again.updated) == (3, 0)  # incremental: only what is new, nothing fetched twice


def test_429_with_retry_after_marks_the_run_and_the_source_rate_limited(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit, page_size=10))
    reddit.add_fault("429", path="/search/", retry_after=42, after=2)
    with pytest.raises(RetryLater) as caught:
        collect_source(db.session, source_id, now=clock)
    assert caught.value.retry_after == 42
    assert caught.value.result.status == "rate_limited" and caught.value.result.pages == 2
    until = clock.at + timedelta(seconds=42)
    [run] = runs(source_id)
    assert (run.status, run.rate_limited_until, run.pages, run.new) == ("rate_limited", until, 2, 20)
    assert "429" in (run.error or "")
    stored = source(source_id)
    assert stored.status == "rate_limited" and "Rate limited until" in (stored.status_message or "")
    assert stored.next_run_at == until and stored.lease_owner is None
    assert due_sources(db.session, until - timedelta(seconds=1)) == []
    clock.at = until
    assert due_sources(db.session, clock.at) == [source_id]
    resumed = collect_source(db.session, source_id, now=clock, only_if_due=True, trigger="schedule")
    assert (resumed.status, resumed.new, resumed.updated) == ("succeeded", 25, 0)
    assert source(source_id).status == "active" and post_count() == 45


def test_5xx_records_the_error_then_the_retry_resumes_without_storing_anything_twice(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit, page_size=10))
    reddit.add_fault("500", path="/search/", after=3)
    with pytest.raises(RetryLater) as caught:
        collect_source(db.session, source_id, now=clock)
    assert caught.value.retry_after is None  # the task backs off on its own
    assert post_count() == 30
    first = runs(source_id)[0]
    assert first.status == "error" and "500" in (first.error or "")
    stored = source(source_id)
    assert stored.status == "active" and "Temporary failure" in (stored.status_message or "")
    assert stored.cursor is not None and stored.cursor["run"] is not None  # mid-run: resume here
    resumed = collect_source(db.session, source_id, now=clock)
    assert (resumed.status, resumed.new, resumed.updated) == ("succeeded", 15, 0)
    assert post_count() == 45
    assert source(source_id).status_message is None


def test_a_changed_json_shape_is_rejected_with_its_reason_and_the_rest_is_stored(
    app: Flask, workspace: Any, clock: Clock
):
    with FakeReddit(total=15, comments_every=0, changed_shape=frozenset({12})) as fake:
        source_id = add_source(workspace, "reddit.search", reddit_settings(fake))
        result = collect_source(db.session, source_id, now=clock)
        broken = fake.submission_fullname(12)
    assert (result.status, result.new, result.rejected) == ("succeeded", 14, 1)
    [run] = runs(source_id)
    [rejection] = run.rejections
    assert rejection["platform_id"] == broken and "'created_utc' is missing" in rejection["reason"]


def test_a_login_checkpoint_on_instagram_asks_for_a_new_session_on_the_source(app: Flask, workspace: Any, clock: Clock):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeInstagram()
        fake.install(rsps)
        source_id = add_source(workspace, "instagram.hashtag", instagram_settings(fake, hashtags=["#acme"]))
        fake.add_fault("checkpoint", path="web_info")
        result = collect_source(db.session, source_id, now=clock)
        assert result.status == "relogin_required"
        stored = source(source_id)
        assert stored.status == "relogin_required" and "checkpoint" in (stored.status_message or "")
        assert due_sources(db.session, clock.at + timedelta(days=1)) == []  # waits for a person
        # Once the session is imported again, "collect now" works and clears the flag.
        result = collect_source(db.session, source_id, now=clock)
        assert result.status == "succeeded" and result.new > 0
        assert source(source_id).status == "active"


def test_a_login_redirect_mid_run_keeps_what_was_stored(app: Flask, workspace: Any, clock: Clock):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeInstagram()
        fake.install(rsps)
        source_id = add_source(workspace, "instagram.hashtag", instagram_settings(fake, hashtags=["#acme"]))
        fake.add_fault("login_redirect", path="/explore/")
        result = collect_source(db.session, source_id, now=clock)
    assert result.status == "relogin_required" and result.pages >= 1 and result.new > 0
    assert "logged the session out" in (source(source_id).status_message or "")
    assert post_count() == result.new


def test_a_bad_setting_puts_the_source_in_error(app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit, client_secret="wrong"))
    result = collect_source(db.session, source_id, now=clock)
    assert result.status == "failed"
    assert source(source_id).status == "error" and "credentials" in (source(source_id).status_message or "")


def test_the_lease_allows_one_run_at_a_time_and_expires(app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit))
    assert acquire_lease(db.session, source_id, owner="other-worker", now=clock.at, seconds=60)
    assert not acquire_lease(db.session, source_id, owner="third", now=clock.at, seconds=60)
    assert collect_source(db.session, source_id, now=clock).status == "already_running"
    assert due_sources(db.session, clock.at) == []
    assert runs(source_id) == [] and post_count() == 0
    clock.advance(61)  # the other worker died: its lease ran out
    assert due_sources(db.session, clock.at) == [source_id]
    assert collect_source(db.session, source_id, now=clock).status == "succeeded"


def test_two_concurrent_acquisitions_give_the_lease_to_one(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit))
    barrier = threading.Barrier(4)
    won: list[bool] = []
    engine = db.engine

    def contend(owner: str) -> None:
        session = Session(engine)
        try:
            barrier.wait()
            won.append(acquire_lease(session, source_id, owner=owner, now=clock.at, seconds=60))
        finally:
            session.close()

    threads = [threading.Thread(target=contend, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False, False, False, True]


class FlakyCollector(Collector):
    """Pages of ten synthetic reviews; the page after ``fail_after`` fails once."""

    key = "test.flaky"
    title = "Flaky"
    platform = "review"
    fail_after: int | None = 2
    total_pages = 5

    def fetch(self, settings: Any, cursor: Any) -> Iterator[Page]:
        start = int((cursor or {}).get("page", 0))
        for page in range(start, self.total_pages):
            if FlakyCollector.fail_after is not None and page == FlakyCollector.fail_after:
                FlakyCollector.fail_after = None
                raise TransientError("connection reset")
            items = tuple(RawItem(f"r{page}-{n}", {"id": f"r{page}-{n}", "text": f"review {n}"}) for n in range(10))
            yield Page(items, {"page": page + 1})

    def map_item(self, item: RawItem) -> NormalizedPost:
        return NormalizedPost(
            platform="review",
            platform_id=item.platform_id,
            author=None,
            text=str(item.payload["text"]),
            raw=dict(item.payload),
        )


def test_resume_after_a_failure_mid_run_stores_nothing_twice_and_max_pages_cuts_a_run(
    app: Flask, workspace: Any, clock: Clock
):
    plugins = Registry()
    plugins.register(FlakyCollector)
    FlakyCollector.fail_after = 2
    created = Source(workspace_id=workspace.id, kind="test.flaky", name="flaky", settings={}, schedule_seconds=600)
    db.session.add(created)
    db.session.commit()
    source_id = created.id
    with pytest.raises(RetryLater):
        collect_source(db.session, source_id, registry=plugins, now=clock)
    assert post_count() == 20 and source(source_id).cursor == {"page": 2}
    cut = collect_source(db.session, source_id, registry=plugins, now=clock, max_pages=1)
    assert (cut.status, cut.new) == ("partial", 10)
    assert source(source_id).next_run_at == clock.at  # due again at once
    rest = collect_source(db.session, source_id, registry=plugins, now=clock)
    assert (rest.status, rest.new, rest.updated) == ("succeeded", 20, 0)
    assert post_count() == 50
    assert [r.status for r in runs(source_id)] == ["error", "partial", "succeeded"]


def test_a_run_left_running_by_a_dead_worker_is_marked_interrupted(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit))
    db.session.add(CollectorRun(source_id=source_id, started_at=clock.at, status="running", worker="dead"))
    db.session.commit()
    collect_source(db.session, source_id, now=clock)
    assert [r.status for r in runs(source_id)] == ["interrupted", "succeeded"]
    health = source_health(db.session, source(source_id), now=clock.at)
    assert health.last_run is not None and health.last_run.status == "succeeded" and not health.running


def test_only_if_due_skips_a_source_that_is_not_due(app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit))
    collect_source(db.session, source_id, now=clock)
    assert collect_source(db.session, source_id, now=clock, only_if_due=True).status == "not_due"
    assert len(runs(source_id)) == 1


def test_sources_are_checked_when_created_and_found_by_id_or_name(app: Flask, workspace: Any, reddit: FakeReddit):
    with pytest.raises(SourceError, match="Terms and hashtags is required"):
        create_source(db.session, workspace_id=workspace.id, kind="reddit.search", name="x", settings={}, actor=CLI)
    with pytest.raises(SourceError, match="no collector"):
        create_source(db.session, workspace_id=workspace.id, kind="nope", name="x", settings={}, actor=CLI)
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit), name="Reddit acme")
    assert find_source(db.session, str(source_id)).id == source_id
    assert find_source(db.session, "Reddit acme").id == source_id
    with pytest.raises(SourceError, match="no source"):
        find_source(db.session, "missing")


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert backoff_seconds(0, rng=lambda: 0.0) == 15 and backoff_seconds(0, rng=lambda: 1.0) == 30
    assert backoff_seconds(3, rng=lambda: 0.0) == 120
    assert backoff_seconds(20, rng=lambda: 1.0) == 3600


def test_the_task_retries_a_transient_failure_and_the_scan_queues_due_sources(
    app: Flask, workspace: Any, reddit: FakeReddit
) -> None:
    from ugc_hub.collect_tasks import collect_source_task, run_due_sources

    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit, page_size=10))
    reddit.add_fault("500", path="/search/", after=2)
    # Run here; without propagation Celery applies the retry at once instead of raising Retry.
    outcome = collect_source_task.apply(args=(source_id,), throw=False)
    assert outcome.get()["status"] == "succeeded"
    assert post_count() == 45
    assert [r.status for r in runs(source_id)] == ["error", "succeeded"]
    assert [r.trigger for r in runs(source_id)] == ["manual", "retry"]
    assert run_due_sources.delay().get() == []  # just collected: not due
    stored = source(source_id)
    stored.next_run_at = None
    db.session.commit()
    reddit.add_submissions(2)
    assert run_due_sources.delay().get() == [source_id]
    assert post_count() == 47 and runs(source_id)[-1].trigger == "schedule"


def test_ctrl_c_frees_the_source_at_once(app: Flask, workspace: Any, clock: Clock) -> None:
    class Interrupted(FlakyCollector):
        key = "test.interrupted"

        def fetch(self, settings: Any, cursor: Any) -> Iterator[Page]:
            yield Page((), {"page": 1})
            raise KeyboardInterrupt

    plugins = Registry()
    plugins.register(Interrupted)
    created = Source(workspace_id=workspace.id, kind="test.interrupted", name="i", settings={}, schedule_seconds=600)
    db.session.add(created)
    db.session.commit()
    with pytest.raises(KeyboardInterrupt):
        collect_source(db.session, created.id, registry=plugins, now=clock)
    stored = source(created.id)
    assert stored.lease_owner is None and stored.cursor == {"page": 1}
    assert [(r.status, r.pages) for r in runs(created.id)] == [("interrupted", 1)]


def test_sources_sharing_a_platform_account_run_one_at_a_time(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
) -> None:
    first = add_source(workspace, "reddit.search", reddit_settings(reddit), name="a")
    second = add_source(workspace, "reddit.search", reddit_settings(reddit, terms=["other"]), name="b")
    account = f"reddit:{reddit.client_id}"
    # A run of the first source holds the account's only slot (reddit.search allows one run per app).
    assert acquire_account_slot(db.session, account, owner="run-of-a", now=clock.at, seconds=60, slots=1)
    busy = collect_source(db.session, second, now=clock)
    assert busy.status == "account_busy" and account in (busy.error or "")
    assert source(second).lease_owner is None and runs(second) == []  # nothing started, source free
    assert due_sources(db.session, clock.at) == [first, second]  # still due: the next scan tries again
    clock.advance(61)
    assert collect_source(db.session, second, now=clock).status == "succeeded"
    slot = db.session.get(AccountLease, (account, 0))
    assert slot is not None and slot.lease_owner is None  # released with the run
    assert collect_source(db.session, first, now=clock).status == "succeeded"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the runner catches it, so nothing is finished or released."""


def test_a_killed_manual_run_resumes_when_its_lease_runs_out_though_the_next_run_is_an_hour_ahead(
    app: Flask, workspace: Any, clock: Clock
) -> None:
    class KilledAfterOnePage(FlakyCollector):
        key = "test.killed"
        kill = True

        def fetch(self, settings: Any, cursor: Any) -> Iterator[Page]:
            start = int((cursor or {}).get("page", 0))
            for page in range(start, 3):
                if page == 1 and KilledAfterOnePage.kill:
                    KilledAfterOnePage.kill = False
                    raise WorkerKilled
                items = tuple(RawItem(f"k{page}-{n}", {"id": f"k{page}-{n}", "text": f"review {n}"}) for n in range(10))
                yield Page(items, {"page": page + 1})

    plugins = Registry()
    plugins.register(KilledAfterOnePage)
    created = Source(workspace_id=workspace.id, kind="test.killed", name="k", settings={}, schedule_seconds=3600)
    created.next_run_at = clock.at + timedelta(hours=1)
    db.session.add(created)
    db.session.commit()
    source_id = created.id
    with pytest.raises(WorkerKilled):  # "Collect now", then kill -9 of the worker mid-run
        collect_source(db.session, source_id, registry=plugins, now=clock, lease_seconds=60)
    db.session.rollback()
    assert post_count() == 10 and source(source_id).lease_owner is not None
    assert due_sources(db.session, clock.at + timedelta(seconds=59)) == []  # the lease still holds it
    clock.advance(60)
    assert source(source_id).next_run_at == clock.at + timedelta(minutes=59)
    assert due_sources(db.session, clock.at) == [source_id]
    resumed = collect_source(db.session, source_id, registry=plugins, now=clock, only_if_due=True, trigger="schedule")
    assert (resumed.status, resumed.new, resumed.updated) == ("succeeded", 20, 0)
    assert post_count() == 30
    assert [r.status for r in runs(source_id)] == ["interrupted", "succeeded"]
    assert due_sources(db.session, clock.at) == []  # finished: the hourly schedule applies again


def test_a_later_failure_that_is_not_a_rate_limit_replaces_the_rate_limited_state(
    app: Flask, workspace: Any, reddit: FakeReddit, clock: Clock
):
    source_id = add_source(workspace, "reddit.search", reddit_settings(reddit, page_size=10))
    reddit.add_fault("429", path="/search/", retry_after=42, after=1)
    with pytest.raises(RetryLater):
        collect_source(db.session, source_id, now=clock)
    assert source(source_id).status == "rate_limited"
    clock.advance(42)
    reddit.add_fault("500", path="/search/", after=1)
    with pytest.raises(RetryLater) as caught:
        collect_source(db.session, source_id, now=clock, only_if_due=True, trigger="schedule")
    assert caught.value.result.status == "error"
    stored = source(source_id)
    assert stored.status == "active" and "Temporary failure" in (stored.status_message or "")
    assert "Rate limited" not in (stored.status_message or "")
    resumed = collect_source(db.session, source_id, now=clock)
    assert resumed.status == "succeeded" and source(source_id).status == "active" and post_count() == 45


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("challenge_redirect", "security checkpoint"),
        ("login_required_200", "logged the session out"),
        ("login_page", "logged the session out"),
    ],
)
def test_an_instagram_checkpoint_answered_with_a_success_status_stops_the_source_at_the_first_request(
    client: Any, auth: Any, workspace: Any, clock: Clock, kind: str, says: str
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeInstagram()
        fake.install(rsps)
        source_id = add_source(workspace, "instagram.hashtag", instagram_settings(fake, hashtags=["#acme"]))
        fake.add_fault(kind, path="web_info", times=10)
        result = collect_source(db.session, source_id, now=clock)
        assert len(rsps.calls) == 1  # no retry, neither instaloader's nor the task's: it would make it worse
    assert result.status == "relogin_required" and result.new == 0
    stored = source(source_id)
    assert stored.status == "relogin_required" and says in (stored.status_message or "")
    assert due_sources(db.session, clock.at + timedelta(days=1)) == []  # waits for a person
    auth.as_role("viewer")
    page = client.get(f"/sources/{source_id}").text
    assert "new login needed" in page and "Import a fresh session for this account" in page


def test_one_feed_read_at_two_addresses_stores_each_entry_once(app: Flask, workspace: Any, clock: Clock) -> None:
    from tests.collectors.test_reviews import RELATIVE_FEED
    from tests.fakes.reviews import FakeFeed

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        old = FakeFeed(url="http://forum.example.org/feeds/acme.rss", body=RELATIVE_FEED)
        moved = FakeFeed(url="https://www.forum.example.org/feeds/acme.rss", body=RELATIVE_FEED)
        old.install(rsps)
        moved.install(rsps)
        first = add_source(workspace, "rss.feed", {"url": old.url}, name="feed")
        second = add_source(workspace, "rss.feed", {"url": moved.url}, name="feed after the move")
        assert collect_source(db.session, first, now=clock).new == 3
        again = collect_source(db.session, second, now=clock)
    assert (again.new, again.updated) == (0, 3)
    assert post_count() == 3
    stored = db.session.scalars(select(Post.platform_id).order_by(Post.platform_id)).all()
    # The channel's relative <link> is the feed's own site: its host, "www." aside, at either address.
    assert stored == ["forum.example.org#/t/no-guid", "forum.example.org#dup-1", "forum.example.org#dup-2"]


def bare_guid_feed(site: str | None, title: str) -> bytes:
    """An RSS feed of one entry whose guid is the bare number "1", about ``site`` (no channel link if None)."""
    link = f"<link>{site}</link>" if site else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>{link}'
        f'<description>d</description><item><title>{title} #1</title><guid isPermaLink="false">1</guid>'
        "<pubDate>Fri, 20 Nov 2026 09:12:00 +0000</pubDate><description>about #acme</description></item>"
        "</channel></rss>"
    ).encode()


def test_two_feeds_whose_entries_are_both_guid_1_store_two_posts(app: Flask, workspace: Any, clock: Clock) -> None:
    from tests.fakes.reviews import FakeFeed

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        camping = FakeFeed(
            url="https://camping.example.org/feed", body=bare_guid_feed("https://camping.example.org/", "Camping")
        )
        gadgets = FakeFeed(url="https://feeds.example.net/gadgets.rss", body=bare_guid_feed(None, "Gadgets"))
        camping.install(rsps)
        gadgets.install(rsps)
        for feed in (camping, gadgets):
            result = collect_source(
                db.session, add_source(workspace, "rss.feed", {"url": feed.url}, name=feed.url), now=clock
            )
            assert (result.status, result.new) == ("succeeded", 1)
    titles = db.session.scalars(select(Post.title).order_by(Post.title)).all()
    assert titles == ["Camping #1", "Gadgets #1"]  # neither entry overwrote the other
    stored = db.session.scalars(select(Post.platform_id).order_by(Post.platform_id)).all()
    assert stored == ["camping.example.org#1", "feeds.example.net#1"]


@pytest.mark.parametrize("site", ["https://www.Camping.example.org/blog/", None])
def test_one_feed_at_http_and_https_stores_its_bare_guid_entry_once(
    app: Flask, workspace: Any, clock: Clock, site: str | None
) -> None:
    from tests.fakes.reviews import FakeFeed

    body = bare_guid_feed(site, "Camping")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        plain = FakeFeed(url="http://camping.example.org/feed.rss", body=body)
        secure = FakeFeed(url="https://camping.example.org/feed.rss", body=body)
        plain.install(rsps)
        secure.install(rsps)
        first = collect_source(
            db.session, add_source(workspace, "rss.feed", {"url": plain.url}, name="http"), now=clock
        )
        again = collect_source(
            db.session, add_source(workspace, "rss.feed", {"url": secure.url}, name="https"), now=clock
        )
    assert (first.new, again.new, again.updated) == (1, 0, 1)
    expected = "camping.example.org/blog#1" if site else "camping.example.org#1"
    assert db.session.scalars(select(Post.platform_id)).all() == [expected]


def test_reddit_nsfw_posts_are_flagged_and_deleted_things_are_rejected_with_their_reason(
    app: Flask, workspace: Any, clock: Clock
) -> None:
    with FakeReddit(
        total=10,
        comments_every=5,
        over_18=frozenset({3}),
        removed_posts=frozenset({4}),
        deleted_comments=frozenset({5}),
    ) as fake:
        source_id = add_source(workspace, "reddit.search", reddit_settings(fake))
        result = collect_source(db.session, source_id, now=clock)
        nsfw, removed = fake.submission_fullname(3), fake.submission_fullname(4)
    assert (result.status, result.new, result.rejected) == ("succeeded", 10 - 1 + 6 - 2, 3)
    flagged = db.session.scalars(select(Post.platform_id).where(Post.nsfw.is_(True))).all()
    assert flagged == [nsfw]
    empty = or_(Post.text.in_(["[deleted]", "[removed]"]), and_(Post.text == "", Post.title.is_(None)))
    assert db.session.scalar(select(func.count()).select_from(Post).where(empty)) == 0
    [run] = runs(source_id)
    reasons = {r["platform_id"]: r["reason"] for r in run.rejections}
    assert removed in reasons and "removed or deleted on Reddit" in reasons[removed]
    assert len([pid for pid in reasons if pid.startswith("t1_")]) == 2
