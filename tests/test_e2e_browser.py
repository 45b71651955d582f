"""The README's first command, then a real Chromium: sign in, filter, approve by keyboard, audit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable

pytestmark = pytest.mark.browser
PASSWORD = "e2e demo password"


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ugc-hub demo` then `ugc-hub serve`, exactly as scripts/demo runs them, on embedded defaults."""
    yield from hub.demo_hub(tmp_path_factory.mktemp("demo"), PASSWORD)


@pytest.fixture
def page(demo_hub: str) -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
        browser.close()


def test_sign_in_filter_approve_by_keyboard_and_find_it_in_the_audit_log(page: Any, demo_hub: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{demo_hub}/inbox/")
    expect(page).to_have_url(f"{demo_hub}/login?next=%2Finbox%2F")
    page.fill("#email", "demo@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Inbox")

    page.fill("input[name=hashtag]", "lumenrun")
    page.fill("input[name=language]", "fr")
    page.click("form.filters button[type=submit]")
    posts = page.locator("li.post")
    expect(posts).to_have_count(1)
    expect(posts.first).to_contain_text("veste Lumen")
    post_id = posts.first.get_attribute("data-post-id")

    page.locator("body").press("j")
    expect(posts.first).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator(".flash.ok")).to_have_text("1 post updated.")
    # The inbox shows new posts by default, so the approved one leaves the queue.
    expect(posts).to_have_count(0)
    page.goto(f"{demo_hub}/inbox/?status=approved&hashtag=lumenrun&language=fr")
    expect(page.locator("li.post .status")).to_have_text("approved")

    page.click("nav >> text=Audit log")
    row = page.locator(f'tr.audit-event[data-object="post:{post_id}"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("post.approved")
    expect(row).to_contain_text("demo@example.com")


def test_hostile_caption_does_not_run(page: Any, demo_hub: str) -> None:
    from playwright.sync_api import expect

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{demo_hub}/login")
    page.fill("#email", "demo@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{demo_hub}/inbox/?status=&q=break")
    expect(page.locator("li.post")).to_have_count(1)
    expect(page.locator("li.post .text")).to_contain_text("<script>alert('xss')</script>")
    page.click("li.post >> text=Open")
    expect(page.locator("p.text.full")).to_contain_text("<script>")
    assert dialogs == []


def test_demo_images_are_served_from_our_storage(page: Any, demo_hub: str) -> None:
    page.goto(f"{demo_hub}/login")
    page.fill("#email", "demo@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{demo_hub}/inbox/?status=&hashtag=lumen")
    image = page.locator("li.post img").first
    src = image.get_attribute("src")
    assert src and src.startswith("/inbox/media/media/demo/")
    width = page.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle())
    assert width == 640


def test_demo_is_idempotent(demo_hub: str, tmp_path: Path) -> None:
    # demo_hub already ran `demo` once; a second run refreshes and adds nothing.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["UGC_HUB_INSTANCE"] = str(tmp_path / "again")
    cli = [sys.executable, "-m", "ugc_hub.cli", "demo", "--password", PASSWORD]
    first = subprocess.run(cli, env=env, check=True, capture_output=True, text=True, timeout=120)
    second = subprocess.run(cli, env=env, check=True, capture_output=True, text=True, timeout=120)
    assert "30 new posts" in first.stdout
    assert "0 new posts, 30 refreshed" in second.stdout
    assert f"with password {PASSWORD}" in second.stdout
