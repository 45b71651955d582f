"""The collector contract: settings schema, raw items, pages and the plugin base class.

A plugin turns platform HTTP into ``RawItem``s (payload kept verbatim) grouped in ``Page``s, each
carrying the cursor to resume *after* that page. Mapping a raw item to a ``NormalizedPost`` is a
separate, pure step. Plugins know nothing of Flask, the database or Celery.
"""

from __future__ import annotations

import abc
import copy
import importlib.util
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from collectors.errors import ConfigurationError, MappingError
from ugc_hub.domain.posts import PLATFORMS, NormalizedPost

FieldType = Literal["str", "int", "bool", "list", "secret", "choice"]
FIELD_TYPES: frozenset[str] = frozenset({"str", "int", "bool", "list", "secret", "choice"})

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class SettingField:
    """One field of a plugin's settings form.

    ``secret`` values are strings (or, for session imports, a JSON object) the hub stores encrypted
    and never shows again; ``list`` values are lists of strings (a form may send one per line);
    ``advanced`` fields can be folded away in the form.
    """

    name: str
    label: str
    type: FieldType = "str"
    required: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()
    advanced: bool = False

    def problems(self) -> list[str]:
        """Return what is wrong with this field's own definition."""
        found = []
        if not self.name.isidentifier():
            found.append(f"field name {self.name!r} is not an identifier")
        if not self.label:
            found.append(f"field {self.name!r} has no label")
        if self.type not in FIELD_TYPES:
            found.append(f"field {self.name!r} has unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            found.append(f"choice field {self.name!r} has no choices")
        if self.type != "choice" and self.choices:
            found.append(f"field {self.name!r} has choices but is not a choice field")
        if self.default is not None:
            try:
                coerced = coerce_value(self, self.default)
            except ValueError as exc:
                found.append(f"default of {self.name!r} is invalid: {exc}")
            else:
                if coerced != self.default:
                    found.append(f"default of {self.name!r} is not already of type {self.type}")
        return found


@dataclass(frozen=True)
class RawItem:
    """One platform item as fetched: ``payload`` is the platform JSON, verbatim and JSON-serialisable.

    ``meta`` holds what the request knew but the payload does not say (the hashtag searched,
    the post a comment belongs to); it is JSON-serialisable too.
    """

    platform_id: str
    payload: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """A batch of raw items and the cursor that resumes right after them.

    The cursor is deep-copied on creation: a plugin keeps mutating its state after yielding, and
    a page already handed to the runner must keep the cursor it was created with.
    """

    items: tuple[RawItem, ...]
    next_cursor: dict[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "next_cursor", copy.deepcopy(self.next_cursor))


@dataclass(frozen=True)
class HealthNote:
    """Something the source health page should say about a plugin's own state (quota, credential expiry).

    ``level`` is ``info``, ``warning`` (act soon) or ``error`` (runs cannot work until someone acts).
    ``code`` and ``params`` let the staff UI say it in the reader's language; ``message`` is the English
    text for logs, the CLI and codes the UI does not know.
    """

    level: Literal["info", "warning", "error"]
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


#: Why ``check_exists`` says a post is gone: the platform no longer returns it, its author deleted it, a
#: moderator or the platform removed it, or the author's account was deleted.
GONE_REASONS: tuple[str, ...] = ("not_found", "deleted", "removed", "author_deleted")


#: The runner adds this key to the settings it hands to ``fetch``: the ``account_usage`` that the other
#: sources of the same platform account recorded, merged (e.g. hashtags searched through the same
#: Instagram business account, which share one weekly budget).
SHARED_USAGE_SETTING = "_shared_account_usage"


@dataclass(frozen=True)
class ItemFailure:
    """A raw item that could not be mapped, with the reason."""

    item: RawItem
    error: MappingError


@dataclass(frozen=True)
class MappedBatch:
    """The result of mapping one page: the posts and the items that failed."""

    posts: tuple[NormalizedPost, ...]
    failures: tuple[ItemFailure, ...]


def coerce_value(spec: SettingField, value: Any) -> Any:
    """Return ``value`` converted to the field's type, or raise ``ValueError``."""
    coerce = _COERCERS.get(spec.type)
    if coerce is None:
        raise ValueError(f"unknown field type {spec.type!r}")
    return coerce(spec, value)


def _coerce_text(spec: SettingField, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    value = value.strip()
    if spec.type == "choice" and value not in spec.choices:
        raise ValueError(f"{value!r} is not one of {', '.join(spec.choices)}")
    return value


def _coerce_secret(spec: SettingField, value: Any) -> str | dict[str, Any]:
    if isinstance(value, str | dict):
        return value
    raise ValueError(f"expected text, got {type(value).__name__}")


def _coerce_int(spec: SettingField, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got a yes/no value")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"expected a whole number, got {value!r}")


def _coerce_bool(spec: SettingField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected yes/no, got {value!r}")


def _coerce_list(spec: SettingField, value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of texts")
    return [v.strip() for v in value if v.strip()]


_COERCERS: dict[str, Callable[[SettingField, Any], Any]] = {
    "str": _coerce_text,
    "choice": _coerce_text,
    "secret": _coerce_secret,
    "int": _coerce_int,
    "bool": _coerce_bool,
    "list": _coerce_list,
}


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def resolve_settings(
    schema: Iterable[SettingField], settings: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """Apply defaults and coerce types; return the values and the problems found (never raises)."""
    settings = settings or {}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in schema:
        raw = settings.get(spec.name)
        if _is_empty(raw):
            raw = spec.default
        if _is_empty(raw):
            if spec.required:
                problems.append(f"{spec.label} is required")
            values[spec.name] = [] if spec.type == "list" else raw
            continue
        try:
            values[spec.name] = coerce_value(spec, raw)
        except ValueError as exc:
            problems.append(f"{spec.label}: {exc}")
            values[spec.name] = spec.default
    return values, problems


class Collector(abc.ABC):
    """Base class of a collector plugin.

    Subclasses set the class attributes and implement ``fetch`` and ``map_item``; they may add
    checks in ``check_values`` and name the platform account in ``account_key``.
    """

    #: Stable identifier stored with each source, e.g. ``"reddit.search"``. Never rename it.
    key: ClassVar[str]
    #: Human title shown in the staff UI.
    title: ClassVar[str]
    #: One of ``ugc_hub.domain.posts.PLATFORMS``.
    platform: ClassVar[str]
    #: One paragraph shown under the title in the source form.
    description: ClassVar[str] = ""
    #: The form fields; values arrive in ``settings`` keyed by field name.
    settings_schema: ClassVar[tuple[SettingField, ...]] = ()
    #: How many runs may use the same platform account (``account_key``) at once.
    concurrency_per_account: ClassVar[int] = 1
    #: Importable top-level modules the plugin needs; missing ones disable it instead of crashing.
    requires: ClassVar[tuple[str, ...]] = ()
    #: How many platform ids one ``check_exists`` call may take; 0 when the platform offers no route to
    #: re-check a stored post (the scheduled deletion check then skips this source's posts).
    exists_batch_size: ClassVar[int] = 0

    @classmethod
    def missing_libraries(cls) -> list[str]:
        """Return the required modules that cannot be imported here."""
        return [name for name in cls.requires if importlib.util.find_spec(name) is None]

    @classmethod
    def enabled(cls) -> bool:
        """Return whether every library the plugin needs is installed."""
        return not cls.missing_libraries()

    def check(self, settings: Mapping[str, Any] | None) -> list[str]:
        """Return the problems that would stop a run (missing library, setting, credential); never raise."""
        try:
            problems = [f"the optional library {name!r} is not installed" for name in self.missing_libraries()]
            values, setting_problems = resolve_settings(self.settings_schema, settings)
            problems.extend(setting_problems)
            if not setting_problems:
                problems.extend(self.check_values(values))
            return problems
        except Exception as exc:  # check() reports problems; it must never raise
            return [f"the settings could not be checked: {exc}"]

    def check_values(self, values: dict[str, Any]) -> list[str]:
        """Return plugin-specific problems with already resolved settings."""
        return []

    def resolve(self, settings: Mapping[str, Any] | None) -> dict[str, Any]:
        """Return settings with defaults applied, or raise ``ConfigurationError``."""
        values, problems = resolve_settings(self.settings_schema, settings)
        if not problems:
            problems = self.check_values(values)
        if problems:
            raise ConfigurationError("; ".join(problems))
        return values

    def account_key(self, settings: Mapping[str, Any]) -> str:
        """Return the platform account a run uses, the unit of the concurrency budget."""
        return f"{self.platform}:anonymous"

    def account_usage(self, cursor: Mapping[str, Any] | None) -> dict[str, float]:
        """Return the account budget this source spent, as ``{what: epoch seconds}`` (none by default).

        The runner merges it over every source of the same ``account_key`` and hands the others' share
        to ``fetch`` under ``SHARED_USAGE_SETTING``.
        """
        return {}

    def health_notes(
        self,
        settings: Mapping[str, Any],
        cursor: Mapping[str, Any] | None,
        *,
        shared_usage: Mapping[str, float],
        now: float,
    ) -> list[HealthNote]:
        """Return what the health page should say about quotas and credentials; must not do I/O."""
        return []

    def check_exists(self, settings: Mapping[str, Any], platform_ids: Sequence[str]) -> dict[str, str | None]:
        """Ask the platform whether these posts are still up: ``{platform_id: None | one of GONE_REASONS}``.

        At most ``exists_batch_size`` ids per call. Raise a collector error when the platform cannot be
        asked (network, rate limit, credentials): a failed check must never take a post down.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot re-check stored posts")

    @abc.abstractmethod
    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        """Yield pages of raw items, resuming after ``cursor`` (``None`` on the first run).

        The last page's ``next_cursor`` is the resting state for the next scheduled run.
        Raises ``RateLimited``, ``ReloginRequired``, ``TransientError``, ``ConfigurationError``
        or ``MappingError`` (page unreadable); pages yielded before stay valid.
        """

    @abc.abstractmethod
    def map_item(self, item: RawItem) -> NormalizedPost:
        """Map one raw item to our fields without I/O; raise ``MappingError`` on an unknown shape."""

    def map_items(self, items: Iterable[RawItem]) -> MappedBatch:
        """Map every item, collecting failures so one changed item does not sink its page."""
        posts: list[NormalizedPost] = []
        failures: list[ItemFailure] = []
        for item in items:
            try:
                posts.append(self.map_item(item))
            except MappingError as exc:
                failures.append(ItemFailure(item, exc))
        return MappedBatch(tuple(posts), tuple(failures))


def schema_problems(cls: type[Collector]) -> list[str]:
    """Return what is wrong with a plugin class's declared attributes and settings schema."""
    problems = []
    for attribute in ("key", "title", "platform"):
        if not isinstance(getattr(cls, attribute, None), str) or not getattr(cls, attribute):
            problems.append(f"{cls.__name__}.{attribute} must be a non-empty string")
    if getattr(cls, "platform", None) not in PLATFORMS:
        problems.append(f"{cls.__name__}.platform {getattr(cls, 'platform', None)!r} is not a known platform")
    if not isinstance(cls.concurrency_per_account, int) or cls.concurrency_per_account < 1:
        problems.append(f"{cls.__name__}.concurrency_per_account must be a positive integer")
    if not isinstance(cls.exists_batch_size, int) or cls.exists_batch_size < 0:
        problems.append(f"{cls.__name__}.exists_batch_size must be a whole number, 0 or more")
    names = [spec.name for spec in cls.settings_schema]
    if len(names) != len(set(names)):
        problems.append(f"{cls.__name__} has duplicate setting names")
    for spec in cls.settings_schema:
        problems.extend(spec.problems())
    return problems
