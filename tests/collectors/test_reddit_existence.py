"""``reddit.search`` re-checks stored posts through praw's ``reddit.info`` against the fake's ``/api/info``."""

from __future__ import annotations

import pytest

from collectors.errors import RateLimited, TransientError
from collectors.reddit.search import RedditSearchCollector
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit

PLUGIN = RedditSearchCollector()


def info_requests(fake: FakeReddit) -> list[list[str]]:
    return [r.query["id"].split(",") for r in fake.requests if r.path.rstrip("/") == "/api/info"]


def test_each_way_a_post_leaves_reddit_is_told_apart_from_a_post_still_up() -> None:
    with FakeReddit(total=6, comments_every=5) as fake:
        settings = reddit_settings(fake)
        up, deleted, removed, purged, author_gone = (fake.submission_fullname(i) for i in range(5))
        comment = fake._comment(5, 0, "t3")["name"]
        fake.take_down(deleted, "deleted")
        fake.take_down(removed, "removed")
        fake.take_down(purged, "purged")
        fake.take_down(author_gone, "author_deleted")
        fake.take_down(comment, "removed")

        found = PLUGIN.check_exists(settings, [up, deleted, removed, purged, author_gone, comment, "t3_zzzzzzz"])

    assert found == {
        up: None,
        deleted: "deleted",
        removed: "removed",
        purged: "not_found",
        author_gone: "author_deleted",
        comment: "removed",
        "t3_zzzzzzz": "not_found",
    }
    assert len(info_requests(fake)) == 1


def test_a_comment_still_up_is_present() -> None:
    with FakeReddit(total=6, comments_every=5) as fake:
        comment = fake._comment(5, 1, "t3")["name"]
        assert PLUGIN.check_exists(reddit_settings(fake), [comment]) == {comment: None}


@pytest.mark.parametrize("fault", ["500", "429", "truncated"])
def test_a_failed_request_raises_instead_of_reporting_posts_gone(fault: str) -> None:
    with FakeReddit(total=3) as fake:
        fake.add_fault(fault, path="/api/info")
        with pytest.raises((TransientError, RateLimited)):
            PLUGIN.check_exists(reddit_settings(fake), [fake.submission_fullname(0)])


def test_more_than_one_request_worth_is_refused_and_other_ids_are_not_sent() -> None:
    with FakeReddit(total=3) as fake:
        with pytest.raises(ValueError):
            PLUGIN.check_exists(reddit_settings(fake), [fake.submission_fullname(0)] * 50 + ["t3_a"] * 51)
        with pytest.raises(Exception, match="fullnames"):
            PLUGIN.check_exists(reddit_settings(fake), ["p1"])
        assert info_requests(fake) == []


def test_only_platforms_with_a_route_declare_the_capability() -> None:
    from collectors import registry

    batch = {cls.key: cls.exists_batch_size for cls in registry.all_collectors()}
    assert batch["reddit.search"] == 100
    assert {k for k, v in batch.items() if v} == {"reddit.search"}
