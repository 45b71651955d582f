"""A real Chromium: staff create a survey, a visitor answers the embedded question inside an iframe on
another origin with JavaScript off, and the personal link keeps one answer with an editable comment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support import hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "nps demo password"


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("nps-demo")
    # Threaded workers: a cross-site iframe gets its own connection pool, and Chromium holds speculative
    # idle connections open that a sync worker would sit on while the real request waits.
    env = hub.hub_env(folder / "instance", SENTIMENT_ON_INGEST="0", GUNICORN_CMD_ARGS="--threads 8")
    hub.run_cli(env, "demo", "--password", PASSWORD, timeout=120)
    with hub.serving(env, folder / "server.log", workers=1) as url:
        yield url


class BrandSite:
    """The brand's own site on another origin (localhost, not 127.0.0.1), with the survey in an iframe."""

    def __init__(self) -> None:
        self.embed_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "<!doctype html><title>Brand</title><h1>Our shop</h1>"
                    f'<iframe id="nps" src="{site.embed_url}" width="600" height="360"></iframe>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_embedded_question_in_a_foreign_iframe_without_javascript(demo_hub: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # two cores shared with other suites: be patient, not timed
    site = BrandSite()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            staff = browser.new_context(locale="en-GB").new_page()
            staff.set_default_timeout(15_000)
            staff.goto(f"{demo_hub}/login")
            staff.fill("#email", "demo@example.com")
            staff.fill("#password", PASSWORD)
            staff.click("button[type=submit]")
            staff.goto(f"{demo_hub}/nps/")
            staff.fill("#title", "Autumn <b>NPS</b>")
            staff.click("form[action$='/nps/surveys'] button[type=submit]")
            expect(staff.locator("h1")).to_have_text("Autumn <b>NPS</b>")
            site.embed_url = staff.locator("pre.embed-code").inner_text().split('src="')[1].split('"')[0]
            staff.fill("#respondents", "ana@example.com")
            staff.click("form[action$='/invite'] button[type=submit]")
            link = staff.locator("code.invitation-link").inner_text()

            visitor_context = browser.new_context(locale="fr-FR", java_script_enabled=False)
            visitor = visitor_context.new_page()
            visitor.set_default_timeout(15_000)
            blocked: list[str] = []
            visitor.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
            visitor.goto(site.url)
            frame = visitor.frame_locator("#nps")
            frame.locator("label.nps-option", has_text="3").click()
            frame.locator("#comment").fill("Livraison trop lente <script>alert(1)</script>")
            frame.locator("button[type=submit]").click()
            expect(frame.locator(".nps-thanks")).to_be_visible()

            visitor.goto(link)
            visitor.locator("label.nps-option", has_text="10").click()
            visitor.fill("#comment", "Great jacket")
            visitor.click("button[type=submit]")
            expect(visitor.locator(".nps-answered")).to_be_visible()
            visitor.fill("#comment", "Great jacket, slow delivery")
            visitor.click("button[type=submit]")
            expect(visitor.locator("#comment")).to_have_value("Great jacket, slow delivery")

            staff.goto(f"{demo_hub}/nps/")
            comments = staff.locator(".nps-comments li")
            expect(comments).to_have_count(2)
            expect(staff.locator(".nps-comments")).to_contain_text("<script>alert(1)</script>")  # shown as text
            expect(staff.locator("#nps-overall svg.chart")).to_be_visible()
            browser.close()
    finally:
        site.server.shutdown()
        site.server.server_close()
    assert blocked == []
