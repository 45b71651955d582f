"""In Chromium: a customer signs in by the e-mailed link, submits an idea, a moderator publishes it,
other customers support it past a small milestone, and the deadline moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import hub as support_hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = "ideas admin password"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    campaign = ["campaign-create", "Your next lantern", "--ladder", "2:7d,4:30d"]
    yield from support_hub.demo_hub(
        tmp_path_factory.mktemp("ideas-hub"), ADMIN_PASSWORD, [campaign], MAIL_BACKEND="console"
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_sign_in_submit_publish_support_and_the_deadline_moves(browser: Any, hub: str) -> None:
    from playwright.sync_api import expect

    staff = browser.new_context(locale="en-GB").new_page()
    staff.goto(f"{hub}/login")
    staff.fill("#email", "demo@example.com")
    staff.fill("#password", ADMIN_PASSWORD)
    staff.click("button[type=submit]")

    def customer(email: str) -> Any:
        page = browser.new_context(locale="en-GB").new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{hub}/ideas/signin")
        page.fill("#email", email)
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_have_text("Check your e-mail")
        staff.goto(f"{hub}/staff/ideas/outbox")
        body = staff.locator("article.mail pre").first.inner_text()
        assert email in staff.locator("article.mail").first.inner_text()
        link = re.search(r"http://\S+/ideas/signin/\S+", body).group(0)
        page.goto(link.replace("http://localhost", hub))
        page.click("#confirm-sign-in")
        expect(page.locator("h1").first).to_have_text("My ideas")
        return page

    author = customer("author@example.com")
    author.goto(f"{hub}/ideas/")
    author.click("text=Your next lantern")
    author.click("text=Submit an idea")
    author.fill("#title", "Solar lantern that folds flat")
    author.fill("#description", "Charges by day, lights the tent by night.")
    author.click("main button[type=submit]")
    expect(author.locator(".flash.ok")).to_contain_text("once a moderator has checked it")

    staff.goto(f"{hub}/staff/ideas/")
    staff.locator("li.post", has_text="Solar lantern").locator("button[value=publish]").click()
    expect(staff.locator(".flash.ok")).to_have_text("Idea published.")

    author.goto(f"{hub}/ideas/")
    author.click("text=Your next lantern")
    author.click("text=Solar lantern that folds flat")
    idea_url = author.url
    first_deadline = author.locator(".days-left").get_attribute("data-deadline")
    expect(author.locator(".next")).to_have_text("Next milestone: 2")

    for n in range(2):
        fan = customer(f"fan{n}@example.com")
        fan.goto(idea_url)
        fan.click("#support")
        expect(fan.locator(".flash.ok")).to_have_text("Thank you for your support!")

    author.goto(idea_url)
    expect(author.locator(".supporters strong")).to_have_text("2")
    expect(author.locator(".next")).to_have_text("Next milestone: 4")
    expect(author.locator(".milestones li")).to_have_count(1)
    assert author.locator(".days-left").get_attribute("data-deadline") != first_deadline
