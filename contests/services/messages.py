"""The words for the codes that the plain rules modules of ``contests`` (no Flask) raise, in the reader's language.

``contests.draw``, ``contests.beacon``, ``contests.entry_rules`` and ``contests.judging`` raise errors
with a stable ``code`` and ``params``; services turn them into lazy strings here, so the page, the
flash or the CLI shows them in the language of whoever reads them. An unknown code falls back to a
generic sentence naming the code, never to untranslated English prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


def N_(msgid: str) -> str:
    """Mark a message for the catalogue (pybabel extracts ``N_`` by default); ``_pick`` translates it."""
    return msgid


DRAW_MESSAGES: dict[str, str] = {
    "naive_time": N_("the draw needs times with a time zone"),
    "malformed": N_("the draw record cannot hold this value"),
    "bad_beacon_value": N_("the beacon value is 1 to 128 bytes written in hexadecimal"),
    "time_order": N_("this step is dated before the previous one"),
    "event_order": N_("this draw step cannot come now"),
    "entries_not_canonical": N_("an entry appears twice in the frozen list"),
    "commitment_mismatch": N_("this is not the seed that was committed to"),
    "substitution_invalid": N_("this winner cannot be replaced: not a current winner, or no alternate left"),
    "not_included": N_("this entry is not in the frozen list"),
    "beacon_mismatch": N_("the beacon round fetched is not the one named at the freeze"),
    "beacon_response_mismatch": N_("the beacon's answer does not give the value recorded"),
    "no_beacon": N_("this draw named no beacon round"),
    "beacon_recorded": N_("the beacon round is already recorded"),
    "typed_needs_reason": N_("say why the value is typed by hand (the source cannot be reached)"),
    "beacon_fetched_instead": N_(
        "the source answered: the round was fetched and recorded from it, the typed value was not used"
    ),
}

BEACON_MESSAGES: dict[str, str] = {
    "unknown_source": N_(
        "the beacon source %(name)s is not configured (DRAW_BEACONS): type the round's value as a fallback"
    ),
    "bad_source": N_("the beacon source %(name)s is badly configured: its URL must be http(s) and contain {round}"),
    "not_published": N_("beacon round %(round)s is not published yet: draw again once it is out"),
    "unreachable": N_(
        "the beacon source cannot be reached: try again later, or type the round's value as an audited fallback"
    ),
    "malformed_response": N_(
        "the beacon source answered something that is not this round: try again later, or type the value"
    ),
}

RULE_MESSAGES: dict[str, str] = {
    "not_hashtag": N_("not a hashtag: %(tag)s"),
    "field_name": N_("a field name is lower-case letters, digits and _: %(name)s"),
    "pattern_too_long": N_("the pattern of %(name)s is longer than %(limit)s characters"),
    "pattern_invalid": N_("the pattern of %(name)s is not a valid regular expression: %(error)s"),
    "field_twice": N_("the field %(name)s is listed twice"),
}

JUDGING_MESSAGES: dict[str, str] = {
    "jurors_per_entry": N_("at least one juror per entry"),
    "criterion": N_("each criterion needs a name and a whole weight of at least 1"),
    "criteria_distinct": N_("a rating round needs criteria with distinct names"),
    "mark_range": N_("%(name)s: a mark from %(low)s to %(high)s"),
    "weight_percent": N_("the jury's weight is a percentage"),
}


def _pick(table: Mapping[str, str], code: str, params: Mapping[str, Any] | None) -> LazyString:
    msgid = table.get(code)
    if msgid is None:
        return _l("refused (%(code)s)", code=code)
    safe = {key: value if isinstance(value, int) else str(value) for key, value in (params or {}).items()}
    return _l(msgid, **safe) if safe else _l(msgid)


def draw_message(code: str, params: Mapping[str, Any] | None = None) -> LazyString:
    return _pick(DRAW_MESSAGES, code, params)


def beacon_message(code: str, params: Mapping[str, Any] | None = None) -> LazyString:
    defaults = {"name": "?", "round": "?"}
    return _pick(BEACON_MESSAGES, code, {**defaults, **(params or {})})


def rule_message(code: str, params: Mapping[str, Any] | None = None) -> LazyString:
    return _pick(RULE_MESSAGES, code, params)


def judging_message(code: str, params: Mapping[str, Any] | None = None) -> LazyString:
    return _pick(JUDGING_MESSAGES, code, params)
