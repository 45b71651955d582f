"""The registry: unique keys, availability under configuration, import without side effects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collectors import registry
from collectors.registry import Registry, UnknownCollector
from tests.collectors.test_base import Echo

ROOT = Path(__file__).resolve().parents[2]


class NeedsMissingLibrary(Echo):
    key = "test.missing"
    title = "Needs a library that is not installed"
    requires = ("ugc_hub_no_such_library_xyz",)


def test_register_get_and_duplicate_keys():
    reg = Registry()
    reg.register(Echo)
    assert reg.get("test.echo") is Echo
    reg.register(Echo)  # registering the same class twice is harmless

    class Impostor(Echo):
        pass

    with pytest.raises(ValueError, match="already used"):
        reg.register(Impostor)
    with pytest.raises(UnknownCollector):
        reg.get("nope")


def test_register_rejects_a_plugin_without_identity():
    class Nameless(Echo):
        key = ""

    with pytest.raises(TypeError, match="key"):
        Registry().register(Nameless)


def test_a_missing_optional_library_disables_the_plugin_with_a_reason():
    reg = Registry()
    reg.register(Echo)
    reg.register(NeedsMissingLibrary)
    assert list(reg.available()) == ["test.echo"]
    status = {s.key: s for s in reg.statuses()}
    assert status["test.missing"].enabled is False
    assert "ugc_hub_no_such_library_xyz" in (status["test.missing"].reason or "")
    assert NeedsMissingLibrary().check({"name": "x"}) == [
        "the optional library 'ugc_hub_no_such_library_xyz' is not installed"
    ]


def test_configuration_chooses_the_plugins():
    reg = Registry()
    reg.register(Echo)
    reg.register(NeedsMissingLibrary)
    assert reg.available({"COLLECTORS_ENABLED": ["test.missing"]}) == {}
    assert reg.available({"COLLECTORS_DISABLED": ["test.echo"]}) == {}
    reasons = {s.key: s.reason for s in reg.statuses({"COLLECTORS_DISABLED": ["test.echo"]})}
    assert reasons["test.echo"] == "listed in COLLECTORS_DISABLED"


def test_a_plugin_module_that_fails_to_import_is_reported():
    reg = Registry()
    reg.load(["collectors.no_such_plugin_module"])
    assert "collectors.no_such_plugin_module" in reg.load_errors
    assert reg.all() == []


def test_builtin_plugins_are_available_here():
    assert set(registry.available()) == {
        "reddit.search",
        "instagram.hashtag",
        "instagram.tagged",
        "instagram.comments",
        "instagram_graph.hashtag",
        "instagram_graph.mentions",
        "trustpilot.reviews",
        "rss.feed",
        "appstore.reviews",
        "googleplay.reviews",
    }


def test_importing_the_package_loads_no_plugin_and_no_platform_library():
    code = (
        "import sys, collectors, collectors.registry, collectors.base\n"
        "loaded = [m for m in ('praw', 'instaloader', 'feedparser', 'google_play_scraper', 'flask',"
        " 'collectors.reddit.search') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "collectors.registry.all_collectors()\n"
        "loaded = [m for m in ('praw', 'instaloader', 'google_play_scraper', 'flask') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
