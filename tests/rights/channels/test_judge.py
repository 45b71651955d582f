"""``judge``: when a reply grants permission, when a human must look, when it changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugc_hub.rights.rules.replies import AskedPost, Reply, Verdict, contains_hashtag, judge

REQUESTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ASKED = AskedPost(
    platform="instagram",
    post_platform_id="CxYz123AbCd",
    author_user_id="7000003",
    author_handle="fan_3",
    hashtag="#YesLumen",
    requested_at=REQUESTED,
    request_comment_id="900",
)


def reply(text: str = "Sure! #YesLumen", **changes: object) -> Reply:
    base = Reply(
        platform="instagram",
        reply_id="901",
        thread_id="CxYz123AbCd",
        parent_id="900",
        author_user_id="7000003",
        author_handle="fan_3",
        text=text,
        created_at=REQUESTED + timedelta(minutes=5),
        edited_at=None,
        permalink="https://www.instagram.com/p/CxYz123AbCd/c/901/",
        raw={"pk": "901"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def verdict(text: str = "Sure! #YesLumen", asked: AskedPost = ASKED, **changes: object) -> Verdict:
    return judge(reply(text, **changes), asked).verdict


# -- grants ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#YesLumen",
        "Sure! #YesLumen",
        "#yeslumen",
        "#YESLUMEN 🎉",
        "ok (#YesLumen)",
        "#YesLumen, thanks",
        "#YesLumen.",
        "Happy to!\n#YesLumen\n#travel",
        "**#YesLumen**",  # markdown emphasis on Reddit
        "\\#YesLumen",  # a Reddit user escaping the heading syntax
        "#YesLumen#sunset",
        "«#YesLumen»",
        "👍 #YesLumen 👨‍👩‍👧",  # a zero-width joiner inside an emoji elsewhere in the text is fine
    ],
)
def test_the_authors_reply_with_the_hashtag_grants(text: str) -> None:
    judgement = judge(reply(text), ASKED)
    assert judgement.verdict is Verdict.GRANTS
    assert "#YesLumen" in judgement.reason


def test_the_account_id_decides_not_the_handle() -> None:
    assert verdict(author_handle="Fan_3_renamed") is Verdict.GRANTS  # the author changed their handle


def test_reddit_ids_match_with_or_without_the_t2_prefix() -> None:
    asked = replace(ASKED, platform="reddit", post_platform_id="t3_abc", author_user_id="t2_1w2e3r")
    assert verdict(platform="reddit", thread_id="t3_abc", author_user_id="1w2e3r", asked=asked) is Verdict.GRANTS


def test_a_configured_hashtag_without_its_hash_still_works() -> None:
    assert verdict(asked=replace(ASKED, hashtag="YesLumen")) is Verdict.GRANTS


def test_non_latin_approval_hashtags_work() -> None:
    asked = replace(ASKED, hashtag="#ДаЛюмен")
    assert verdict("Конечно #даЛЮМЕН", asked=asked) is Verdict.GRANTS
    french = replace(ASKED, hashtag="#OuiLumière")
    assert verdict("#ouilumière", asked=french) is Verdict.GRANTS
    # An accent typed as a separate combining mark looks the same but is other text: a human decides.
    assert verdict("#OuiLumie\u0300re", asked=french) is Verdict.AUTHOR_REPLIED


def test_naive_datetimes_are_read_as_utc() -> None:
    naive = replace(ASKED, requested_at=REQUESTED.replace(tzinfo=None))
    assert verdict(asked=naive, created_at=(REQUESTED + timedelta(seconds=1)).replace(tzinfo=None)) is Verdict.GRANTS


# -- the author, but a human decides -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sure, go ahead!",
        "#YesLumenX",
        "#YesLumen_",
        "x#YesLumen",
        "##YesLumen",
        "https://lumen.example/#YesLumen",
        "@#YesLumen",
        "#Yes Lumen",
        "YesLumen",
        "#NoLumen",
        "",
    ],
)
def test_the_author_without_a_whole_hashtag_is_author_replied(text: str) -> None:
    judgement = judge(reply(text), ASKED)
    assert judgement.verdict is Verdict.AUTHOR_REPLIED
    assert judgement.reason


LOOKALIKES = {
    "cyrillic e": "#YesLum\u0435n",
    "cyrillic straight U for Y": "#\u04aeesLumen",
    "greek omicron in a tag with o": "#YesL\u03bfumen",
    "full-width hash": "\uff03YesLumen",
    "small hash": "\ufe5fYesLumen",
    "full-width letters": "#\uff39\uff45\uff53Lumen",
    "mathematical bold": "#\U0001d418\U0001d41e\U0001d42cLumen",
    "zero-width space inside": "#Yes\u200bLumen",
    "zero-width joiner inside": "#Yes\u200dLumen",
    "soft hyphen inside": "#Yes\u00adLumen",
    "zero-width space before the hash": "x\u200b#YesLumen",
    "zero-width space after the tag": "#YesLumen\u200bX",
    "combining acute after the tag": "#YesLume\u0301n",
    "combining mark that does not compose": "#YesLumen\u0353",
    "long s": "#YeſLumen",
}


@pytest.mark.parametrize("text", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_lookalike_hashtags_never_grant(text: str) -> None:
    judgement = judge(reply(text), ASKED)
    assert judgement.verdict is Verdict.AUTHOR_REPLIED


def test_a_lookalike_is_named_in_the_reason() -> None:
    assert "looks like" in judge(reply("#YesLum\u0435n"), ASKED).reason
    assert "looks like" in judge(reply("\uff03YesLumen"), ASKED).reason
    assert "without #YesLumen" in judge(reply("Sure!"), ASKED).reason


def test_the_kelvin_sign_is_not_a_k() -> None:
    asked = replace(ASKED, hashtag="#OKLumen")
    assert verdict("#O\u212aLumen", asked=asked) is Verdict.AUTHOR_REPLIED
    assert verdict("#OKLumen", asked=asked) is Verdict.GRANTS


def test_direction_controls_leave_it_to_a_human() -> None:
    judgement = judge(reply("\u202e#YesLumen"), ASKED)
    assert judgement.verdict is Verdict.AUTHOR_REPLIED
    assert "direction" in judgement.reason


def test_an_edited_reply_never_grants() -> None:
    judgement = judge(reply(edited_at=REQUESTED + timedelta(minutes=9)), ASKED)
    assert judgement.verdict is Verdict.AUTHOR_REPLIED
    assert "edited" in judgement.reason


@pytest.mark.parametrize("hashtag", ["", "#", "#Yes Lumen", "#YesLum\u0435n", "#\uff39esLumen", "#Yes-Lumen"])
def test_a_broken_or_mixed_script_approval_hashtag_never_grants(hashtag: str) -> None:
    asked = replace(ASKED, hashtag=hashtag)
    assert verdict(hashtag or "#", asked=asked) is Verdict.AUTHOR_REPLIED
    assert verdict("#YesLumen", asked=asked) is Verdict.AUTHOR_REPLIED


def test_without_account_ids_a_matching_handle_goes_to_a_human() -> None:
    judgement = judge(reply(author_user_id=None, author_handle="@FAN_3"), ASKED)
    assert judgement.verdict is Verdict.AUTHOR_REPLIED
    assert "no account id" in judgement.reason
    anonymous_post = replace(ASKED, author_user_id=None)
    assert verdict(asked=anonymous_post) is Verdict.AUTHOR_REPLIED
    assert verdict(asked=anonymous_post, author_handle="someone_else") is Verdict.IGNORED


# -- ignored ---------------------------------------------------------------------------------


def test_a_forged_reply_same_handle_other_id_is_ignored() -> None:
    judgement = judge(reply(author_user_id="6660666"), ASKED)
    assert judgement.verdict is Verdict.IGNORED
    assert "another account id" in judgement.reason


def test_someone_else_with_the_hashtag_is_ignored() -> None:
    judgement = judge(reply(author_user_id="123", author_handle="helpful_friend"), ASKED)
    assert judgement.verdict is Verdict.IGNORED
    assert "someone other" in judgement.reason


@pytest.mark.parametrize("handle", ["[deleted]", "", "  "])
def test_a_deleted_account_is_ignored(handle: str) -> None:
    assert verdict(author_user_id=None, author_handle=handle) is Verdict.IGNORED


@pytest.mark.parametrize("delta", [timedelta(0), -timedelta(seconds=1), -timedelta(days=30)])
def test_a_reply_written_before_the_request_is_ignored(delta: timedelta) -> None:
    judgement = judge(reply(created_at=REQUESTED + delta), ASKED)
    assert judgement.verdict is Verdict.IGNORED
    assert "before the permission request" in judgement.reason


def test_a_reply_in_another_thread_is_ignored() -> None:
    judgement = judge(reply(thread_id="OtherPost99"), ASKED)
    assert judgement.verdict is Verdict.IGNORED
    assert "thread" in judgement.reason


def test_a_reply_on_another_platform_is_ignored() -> None:
    assert verdict(platform="reddit") is Verdict.IGNORED


def test_our_own_request_comment_is_ignored() -> None:
    assert verdict(reply_id="900") is Verdict.IGNORED


# -- properties --------------------------------------------------------------------------------

TRICKY = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u0301\u0353\u0435\u03bf\uff03\ufe5f\u212a\u017f\u202e#_xX"


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(),
    author_id=st.one_of(st.none(), st.sampled_from(["7000003", "6660666", "t2_7000003"])),
    handle=st.sampled_from(["fan_3", "FAN_3", "other", "", "[deleted]"]),
    thread=st.sampled_from(["CxYz123AbCd", "OtherPost99"]),
    minutes=st.integers(-60, 60),
    edited=st.booleans(),
)
def test_only_the_genuine_author_after_the_request_unedited_in_thread_can_grant(
    text: str, author_id: str | None, handle: str, thread: str, minutes: int, edited: bool
) -> None:
    candidate = reply(
        text,
        author_user_id=author_id,
        author_handle=handle,
        thread_id=thread,
        created_at=REQUESTED + timedelta(minutes=minutes),
        edited_at=REQUESTED if edited else None,
    )
    judgement = judge(candidate, ASKED)
    assert judgement.reason
    if judgement.verdict is Verdict.GRANTS:
        assert author_id == "7000003" and thread == "CxYz123AbCd" and minutes > 0 and not edited
        assert "#yeslumen" in text.casefold()
    if author_id not in (None, "7000003"):
        assert judgement.verdict is Verdict.IGNORED


@settings(max_examples=400, deadline=None)
@given(
    noise=st.lists(st.sampled_from(TRICKY), min_size=1, max_size=3),
    position=st.integers(0, 9),
    before=st.text(alphabet=" \n.!?", max_size=3),
    after=st.text(alphabet=" \n.!?", max_size=3),
)
def test_tampering_with_the_hashtag_never_grants(noise: list[str], position: int, before: str, after: str) -> None:
    tag = "#YesLumen"
    text = before + tag[:position] + "".join(noise) + tag[position:] + after
    if contains_hashtag(text, "YesLumen"):
        # The noise landed outside the tag and the tag still stands alone (e.g. "#" noise before it).
        assert "#YesLumen" in text
        return
    assert judge(reply(text), ASKED).verdict is Verdict.AUTHOR_REPLIED


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(alphabet=" \n,.!?()«\"'", max_size=4),
    after=st.text(alphabet=" \n,.!?()»\"'🎉", max_size=4),
    casing=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_the_genuine_hashtag_in_any_case_between_spaces_and_punctuation_grants(
    before: str, after: str, casing: list[bool]
) -> None:
    tag = "".join(c.upper() if up else c.lower() for c, up in zip("YesLumen", casing, strict=True))
    assert verdict(f"{before}#{tag}{after}") is Verdict.GRANTS
