"""The contract every registered collector plugin keeps, checked against each plugin's fake."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from collectors import registry
from collectors.base import Collector, Page, RawItem, schema_problems
from collectors.errors import ConfigurationError
from tests.fakes.harness import PLUGIN_FAKES, plugin_fake
from ugc_hub.domain.posts import PLATFORMS, NormalizedPost

PLUGINS = registry.all_collectors()
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def _fetch_all(plugin: Collector, settings: dict, cursor: dict | None = None) -> list[Page]:
    return list(plugin.fetch(settings, cursor))


def _ids(pages: list[Page]) -> list[str]:
    return [item.platform_id for page in pages for item in page.items]


def test_builtin_plugins_load_without_errors():
    assert registry.load_errors() == {}
    assert {cls.key for cls in PLUGINS} >= set(PLUGIN_FAKES)


def test_keys_are_unique():
    keys = [cls.key for cls in PLUGINS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("cls", PLUGINS, ids=lambda cls: cls.key)
class TestPluginContract:
    def test_declares_a_valid_identity_and_schema(self, cls: type[Collector]):
        assert schema_problems(cls) == []
        assert KEY_RE.match(cls.key)
        assert cls.platform in PLATFORMS
        assert cls.title and cls.description
        assert registry.get(cls.key) is cls

    def test_has_a_fake(self, cls: type[Collector]):
        assert cls.key in PLUGIN_FAKES, f"add a fake for {cls.key} to tests/fakes/harness.py"

    def test_check_reports_instead_of_raising(self, cls: type[Collector]):
        plugin = cls()
        problems = plugin.check({})
        assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
        if any(field.required and field.default is None for field in cls.settings_schema):
            assert problems
        garbage = {field.name: object() for field in cls.settings_schema}
        assert all(isinstance(p, str) for p in plugin.check(garbage))
        assert isinstance(plugin.check(None), list)

    def test_fetch_with_missing_settings_raises_configuration_error(self, cls: type[Collector]):
        if not any(field.required and field.default is None for field in cls.settings_schema):
            pytest.skip("no required settings")
        with pytest.raises(ConfigurationError):
            next(iter(cls().fetch({}, None)))

    def test_account_key_is_text(self, cls: type[Collector]):
        with plugin_fake(cls.key) as settings:
            assert cls().account_key(settings)
        assert isinstance(cls().account_key({}), str)

    def test_fetch_and_map_round_trip(self, cls: type[Collector]):
        plugin = cls()
        with plugin_fake(cls.key) as settings:
            assert plugin.check(settings) == []
            pages = _fetch_all(plugin, settings)
        items = [item for page in pages for item in page.items]
        assert pages and items
        for page in pages:
            assert isinstance(page, Page) and isinstance(page.next_cursor, dict)
            json.dumps(page.next_cursor)
        for item in items:
            assert isinstance(item, RawItem) and item.platform_id
            json.dumps(item.payload)
            json.dumps(item.meta)
        batch = plugin.map_items(items)
        assert batch.failures == ()
        for item, post in zip(items, batch.posts, strict=True):
            assert isinstance(post, NormalizedPost)
            assert post.platform == cls.platform
            assert post.platform_id == item.platform_id
            assert isinstance(post.posted_at, datetime) and post.posted_at.tzinfo is not None
            assert post.raw == dict(item.payload)

    def test_resuming_from_any_page_repeats_nothing_and_misses_nothing(self, cls: type[Collector]):
        plugin = cls()
        with plugin_fake(cls.key) as settings:
            pages = _fetch_all(plugin, settings)
            everything = _ids(pages)
            assert len(everything) == len(set(everything))
            for stop in range(len(pages)):
                before = _ids(pages[: stop + 1])
                after = _ids(_fetch_all(plugin, settings, json.loads(json.dumps(pages[stop].next_cursor))))
                assert sorted(before + after) == sorted(everything), f"resuming after page {stop + 1}"

    def test_the_final_cursor_brings_nothing_again(self, cls: type[Collector]):
        plugin = cls()
        with plugin_fake(cls.key) as settings:
            pages = _fetch_all(plugin, settings)
            again = _fetch_all(plugin, settings, pages[-1].next_cursor)
        assert _ids(again) == []
        assert again, "a run always yields at least one page so the cursor can move"
