"""A real Chromium on the demo hub: the friction dashboard shows themes, keywords and examples."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.servers import CHROMIUM_ARGS, chromium_executable, free_port
from tests.test_e2e_browser import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "insights demo password"


@pytest.fixture(scope="module")
def scored_demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ugc-hub demo`, `ugc-hub sentiment score` with the offline default model, then `ugc-hub serve`."""
    folder = tmp_path_factory.mktemp("insights-demo")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "STORAGE_URL")}
    env |= {"UGC_HUB_INSTANCE": str(folder / "instance"), "UGC_HUB_SECURE_COOKIES": "0", "SENTIMENT_ON_INGEST": "0"}
    cli = [sys.executable, "-m", "ugc_hub.cli"]
    subprocess.run([*cli, "demo", "--password", PASSWORD], env=env, check=True, capture_output=True, timeout=120)
    scored = subprocess.run([*cli, "sentiment", "score"], env=env, check=True, capture_output=True, timeout=300)
    assert b"posts scored" in scored.stdout
    port = free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


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
        expect(page.locator("svg.chart").first).to_be_visible()
        browser.close()
    assert blocked == [] and outside == []
