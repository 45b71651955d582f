"""The Instagram reply channel: comments read through real instaloader, requests posted through the Graph API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from collectors.errors import ConfigurationError, RateLimited, ReloginRequired, TransientError
from collectors.instagram.replies import InstagramChannel
from collectors.instagram_graph.client import GraphRefused
from collectors.replies import SendUnavailable, channel_for
from tests.fakes.harness import instagram_settings
from tests.fakes.instagram import FakeInstagram
from tests.fakes.instagram_graph import FakeGraph
from ugc_hub.rights.rules.replies import AskedPost, Verdict, judge

CHANNEL = InstagramChannel()
POST = 12  # a recent post of the fake hashtag; its author is fan_12 (user pk 7000012)
MENTION_ID = "17920112008063024"
OWN_ID = "17895695668004550"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def instagram(rsps: responses.RequestsMock) -> FakeInstagram:
    fake = FakeInstagram()
    fake.comment_counts[fake.recent_shortcode(POST)] = 3
    fake.install(rsps)
    return fake


@pytest.fixture
def graph(instagram: FakeInstagram, rsps: responses.RequestsMock) -> Iterator[FakeGraph]:
    own = instagram.recent_shortcode(40)
    mentioned = instagram.recent_shortcode(POST)
    with FakeGraph(
        own_media={"17800000000000001": "AAAAotherpost", "17800000000000002": "BBBBotherpost", OWN_ID: own},
        mentioned={MENTION_ID: mentioned},
        on_comment=lambda shortcode, text: instagram.add_comment(shortcode, username=instagram.account, text=text),
    ) as fake:
        rsps.add_passthru(fake.url)
        yield fake


def settings(instagram: FakeInstagram, graph: FakeGraph | None = None) -> dict:
    return instagram_settings(instagram, **(graph.settings() if graph else {}))


def test_channel_for_instagram() -> None:
    channel = channel_for("instagram")
    assert channel is not None and channel.platform == "instagram" and channel.can_send


def test_comments_and_replies_are_read_with_author_ids(instagram: FakeInstagram) -> None:
    shortcode = instagram.recent_shortcode(POST)
    media = instagram.media(POST)
    author_id, author = media["user"]["pk"], media["user"]["username"]
    top = instagram.add_comment(shortcode, username=author, text="#YesAcme", user_id=author_id, created_at=2e9)
    replies = list(CHANNEL.fetch_replies(instagram_settings(instagram), shortcode))
    by_id = {r.reply_id: r for r in replies}
    assert len(replies) == 3 + 2 + 1  # three comments, comment 1 has two replies, and ours
    mine = by_id[top]
    assert mine.thread_id == shortcode and mine.parent_id is None
    assert mine.author_user_id == author_id and mine.author_handle == author
    assert mine.created_at == datetime.fromtimestamp(2e9, UTC) and mine.edited_at is None
    assert mine.permalink == f"https://www.instagram.com/p/{shortcode}/c/{top}/"
    assert mine.raw["text"] == "#YesAcme" and "preview_child_comments" not in mine.raw
    nested = [r for r in replies if r.parent_id is not None]
    assert len(nested) == 2 and all(r.parent_id in by_id for r in nested)
    assert [r.created_at for r in replies] == sorted(r.created_at for r in replies)


def test_the_judge_on_comments_read_from_instagram(instagram: FakeInstagram) -> None:
    shortcode = instagram.recent_shortcode(POST)
    media = instagram.media(POST)
    author_id, author = media["user"]["pk"], media["user"]["username"]
    requested = datetime.fromtimestamp(instagram.newest + 100, UTC)
    asked = AskedPost("instagram", shortcode, author_id, author, "#YesAcme", requested, None)
    at = requested.timestamp()
    request = instagram.add_comment(shortcode, username="acme_brand", text="May we? Reply #YesAcme", created_at=at)
    early = instagram.add_comment(shortcode, username=author, text="#YesAcme", user_id=author_id, created_at=at - 50)
    forged = instagram.add_comment(
        shortcode, username=author, text="#YesAcme", created_at=at + 5, parent_pk=request
    )  # same username, the fake's other account id
    edited = instagram.add_comment(
        shortcode, username=author, text="#YesAcme", user_id=author_id, created_at=at + 6, edited=True
    )
    lookalike = instagram.add_comment(
        shortcode, username=author, text="#YesAcm\u0435", user_id=author_id, created_at=at + 7, parent_pk=request
    )
    genuine = instagram.add_comment(
        shortcode, username=author, text="Yes! #yesacme", user_id=author_id, created_at=at + 8, parent_pk=request
    )
    verdicts = {
        r.reply_id: judge(r, asked).verdict for r in CHANNEL.fetch_replies(instagram_settings(instagram), shortcode)
    }
    assert verdicts[early] is Verdict.IGNORED
    assert verdicts[forged] is Verdict.IGNORED
    assert verdicts[edited] is Verdict.AUTHOR_REPLIED
    assert verdicts[lookalike] is Verdict.AUTHOR_REPLIED
    assert verdicts[genuine] is Verdict.GRANTS
    assert verdicts[request] is Verdict.IGNORED
    assert [k for k, v in verdicts.items() if v is Verdict.GRANTS] == [genuine]


def test_reading_needs_a_session_and_a_live_post(instagram: FakeInstagram) -> None:
    with pytest.raises(ConfigurationError, match="session"):
        list(CHANNEL.fetch_replies({}, instagram.recent_shortcode(POST)))
    with pytest.raises(ConfigurationError, match="nothing at this address"):
        list(CHANNEL.fetch_replies(instagram_settings(instagram), instagram.recent_shortcode(7)))  # no comments page
    with pytest.raises(ConfigurationError, match="Graph media id"):
        list(CHANNEL.fetch_replies(instagram_settings(instagram), MENTION_ID))
    instagram.add_fault("please_wait", path="/comments/")
    with pytest.raises(RateLimited):
        list(CHANNEL.fetch_replies(instagram_settings(instagram), instagram.recent_shortcode(POST)))


def test_reply_to_a_post_that_mentions_the_brand(instagram: FakeInstagram, graph: FakeGraph) -> None:
    comment_id = CHANNEL.send_reply(settings(instagram, graph), MENTION_ID, "Love it! Reply #YesAcme")
    assert comment_id == graph.comments[0]["id"]
    call = graph.requests[-1]
    assert call.method == "POST" and call.path == f"/v21.0/{graph.user_id}/mentions"
    assert call.form == {"media_id": MENTION_ID, "message": "Love it! Reply #YesAcme"}
    assert call.authorization == f"Bearer {graph.token}" and "access_token" not in call.query
    shortcode = instagram.recent_shortcode(POST)
    texts = [r.text for r in CHANNEL.fetch_replies(instagram_settings(instagram), shortcode)]
    assert "Love it! Reply #YesAcme" in texts


def test_reply_on_the_brands_own_media_found_by_shortcode(instagram: FakeInstagram, graph: FakeGraph) -> None:
    comment_id = CHANNEL.send_reply(settings(instagram, graph), instagram.recent_shortcode(40), "Thanks!")
    assert graph.comments == [
        {"id": comment_id, "on": OWN_ID, "shortcode": instagram.recent_shortcode(40), "message": "Thanks!"}
    ]
    pages = [r for r in graph.requests if r.method == "GET"]
    assert len(pages) == 2 and pages[1].query["after"] == "2"  # followed paging.next to the second page
    assert graph.requests[-1].path == f"/v21.0/{OWN_ID}/comments"


def test_someone_elses_post_cannot_be_commented_through_the_api(instagram: FakeInstagram, graph: FakeGraph) -> None:
    with pytest.raises(SendUnavailable, match="by hand"):
        CHANNEL.send_reply(settings(instagram, graph), instagram.recent_shortcode(POST), "May we?")
    with pytest.raises(SendUnavailable, match="no Graph API token"):
        CHANNEL.send_reply(instagram_settings(instagram), MENTION_ID, "May we?")
    assert graph.comments == []


def test_graph_errors_say_what_to_do(instagram: FakeInstagram, graph: FakeGraph) -> None:
    send = lambda: CHANNEL.send_reply(settings(instagram, graph), MENTION_ID, "May we?")  # noqa: E731
    graph.add_fault("expired_token")
    with pytest.raises(ReloginRequired, match="reconnect"):
        send()
    graph.add_fault("rate_limit")
    with pytest.raises(RateLimited):
        send()
    graph.add_fault("permission")
    with pytest.raises(ConfigurationError, match="permission"):
        send()
    graph.add_fault("comments_disabled")
    with pytest.raises(GraphRefused, match="fbtrace_id") as refused:
        send()
    assert refused.value.code == 100 and refused.value.subcode == 33
    graph.add_fault("500")
    with pytest.raises(TransientError):
        send()
    assert graph.comments == []
    graph.add_fault("truncated")  # Instagram posted the comment, but its answer was cut off
    with pytest.raises(TransientError):
        send()
    assert len(graph.comments) == 1
    with pytest.raises(ReloginRequired):
        CHANNEL.send_reply(settings(instagram, graph) | {"graph_access_token": "stolen"}, MENTION_ID, "May we?")
    with pytest.raises(ValueError, match="empty"):
        CHANNEL.send_reply(settings(instagram, graph), MENTION_ID, "  ")
    assert len(graph.comments) == 1
    assert CHANNEL.send_reply(settings(instagram, graph), MENTION_ID, "May we?")
