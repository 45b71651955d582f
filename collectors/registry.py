"""The plugin registry: which collectors exist, which are enabled, and why the others are not; and
the reply channel of each platform (``collectors.replies``), registered the same way.

Importing this module loads no plugin. ``load_builtin()`` (called lazily by the lookups) imports the
built-in plugin modules; those import their platform libraries only when a run starts, so a
missing optional library disables a plugin with a reason instead of breaking the import.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from collectors.base import Collector, schema_problems
from ugc_hub.domain.posts import PLATFORMS

if TYPE_CHECKING:
    from collectors.replies import ReplyChannel

BUILTIN_MODULES: tuple[str, ...] = (
    "collectors.reddit.search",
    "collectors.instagram.hashtag",
    "collectors.instagram.tagged",
    "collectors.instagram.comments",
    "collectors.reviews.rss",
    "collectors.reviews.appstore",
    "collectors.reviews.googleplay",
    "collectors.reviews.trustpilot",
    "collectors.instagram_graph.hashtag",
    "collectors.instagram_graph.mentions",
    # Reply channels: they register with ``register_channel``.
    "collectors.reddit.replies",
    "collectors.instagram.replies",
)

C = TypeVar("C", bound=type[Collector])
R = TypeVar("R", bound="type[ReplyChannel]")


class UnknownCollector(KeyError):
    """No plugin is registered under this key."""


@dataclass(frozen=True)
class CollectorStatus:
    """Whether a plugin can be used here, and if not, why."""

    key: str
    title: str
    enabled: bool
    reason: str | None = None


class Registry:
    """Plugins by key, plus the modules that failed to load."""

    def __init__(self) -> None:
        self._plugins: dict[str, type[Collector]] = {}
        self._channels: dict[str, type[ReplyChannel]] = {}
        self._load_errors: dict[str, str] = {}
        self._loaded_modules: set[str] = set()

    def register(self, cls: C) -> C:
        """Add a plugin class (usable as a decorator); reject a bad definition or a taken key."""
        problems = schema_problems(cls)
        if problems:
            raise TypeError("; ".join(problems))
        existing = self._plugins.get(cls.key)
        if existing is not None and existing is not cls:
            raise ValueError(f"collector key {cls.key!r} is already used by {existing.__qualname__}")
        self._plugins[cls.key] = cls
        return cls

    def register_channel(self, cls: R) -> R:
        """Add the reply channel class of a platform (usable as a decorator); one channel per platform."""
        platform = getattr(cls, "platform", None)
        if platform not in PLATFORMS:
            raise TypeError(f"{cls.__name__}.platform {platform!r} is not a known platform")
        existing = self._channels.get(platform)
        if existing is not None and existing is not cls:
            raise ValueError(f"the {platform} reply channel is already {existing.__qualname__}")
        self._channels[platform] = cls
        return cls

    def channel(self, platform: str) -> type[ReplyChannel] | None:
        """Return the reply channel class registered for ``platform``, if any."""
        return self._channels.get(platform)

    def load(self, modules: Iterable[str]) -> None:
        """Import plugin modules once; an import failure is recorded, not raised."""
        for name in modules:
            if name in self._loaded_modules:
                continue
            self._loaded_modules.add(name)
            try:
                importlib.import_module(name)
            except ImportError as exc:
                self._load_errors[name] = f"{type(exc).__name__}: {exc}"

    def get(self, key: str) -> type[Collector]:
        """Return the plugin class registered under ``key``."""
        try:
            return self._plugins[key]
        except KeyError:
            raise UnknownCollector(key) from None

    def all(self) -> list[type[Collector]]:
        """Return every registered plugin, sorted by key."""
        return [self._plugins[key] for key in sorted(self._plugins)]

    @property
    def load_errors(self) -> dict[str, str]:
        """Modules that could not be imported, with the error."""
        return dict(self._load_errors)

    def statuses(self, config: Mapping[str, Any] | None = None) -> list[CollectorStatus]:
        """Return each plugin's availability under ``config`` (see ``available``)."""
        config = config or {}
        self.load(config.get("COLLECTOR_MODULES") or ())
        enabled_keys = config.get("COLLECTORS_ENABLED")
        disabled_keys = set(config.get("COLLECTORS_DISABLED") or ())
        found = []
        for cls in self.all():
            reason = None
            missing = cls.missing_libraries()
            if enabled_keys is not None and cls.key not in set(enabled_keys):
                reason = "not listed in COLLECTORS_ENABLED"
            elif cls.key in disabled_keys:
                reason = "listed in COLLECTORS_DISABLED"
            elif missing:
                reason = "missing optional librar" + ("ies " if len(missing) > 1 else "y ") + ", ".join(missing)
            found.append(CollectorStatus(cls.key, cls.title, reason is None, reason))
        return found

    def available(self, config: Mapping[str, Any] | None = None) -> dict[str, type[Collector]]:
        """Return the usable plugins by key.

        ``config`` may hold ``COLLECTORS_ENABLED`` (keys; default all), ``COLLECTORS_DISABLED``
        (keys) and ``COLLECTOR_MODULES`` (extra plugin modules to import).
        """
        return {s.key: self.get(s.key) for s in self.statuses(config) if s.enabled}


_default = Registry()


def load_builtin() -> None:
    """Import the built-in plugin modules into the default registry (idempotent)."""
    _default.load(BUILTIN_MODULES)


def register(cls: C) -> C:
    """Register a plugin class in the default registry."""
    return _default.register(cls)


def register_channel(cls: R) -> R:
    """Register a reply channel class in the default registry."""
    return _default.register_channel(cls)


def channel(platform: str) -> type[ReplyChannel] | None:
    """Return the reply channel class of ``platform`` from the default registry, if any."""
    load_builtin()
    return _default.channel(platform)


def get(key: str) -> type[Collector]:
    """Return the plugin class for ``key`` from the default registry."""
    load_builtin()
    return _default.get(key)


def all_collectors() -> list[type[Collector]]:
    """Return every plugin of the default registry."""
    load_builtin()
    return _default.all()


def statuses(config: Mapping[str, Any] | None = None) -> list[CollectorStatus]:
    """Return each plugin's availability in the default registry."""
    load_builtin()
    return _default.statuses(config)


def available(config: Mapping[str, Any] | None = None) -> dict[str, type[Collector]]:
    """Return the usable plugins of the default registry by key."""
    load_builtin()
    return _default.available(config)


def load_errors() -> dict[str, str]:
    """Return the plugin modules of the default registry that failed to import."""
    load_builtin()
    return _default.load_errors
