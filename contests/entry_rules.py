"""Whether a post or an upload may enter a contest: pure rules, no database.

Each check returns a reason code (the ones in :data:`EXCLUSION_REASONS`) or nothing; services log
every code they get, so an entrant who is left out can always be told why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

#: Reason codes an entry can be excluded for (also the keys of a freeze's ``exclusions``).
EXCLUSION_REASONS = (
    "missing_hashtag",
    "outside_dates",
    "missing_field",
    "duplicate_person",
    "rights_not_granted",
    "underage",
    "country_not_eligible",
    "staff",
    "no_author",
)

MAX_PATTERN_LENGTH = 300
MAX_FIELD_VALUE = 200
FIELD_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_HASHTAG_RE = re.compile(r"[^\W_][\w]*", re.UNICODE)


class RuleError(ValueError):
    """A contest setting that cannot work: ``code`` and ``params`` for the manager's language, the
    message in English for logs (``contests.services.messages`` has the words)."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class FieldRule:
    """A required entry field: read from the caption by ``pattern`` (its first group, or the whole
    match), or typed on the upload form when the pattern is empty."""

    name: str
    label: str
    pattern: str = ""

    def compiled(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern, re.IGNORECASE) if self.pattern else None


def normalize_hashtag(tag: str) -> str:
    """``#NightModeChallenge`` → ``nightmodechallenge`` (NFKC then case-folded, as posts store them)."""
    cleaned = unicodedata.normalize("NFKC", tag.strip()).lstrip("#").casefold()
    if not cleaned or not _HASHTAG_RE.fullmatch(cleaned):
        raise RuleError("not_hashtag", f"not a hashtag: {tag!r}", tag=tag)
    return cleaned[:160]


def parse_hashtags(text: str) -> list[str]:
    """Hashtags a manager typed, separated by spaces or commas; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,]+", text):
        if part.strip():
            seen[normalize_hashtag(part)] = None
    return list(seen)


def field_rules(raw: Iterable[Mapping[str, str]]) -> list[FieldRule]:
    """Validate the manager's field list: names unique, patterns that compile and are not too long."""
    rules: list[FieldRule] = []
    for item in raw:
        name = str(item.get("name", "")).strip()
        pattern = str(item.get("pattern", "") or "")
        if not FIELD_NAME_RE.fullmatch(name):
            raise RuleError("field_name", f"a field name is lower-case letters, digits and _: {name!r}", name=name)
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise RuleError(
                "pattern_too_long",
                f"the pattern of {name} is longer than {MAX_PATTERN_LENGTH} characters",
                name=name,
                limit=MAX_PATTERN_LENGTH,
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleError(
                "pattern_invalid",
                f"the pattern of {name} is not a valid regular expression: {exc}",
                name=name,
                error=exc,
            ) from exc
        if any(rule.name == name for rule in rules):
            raise RuleError("field_twice", f"the field {name} is listed twice", name=name)
        rules.append(FieldRule(name=name, label=str(item.get("label", "") or name).strip()[:100], pattern=pattern))
    return rules


def missing_hashtags(required: Sequence[str], post_tags: Iterable[str]) -> list[str]:
    """Required hashtags the post lacks (all are required)."""
    have = {unicodedata.normalize("NFKC", tag).casefold() for tag in post_tags}
    return [tag for tag in required if tag not in have]


def within(starts_at: datetime, ends_at: datetime, at: datetime) -> bool:
    """Entries count from the start included to the end excluded."""
    return starts_at <= at < ends_at


def read_fields(rules: Sequence[FieldRule], caption: str) -> tuple[dict[str, str], list[str]]:
    """Values read from a caption by each pattern, and the names of the fields not found."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for rule in rules:
        pattern = rule.compiled()
        match = pattern.search(caption) if pattern else None
        if match is None:
            missing.append(rule.name)
            continue
        value = next((group for group in match.groups() if group), match.group(0))
        values[rule.name] = value.strip()[:MAX_FIELD_VALUE]
    return values, missing


def typed_fields(rules: Sequence[FieldRule], given: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Values typed on the upload form; a field with a pattern must match it there too."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for rule in rules:
        value = (given.get(rule.name) or "").strip()[:MAX_FIELD_VALUE]
        pattern = rule.compiled()
        if not value or (pattern is not None and pattern.search(value) is None):
            missing.append(rule.name)
        else:
            values[rule.name] = value
    return values, missing


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def person_exclusion(
    *,
    min_age: int | None,
    countries: Sequence[str],
    birth_date: date | None,
    country: str | None,
    is_staff: bool,
    exclude_staff: bool,
    on: date,
) -> str | None:
    """The reason a known person may not enter, or None. Unknown age or country fails a rule that needs it."""
    if exclude_staff and is_staff:
        return "staff"
    if min_age is not None and (birth_date is None or age_on(birth_date, on) < min_age):
        return "underage"
    if countries and (country or "").upper() not in {c.upper() for c in countries}:
        return "country_not_eligible"
    return None
