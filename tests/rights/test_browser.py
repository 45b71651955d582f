"""Real Chromium on a served hub: an admin sets up the terms, asks by direct message; the author approves
through the signed link, then withdraws through the link they were given; replaying the link is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable

pytestmark = pytest.mark.browser
PASSWORD = "rights demo password"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from hub.demo_hub(tmp_path_factory.mktemp("rights-demo"), PASSWORD)


@pytest.fixture
def browser(served: str) -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_the_author_approves_then_withdraws_by_signed_links(browser: Any, served: str) -> None:
    from playwright.sync_api import expect

    staff = browser.new_context(locale="en-GB").new_page()
    staff.set_default_timeout(15_000)
    staff.goto(f"{served}/login")
    staff.fill("#email", "demo@example.com")
    staff.fill("#password", PASSWORD)
    staff.click("button[type=submit]")

    staff.goto(f"{served}/rights/setup")
    staff.fill("input[name=title]", "Lumen sharing terms")
    staff.fill("textarea[name=body] >> nth=1", "You let Lumen show your post on lumen.example.\n\nWithdraw any time.")
    staff.click('button:has-text("Publish a new version")')
    expect(staff.locator(".flash.ok")).to_contain_text("Terms version 1 published.")
    staff.fill("textarea[name=body] >> nth=0", "Hi {author}! May we share your photo? Answer here: {link}")
    staff.click('button:has-text("Add the template")')
    expect(staff.locator(".flash.ok")).to_contain_text("Template added.")

    staff.goto(f"{served}/inbox/?status=")
    post_id = staff.locator("li.post").first.get_attribute("data-post-id")
    staff.goto(f"{served}/rights/posts/{post_id}")
    staff.select_option("select[name=channel]", "direct_message")
    staff.click('button:has-text("Create the request")')
    expect(staff.locator("[data-rights-state]")).to_have_attribute("data-rights-state", "requested")
    message = staff.locator("textarea[readonly]").first.input_value()
    link = re.search(r"https?://\S+/r/approve/\S+", message)
    assert link, message

    author = browser.new_context(locale="fr-FR").new_page()
    author.set_default_timeout(15_000)
    author.goto(link.group(0))
    expect(author.locator("section.terms")).to_contain_text("Withdraw any time.")
    author.click("button[value=approve]")
    withdraw = author.locator("a[data-withdraw-link]").get_attribute("href")
    assert withdraw and "/r/withdraw/" in withdraw
    staff.reload()
    expect(staff.locator("[data-rights-state]")).to_have_attribute("data-rights-state", "granted")

    author.goto(withdraw)
    author.click("form button[type=submit]")
    expect(author.locator("h1")).to_have_count(1)
    staff.reload()
    expect(staff.locator("[data-rights-state]")).to_have_attribute("data-rights-state", "revoked")
    staff.goto(f"{served}/rights/posts/{post_id}/evidence.html")
    expect(staff.locator("[data-ledger]")).to_have_attribute("data-ledger", "ok")

    replay = author.goto(link.group(0))
    assert replay is not None and replay.status == 410
    expect(author.locator("[data-refused]")).to_have_attribute("data-refused", "used")
