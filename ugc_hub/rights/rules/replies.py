"""Does a reply read from a platform grant permission to republish a post?

Plain data and one pure rule, ``judge``. See docs/rights-channels.md for the outcome of every case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Reply:
    """A reply or comment read from a platform, under the post we asked about."""

    platform: str
    reply_id: str
    thread_id: str  # Post.platform_id of the post the reply lives under
    parent_id: str | None
    author_user_id: str | None
    author_handle: str
    text: str
    created_at: datetime
    edited_at: datetime | None
    permalink: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AskedPost:
    """The post a permission request was sent for, and what the author must reply."""

    platform: str
    post_platform_id: str
    author_user_id: str | None
    author_handle: str
    hashtag: str
    requested_at: datetime
    request_comment_id: str | None


class Verdict(StrEnum):
    GRANTS = "grants"
    AUTHOR_REPLIED = "author_replied"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str


def judge(reply: Reply, asked: AskedPost) -> Judgement:
    """Decide what ``reply`` means for the permission request on ``asked``.

    Only an unedited reply, in the asked post's thread, written after the request by the post's author
    (same platform account id), containing the approval hashtag exactly, grants. The author answering
    in any other way is left to a human; anybody else changes nothing.
    """
    if reply.platform != asked.platform:
        return Judgement(Verdict.IGNORED, f"the reply is on {reply.platform}, the request on {asked.platform}")
    if reply.thread_id != asked.post_platform_id:
        return Judgement(Verdict.IGNORED, "the reply is not in the thread of the requested post")
    if asked.request_comment_id is not None and reply.reply_id == asked.request_comment_id:
        return Judgement(Verdict.IGNORED, "this is our own request comment")
    author = _authorship(reply, asked)
    if author is _Author.OTHER:
        return Judgement(Verdict.IGNORED, "written by someone other than the post's author")
    if author is _Author.FORGED:
        return Judgement(
            Verdict.IGNORED,
            "same handle as the post's author but another account id: a look-alike account, not the author",
        )
    if _utc(reply.created_at) <= _utc(asked.requested_at):
        return Judgement(Verdict.IGNORED, "written before the permission request, so it cannot answer it")
    if author is _Author.UNVERIFIED:
        return Judgement(
            Verdict.AUTHOR_REPLIED,
            "the handle matches the post's author but the platform gave no account id to prove it: a human decides",
        )
    if reply.edited_at is not None:
        return Judgement(Verdict.AUTHOR_REPLIED, "the author edited this reply after posting it: a human decides")
    tag = _approval_tag(asked.hashtag)
    if tag is None:
        return Judgement(Verdict.AUTHOR_REPLIED, f"the request's approval hashtag {asked.hashtag!r} is not valid")
    text = reply.text
    if _BIDI_CONTROLS.search(text):
        return Judgement(
            Verdict.AUTHOR_REPLIED, "the reply contains invisible text-direction controls: a human decides"
        )
    if contains_hashtag(text, tag):
        return Judgement(Verdict.GRANTS, f"the post's author replied #{tag} after the request")
    if _contains_lookalike(text, tag):
        return Judgement(
            Verdict.AUTHOR_REPLIED,
            f"the author wrote something that only looks like #{tag} (other alphabet, invisible or "
            "full-width characters): a human decides",
        )
    return Judgement(Verdict.AUTHOR_REPLIED, f"the author replied without #{tag}: a human decides")


class _Author(StrEnum):
    AUTHOR = "author"
    UNVERIFIED = "unverified"
    FORGED = "forged"
    OTHER = "other"


_DELETED_HANDLES = frozenset({"", "[deleted]", "[removed]"})


def _handle_key(handle: str) -> str:
    return handle.strip().removeprefix("@").casefold()


def _id_key(platform: str, user_id: str | None) -> str | None:
    if user_id is None or not user_id.strip():
        return None
    value = user_id.strip()
    # Reddit ids arrive as fullnames ("t2_abc") from listings and sometimes bare ("abc").
    return value.removeprefix("t2_") if platform == "reddit" else value


def _authorship(reply: Reply, asked: AskedPost) -> _Author:
    reply_id = _id_key(reply.platform, reply.author_user_id)
    author_id = _id_key(asked.platform, asked.author_user_id)
    reply_handle = _handle_key(reply.author_handle)
    same_handle = reply_handle not in _DELETED_HANDLES and reply_handle == _handle_key(asked.author_handle)
    if reply_id is not None and author_id is not None:
        if reply_id == author_id:
            return _Author.AUTHOR
        return _Author.FORGED if same_handle else _Author.OTHER
    return _Author.UNVERIFIED if same_handle else _Author.OTHER


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (the hub stores UTC everywhere)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# Embedding, override and isolate controls: they can make the visible text differ from the stored one.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A hashtag starts the text or follows a space, punctuation or an emoji, but not these: inside a URL,
# an e-mail, an HTML entity or a doubled '#', the '#' is not a hashtag.
_NOT_OPENERS = frozenset("#&@/%_=+")
_TAG_RE = re.compile(r"#(\w+)")


_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "HALFWIDTH"})


def _scripts(word: str) -> set[str]:
    """The writing systems of the letters of ``word`` (digits and '_' belong to none)."""
    found = set()
    for char in word:
        if char.isalpha():
            script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            found.add("CJK" if script in _EAST_ASIAN else script)
    return found


def _plain_word(word: str) -> bool:
    """Word characters only, one writing system, and nothing Unicode normalisation would rewrite:
    no compatibility forms (styled, full-width or ligature letters), no Kelvin sign for K, no accent
    typed as a separate combining mark."""
    return (
        re.fullmatch(r"\w+", word) is not None
        and unicodedata.normalize("NFC", word) == word
        and unicodedata.normalize("NFKC", word) == word
        and len(_scripts(word)) <= 1
    )


def _approval_tag(hashtag: str) -> str | None:
    """Return the configured hashtag without '#', NFC-normalised, or None if it is not one plain hashtag."""
    tag = unicodedata.normalize("NFC", hashtag.strip()).removeprefix("#")
    return tag if _plain_word(tag) else None


def _opens(text: str, index: int) -> bool:
    if index == 0:
        return True
    before = text[index - 1]
    if before.isspace():
        return True
    category = unicodedata.category(before)
    return before not in _NOT_OPENERS and (category[0] == "P" or category == "So")


def _closes(text: str, index: int) -> bool:
    """The tag ends the text or is followed by a space, punctuation or a symbol (not a mark or invisible)."""
    if index == len(text):
        return True
    after = text[index]
    category = unicodedata.category(after)
    return after.isspace() or (category[0] in "PS" and category != "Pc")


def contains_hashtag(text: str, tag: str) -> bool:
    """Whether ``text`` holds ``#tag`` as a whole hashtag: ASCII '#', same letters (any case), standing alone.

    ``#YesLumenX`` and ``x#YesLumen`` do not count; neither does a tag followed by a combining mark
    or an invisible character (which change how it looks), nor one whose letters only case-fold to the
    right ones (the Kelvin sign for K, the long s).
    """
    wanted = tag.casefold()
    for match in _TAG_RE.finditer(text):
        word = match.group(1)
        if (
            word.casefold() == wanted
            and _plain_word(word)
            and _scripts(word) <= _scripts(tag)
            and _opens(text, match.start())
            and _closes(text, match.end())
        ):
            return True
    return False


# Latin look-alikes among Cyrillic, Greek and other letters (a subset of Unicode's confusables.txt that
# covers what people use to fake Latin words). Only used to name the reason: an exact match is required anyway.
_CONFUSABLES = str.maketrans(
    {
        **dict.fromkeys("\u0430\u0251\u03b1", "a"),
        **dict.fromkeys("\u0432\u03b2\u0412\u0392", "b"),
        **dict.fromkeys("\u0441\u03f2\u0421\u216d", "c"),
        **dict.fromkeys("\u0501\u217e", "d"),
        **dict.fromkeys("\u0435\u0454\u0415\u0395\u212e", "e"),
        **dict.fromkeys("\u0570\u04bb\u041d\u0397", "h"),
        **dict.fromkeys("\u0456\u0131\u03b9\u0406\u0399\u04c0\u2160", "i"),
        **dict.fromkeys("\u0458\u0408\u037f", "j"),
        **dict.fromkeys("\u043a\u03ba\u041a\u039a", "k"),
        **dict.fromkeys("\u04cf\u217c", "l"),
        **dict.fromkeys("\u043c\u041c\u039c\u217f", "m"),
        **dict.fromkeys("\u0578\u03b7\u039d", "n"),
        **dict.fromkeys("\u043e\u03bf\u041e\u039f\u0585\u0d20", "o"),
        **dict.fromkeys("\u0440\u03c1\u0420\u03a1", "p"),
        **dict.fromkeys("\u051b", "q"),
        **dict.fromkeys("\u0433", "r"),
        **dict.fromkeys("\u0455\u0405", "s"),
        **dict.fromkeys("\u0442\u03c4\u0422\u03a4", "t"),
        **dict.fromkeys("\u03c5\u057d", "u"),
        **dict.fromkeys("\u03bd\u0475\u2174", "v"),
        **dict.fromkeys("\u051d\u0461", "w"),
        **dict.fromkeys("\u0445\u03c7\u0425\u03a7\u2179", "x"),
        **dict.fromkeys("\u0443\u04af\u03b3\u0423\u03a5\u04ae", "y"),
        **dict.fromkeys("\u0396", "z"),
    }
)
_INVISIBLE = frozenset({"Cf", "Mn", "Me"})


def _skeleton(text: str) -> str:
    """Fold look-alikes together: compatibility forms (full-width '#', styled letters), invisible and
    combining characters dropped, homoglyphs mapped to Latin."""
    folded = unicodedata.normalize("NFKD", text)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in _INVISIBLE)
    return unicodedata.normalize("NFKC", visible).casefold().translate(_CONFUSABLES)


def _contains_lookalike(text: str, tag: str) -> bool:
    skeleton = _skeleton(text)
    wanted = "#" + _skeleton(tag)
    start = skeleton.find(wanted)
    while start != -1:
        end = start + len(wanted)
        alone_before = start == 0 or not (skeleton[start - 1].isalnum() or skeleton[start - 1] == "_")
        alone_after = end == len(skeleton) or not (skeleton[end].isalnum() or skeleton[end] == "_")
        if alone_before and alone_after:
            return True
        start = skeleton.find(wanted, start + 1)
    return False
