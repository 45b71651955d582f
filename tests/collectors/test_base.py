"""The plugin base: settings fields, settings resolution, pages, per-item mapping failures."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from collectors.base import Collector, Page, RawItem, SettingField, resolve_settings, schema_problems
from collectors.errors import ConfigurationError, MappingError, RateLimited
from collectors.incremental import prune_seen
from ugc_hub.domain.posts import NormalizedPost

SCHEMA = (
    SettingField("name", "Name", "str", required=True),
    SettingField("count", "Count", "int", default=3),
    SettingField("flag", "Flag", "bool", default=False),
    SettingField("tags", "Tags", "list", default=["a"]),
    SettingField("mode", "Mode", "choice", default="fast", choices=("fast", "slow")),
    SettingField("token", "Token", "secret"),
)


class Echo(Collector):
    """A plugin whose items are given to it; maps items whose payload has 'text'."""

    key = "test.echo"
    title = "Echo"
    platform = "other"
    description = "For tests."
    settings_schema = SCHEMA

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        self.resolve(settings)
        yield Page((), {})

    def map_item(self, item: RawItem) -> NormalizedPost:
        if not isinstance(item.payload.get("text"), str):
            raise MappingError(f"echo {item.platform_id}: no text", platform_id=item.platform_id)
        return NormalizedPost(platform="other", platform_id=item.platform_id, author=None, text=item.payload["text"])


def test_resolve_applies_defaults_and_coerces_form_values():
    values, problems = resolve_settings(
        SCHEMA, {"name": " acme ", "count": "7", "flag": "on", "tags": "x, y\nz", "mode": "slow"}
    )
    assert problems == []
    assert values == {"name": "acme", "count": 7, "flag": True, "tags": ["x", "y", "z"], "mode": "slow", "token": None}


def test_resolve_reports_every_problem_without_raising():
    values, problems = resolve_settings(SCHEMA, {"count": "many", "flag": "perhaps", "mode": "medium", "tags": [1]})
    assert len(problems) == 5
    assert "Name is required" in problems
    assert values["count"] == 3  # the default stands in for the invalid value


def test_field_definitions_are_checked():
    assert SettingField("ok", "OK", "choice", choices=("a",), default="a").problems() == []
    assert SettingField("bad name", "", "colour").problems()  # type: ignore[arg-type]
    assert SettingField("c", "C", "choice").problems() == ["choice field 'c' has no choices"]
    assert SettingField("n", "N", "int", default="3").problems()  # a default must already be typed


def test_schema_problems_flag_an_unknown_platform():
    class Broken(Echo):
        platform = "myspace"

    assert any("platform" in p for p in schema_problems(Broken))
    assert schema_problems(Echo) == []


def test_check_never_raises_and_resolve_does():
    plugin = Echo()
    assert plugin.check({"name": "x"}) == []
    assert plugin.check({}) == ["Name is required"]
    with pytest.raises(ConfigurationError, match="Name is required"):
        plugin.resolve({})


def test_a_page_keeps_the_cursor_it_was_created_with():
    state = {"seen": {"a": 1.0}}
    page = Page((), state)
    state["seen"]["b"] = 2.0
    assert page.next_cursor == {"seen": {"a": 1.0}}


def test_map_items_keeps_mapping_the_rest_of_a_page():
    items = [RawItem("1", {"text": "hi"}), RawItem("2", {"txt": "renamed"}), RawItem("3", {"text": "there"})]
    batch = Echo().map_items(items)
    assert [p.platform_id for p in batch.posts] == ["1", "3"]
    assert [(f.item.platform_id, f.error.message) for f in batch.failures] == [("2", "echo 2: no text")]


def test_rate_limited_carries_the_wait():
    error = RateLimited(-5, "slow down")
    assert error.retry_after_seconds == 0 and str(error) == "slow down"


def test_prune_seen_keeps_the_window_and_the_newest():
    seen = {"old": 1.0, "mid": 5.0, "new": 9.0}
    assert prune_seen(seen, 5.0) == {"mid": 5.0, "new": 9.0}
    assert prune_seen(seen, None, limit=1) == {"new": 9.0}
