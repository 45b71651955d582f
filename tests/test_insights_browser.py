"""A real Chromium on the demo hub: the friction dashboard shows themes, keywords and examples."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support import hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "insights demo password"


@pytest.fixture(scope="module")
def scored_demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ugc-hub demo`, `ugc-hub sentiment score` with the offline default model (which then finds the
    negative posts' aspects), then `ugc-hub serve`."""
    folder = tmp_path_factory.mktemp("insights-demo")
    yield from hub.demo_hub(folder, PASSWORD, [["sentiment", "score"]], SENTIMENT_ON_INGEST="0")


def test_friction_dashboard_shows_themes_keywords_and_examples(scored_demo_hub: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="en-GB").new_page()
        page.set_default_timeout(15_000)
        blocked: list[str] = []
        page.on("console", lambda message: blocked.append(message.text) if "Content Security" in message.text else None)
        outside: list[str] = []
        page.on(
            "request", lambda request: None if request.url.startswith(scored_demo_hub) else outside.append(request.url)
        )

        page.goto(f"{scored_demo_hub}/login")
        page.fill("#email", "demo@example.com")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        # The demo posts are dated early November 2026.
        page.goto(f"{scored_demo_hub}/insights/?until=2026-11-15&weeks=4")
        expect(page.locator("h1")).to_have_text("Friction points")
        themes = page.locator("li.theme")
        expect(themes.first).to_be_visible()
        first = themes.first
        expect(first.locator(".keyword").first).to_be_visible()
        expect(first.locator(".examples li").first).to_be_visible()
        first_count = first.locator(".examples li").count()
        # Themes come from the embedding model's stored aspects (keywords only where it found none).
        expect(page.locator("#theme-sources")).to_contain_text("Themed by the model: ")
        expect(page.locator("#theme-sources")).not_to_contain_text("Themed by the model: 0;")
        expect(page.locator("svg.chart").first).to_be_visible()
        # Sentiment over time by source: one line (and legend entry) per platform of the demo.
        source_chart = page.locator("#sentiment-by-source svg.chart")
        expect(source_chart).to_be_visible()
        expect(source_chart.locator("text.legend").first).to_be_visible()
        # From a theme to every text it is made of, each linking to the post.
        key = first.get_attribute("data-theme")
        first.locator(".all-texts a").click()
        expect(page.locator(f'section.theme[data-theme="{key}"]')).to_be_visible()
        expect(page.locator(".examples li a").first).to_be_visible()
        assert page.locator(".examples li").count() >= first_count
        page.locator(".examples li a").first.click()
        expect(page).to_have_url(re.compile(r"/inbox/posts/\d+$"))
        browser.close()
    assert blocked == [] and outside == []
