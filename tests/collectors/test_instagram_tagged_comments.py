"""``instagram.tagged`` and ``instagram.comments`` through the real instaloader code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from collectors.base import Page
from collectors.errors import ConfigurationError, ReloginRequired, TransientError
from collectors.instagram.comments import InstagramCommentsCollector, parse_shortcode, read_comments
from collectors.instagram.tagged import InstagramTaggedCollector
from tests.fakes.harness import instagram_settings
from tests.fakes.instagram import FakeInstagram

TAGGED = InstagramTaggedCollector()
COMMENTS = InstagramCommentsCollector()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake(rsps: responses.RequestsMock) -> FakeInstagram:
    instagram = FakeInstagram()
    instagram.install(rsps)
    return instagram


def ids(pages: list[Page]) -> list[str]:
    return [item.platform_id for page in pages for item in page.items]


def tagged_settings(fake: FakeInstagram, **extra: object) -> dict:
    return instagram_settings(fake, account=fake.account, account_id=fake.account_id, **extra)


# -- tagged posts --------------------------------------------------------------------------------
def test_tagged_posts_newest_first_in_chunks_with_a_frozen_iterator(fake: FakeInstagram, rsps: responses.RequestsMock):
    pages = list(TAGGED.fetch(tagged_settings(fake), None))
    assert ids(pages) == [fake.tagged_shortcode(i) for i in range(29, -1, -1)]
    assert [len(p.items) for p in pages] == [12, 12, 6]
    frozen = pages[0].next_cursor["run"]["frozen"]
    assert (
        frozen["query_hash"] == "e31a871f7301132ceaab56507a66bbb7" and frozen["context_username"] == fake.session_user
    )
    json.dumps(pages[0].next_cursor)
    profile_query = rsps.calls[0].request
    assert profile_query.method == "POST" and "doc_id=27937681195819736" in str(profile_query.body)
    variables = [json.loads(parse_qs(urlsplit(str(c.request.url)).query)["variables"][0]) for c in rsps.calls[1:]]
    assert [v.get("after") is not None for v in variables] == [False, True, True]
    assert {v["id"] for v in variables} == {int(fake.account_id)}


def test_anonymous_tagged_posts_look_the_account_up_once(fake: FakeInstagram, rsps: responses.RequestsMock):
    settings = {"account": "@ACME_brand"}
    assert TAGGED.check(settings) == []
    pages = list(TAGGED.fetch(settings, None))
    assert len(ids(pages)) == 30
    assert pages[-1].next_cursor["account_id"] == fake.account_id
    urls = [str(c.request.url) for c in rsps.calls]
    assert urls[0] == f"https://www.instagram.com/{fake.account}/"  # the profile page, as a logged-out visitor
    assert urls[1].startswith("https://www.instagram.com/api/v1/users/web_profile_info/?username=acme_brand")
    rsps.calls.reset()
    list(TAGGED.fetch(settings, pages[-1].next_cursor))
    assert not any(str(c.request.url).endswith(f"/{fake.account}/") for c in rsps.calls)


def test_tagged_posts_that_also_mention_the_brand(fake: FakeInstagram):
    pages = list(TAGGED.fetch(tagged_settings(fake, require_caption_mention=True), None))
    assert sorted(ids(pages)) == sorted(fake.tagged_shortcode(i) for i in range(0, 30, 3))


def test_new_tagged_posts_only_on_the_next_run(fake: FakeInstagram):
    first = list(TAGGED.fetch(tagged_settings(fake), None))
    fake.tagged_total += 4
    second = list(TAGGED.fetch(tagged_settings(fake), json.loads(json.dumps(first[-1].next_cursor))))
    assert ids(second) == [fake.tagged_shortcode(i) for i in range(33, 29, -1)]


def test_a_stale_frozen_iterator_starts_over_without_repeating_what_was_delivered(fake: FakeInstagram):
    pages = list(TAGGED.fetch(tagged_settings(fake), None))
    cursor = json.loads(json.dumps(pages[0].next_cursor))
    cursor["run"]["frozen"]["best_before"] = 1.0  # instaloader's 29-day shelf life has passed
    resumed = ids(list(TAGGED.fetch(tagged_settings(fake), cursor)))
    assert sorted(ids(pages[:1]) + resumed) == sorted(ids(pages))


def test_a_refused_session_on_tagged_posts_needs_a_new_login(fake: FakeInstagram):
    fake.add_fault("login_required", path="graphql/query?query_hash")
    with pytest.raises(ReloginRequired, match="403"):
        list(TAGGED.fetch(tagged_settings(fake), None))


# -- comments ------------------------------------------------------------------------------------
def test_comments_and_replies_of_chosen_posts(fake: FakeInstagram, rsps: responses.RequestsMock):
    post = fake.recent_shortcode(3)
    fake.comment_counts[post] = 14
    settings = instagram_settings(fake, posts=[f"https://www.instagram.com/p/{post}/?igsh=abc"])
    pages = list(COMMENTS.fetch(settings, None))
    items = [i for p in pages for i in p.items]
    assert len(items) == 14 + 4 * 2  # comments 1, 5, 9 and 13 have two replies each
    replies = [i for i in items if i.meta["parent_pk"]]
    assert len(replies) == 8 and all(i.meta["shortcode"] == post for i in items)
    assert sum("/child_comments/" in str(c.request.url) for c in rsps.calls) == 4  # only one reply was in the preview
    mapped = COMMENTS.map_items(items)
    assert (
        mapped.failures == ()
        and mapped.posts[0].permalink == f"https://www.instagram.com/p/{post}/c/{items[0].platform_id}/"
    )


def test_only_new_comments_on_the_next_run_and_deleted_posts_are_skipped(fake: FakeInstagram):
    post, gone = fake.recent_shortcode(3), fake.recent_shortcode(4)
    fake.comment_counts[post] = 5
    settings = instagram_settings(fake, posts=[gone, post])
    first = list(COMMENTS.fetch(settings, None))
    assert len(ids(first)) == 5 + 2  # the deleted post answered 404 and was skipped
    pk = fake.add_comment(post, username="fan_3", text="Still love it")
    second = list(COMMENTS.fetch(settings, json.loads(json.dumps(first[-1].next_cursor))))
    assert ids(second) == [pk]


def test_read_comments_finds_the_answer_to_the_brand(fake: FakeInstagram):
    post = fake.recent_shortcode(6)
    fake.comment_counts[post] = 3
    ask = fake.add_comment(post, username="acme_brand", text="@fan_6 may we share this? Reply #yesacme")
    fake.add_comment(post, username="fan_6", text="@acme_brand #yesacme of course", parent_pk=ask)
    comments = read_comments(instagram_settings(fake), post)
    [answer] = [c for c in comments if c.parent_id == ask]
    assert (answer.author_name, answer.text) == ("fan_6", "@acme_brand #yesacme of course")
    assert answer.author_id and answer.created_at is not None


def test_comments_need_a_session_and_survive_nothing_silently(fake: FakeInstagram):
    assert COMMENTS.check({"posts": ["abc12345"]}) == [
        "Instagram needs a logged-in session: import one (username + session cookies)"
    ]
    with pytest.raises(ConfigurationError):
        read_comments({}, fake.recent_shortcode(1))
    fake.comment_counts[fake.recent_shortcode(1)] = 2
    fake.add_fault("timeout", path="/comments/", times=2)
    with pytest.raises(TransientError):
        list(COMMENTS.fetch(instagram_settings(fake, posts=[fake.recent_shortcode(1)]), None))
    fake.add_fault("login_redirect", path="/comments/")
    with pytest.raises(ReloginRequired):
        list(COMMENTS.fetch(instagram_settings(fake, posts=[fake.recent_shortcode(1)]), None))


def test_parse_shortcode_accepts_urls_and_codes():
    assert parse_shortcode("https://www.instagram.com/p/CmiJBr2LAAD/") == "CmiJBr2LAAD"
    assert parse_shortcode("https://instagram.com/reel/CmiJBr2LAAD?utm=1") == "CmiJBr2LAAD"
    assert parse_shortcode(" CmiJBr2LAAD ") == "CmiJBr2LAAD"
    with pytest.raises(ConfigurationError):
        parse_shortcode("https://example.com/no post here")
