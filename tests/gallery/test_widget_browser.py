"""The one-line snippet on a brand's page (another localhost port, hostile CSS, strict CSP), in real Chromium."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from gallery.snapshots import settings_from_config
from tests.gallery.support import (
    HOSTILE_CAPTION,
    HOSTILE_HANDLE,
    approve,
    grant,
    make_post,
    published_gallery,
    withdraw,
)
from tests.support import hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable
from ugc_hub.app import create_app
from ugc_hub.models import Post, Workspace, db
from ugc_hub.services.demo import load_demo
from ugc_hub.services.storage import storage_from_config

pytestmark = pytest.mark.browser
PASSWORD = "widget demo password"

HOSTILE_CSS = """
  ugc-gallery, ugc-gallery *, div, ul, li, img, a, button, p, span, figure {
    display: none !important; visibility: hidden !important; opacity: 0 !important; }
  ugc-gallery { position: absolute !important; left: -9999px !important; width: 0 !important;
    height: 0 !important; overflow: hidden !important; transform: scale(0) !important; }
  * { font-size: 90px !important; line-height: 4 !important; color: #ff0 !important;
    font-family: "Comic Sans MS" !important; letter-spacing: 2em !important; }
"""


def host_page(hub_url: str) -> str:
    """A strict CSP too: the widget needs no inline style or script allowance, and may only reach the hub."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src {hub_url}; connect-src {hub_url}; img-src {hub_url}; style-src 'nonce-brand'">
<title>Brand shop</title><style nonce="brand">{HOSTILE_CSS}</style></head>
<body><p id="host-text">Our customers</p>
<script src="{hub_url}/g/static/gallery.js" async></script><ugc-gallery data-gallery="lookbook"></ugc-gallery>
</body></html>"""


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo hub with four consented posts in a published gallery, served by gunicorn; the brand's site."""
    folder = tmp_path_factory.mktemp("widget")
    instance = folder / "instance"
    # Each gunicorn worker may keep a snapshot for GALLERY_SNAPSHOT_CACHE_SECONDS (1 s by default); 0 here so
    # the reload right after the withdrawal must already miss the post (test_snapshot_api covers the cache).
    env = hub.hub_env(instance, GALLERY_SNAPSHOT_CACHE_SECONDS="0")
    # `db upgrade heads` rather than `demo`'s own upgrade: features side by side may each add a head.
    hub.run_cli(env, "db", "upgrade", "heads", timeout=120)
    mp = pytest.MonkeyPatch()
    mp.setenv("UGC_HUB_INSTANCE", str(instance))
    mp.delenv("DATABASE_URL", raising=False)
    mp.delenv("STORAGE_URL", raising=False)
    app = create_app({"TESTING": True, "CELERY": {"task_always_eager": True, "broker_url": "memory://"}})
    context = app.app_context()
    context.push()
    try:
        storage = storage_from_config(app.config)
        load_demo(db.session, email="demo@example.com", password=PASSWORD, instance_path=instance, storage=storage)
        workspace = db.session.scalar(select(Workspace).where(Workspace.slug == "lumen-outdoor"))
        chosen = ["demo-instagram-001", "demo-instagram-002", "demo-instagram-005"]
        ids = list(db.session.scalars(select(Post.id).where(Post.platform_id.in_(chosen))))
        hostile = make_post(
            db.session,
            storage,
            workspace_id=workspace.id,
            n=9001,
            caption=HOSTILE_CAPTION,
            handle=HOSTILE_HANDLE,
            tags=("lumenrun",),
        )
        for post_id in [*ids, hostile.id]:
            grant(db.session, post_id)
        approve(db.session, [*ids, hostile.id])
        gallery = published_gallery(
            db.session, settings_from_config(app.config), workspace_id=workspace.id, hashtags=["lumenrun"]
        )
        site = folder / "site"
        site.mkdir()
        with hub.serving(env, folder / "server.log", workers=2) as hub_url:
            (site / "index.html").write_text(host_page(hub_url))
            (site / "iframe.html").write_text(
                f"<!doctype html><style>{HOSTILE_CSS}</style>"
                f'<iframe src="{hub_url}/g/lookbook/embed" width="320" height="600" title="gallery"></iframe>'
            )
            handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
            brand = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=brand.serve_forever, daemon=True)
            thread.start()
            try:
                yield {
                    "hub": hub_url,
                    "site": f"http://localhost:{brand.server_port}/",
                    "hostile": hostile.id,
                    "gallery": gallery.id,
                }
            finally:
                brand.shutdown()
                brand.server_close()
    finally:
        db.session.remove()
        db.engine.dispose()
        context.pop()
        mp.undo()


@pytest.fixture
def browser_page(scene: dict[str, Any]) -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab, context
        browser.close()


def test_snippet_on_a_hostile_page_shows_credits_lightbox_by_keyboard_and_withdrawal(
    browser_page: tuple[Any, Any], scene: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page, context = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(scene["site"])
    expect(page.locator("#host-text")).to_be_hidden()  # the hostile CSS is in force on the host page

    tiles = page.locator("ugc-gallery li")
    expect(tiles).to_have_count(4)
    for handle in ("@trailkate", "@louise.en.rando", "@mila.outdoors"):
        credit = page.locator("ugc-gallery li p.c", has_text=f"📸 {handle}")
        expect(credit).to_be_visible()
        expect(credit.locator("a").first).to_have_attribute("href", f"https://www.instagram.com/{handle[1:]}/")
    hostile_tile = page.locator(f'ugc-gallery li[data-post-id="{scene["hostile"]}"]')
    expect(hostile_tile.locator("p.c")).to_contain_text(f"📸 @{HOSTILE_HANDLE}")
    expect(hostile_tile.locator("button.t")).to_have_attribute("aria-label", f"Open photo by @{HOSTILE_HANDLE}")
    image = tiles.first.locator("img")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("loading", "lazy")
    assert "320w" in (image.get_attribute("srcset") or "")
    assert (image.get_attribute("src") or "").startswith(f"{scene['hub']}/g/media/")
    box = page.locator("ugc-gallery").bounding_box()
    assert box and box["x"] >= 0 and box["width"] <= 320 and box["height"] > 100

    # Keyboard only: the first Tab reaches the first tile, Enter opens the lightbox.
    page.keyboard.press("Tab")
    first_button = tiles.first.locator("button.t")
    expect(first_button).to_be_focused()
    first_id = tiles.first.get_attribute("data-post-id")
    with page.expect_request(lambda r: r.url.endswith("/g/lookbook/beacon")) as beacon:
        page.keyboard.press("Enter")
    assert f'"ids":[{first_id}]' in (beacon.value.post_data or "") and '"event":"click"' in (
        beacon.value.post_data or ""
    )
    dialog = page.locator("ugc-gallery .lb")
    expect(dialog).to_be_visible()
    expect(dialog.locator("button.close")).to_be_focused()
    first_credit = dialog.locator("figcaption p.c").inner_text()
    page.keyboard.press("ArrowRight")
    expect(dialog.locator("figcaption p.c")).not_to_have_text(first_credit)
    for _ in range(8):  # focus stays trapped inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => { const r = document.querySelector('ugc-gallery').shadowRoot;"
            " return r.querySelector('.lb').contains(r.activeElement); }"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(first_button).to_be_focused()

    # Hostile text stayed text.
    hostile_tile.locator("button.t").click()
    expect(dialog.locator("p.cap")).to_have_text(HOSTILE_CAPTION)
    page.keyboard.press("Escape")
    assert dialogs == []
    assert context.cookies() == []
    assert all(url.startswith((scene["hub"], scene["site"])) for url in requested), requested

    withdrawn = int(tiles.nth(1).get_attribute("data-post-id") or 0)
    withdrawn_handle = tiles.nth(1).locator("p.c a").first.inner_text()
    withdraw(db.session, withdrawn)

    page.reload()
    expect(tiles).to_have_count(3)
    expect(page.locator(f'ugc-gallery li[data-post-id="{withdrawn}"]')).to_have_count(0)
    expect(page.locator("ugc-gallery li p.c", has_text=withdrawn_handle)).to_have_count(0)


def test_iframe_page_works_under_the_hub_csp(browser_page: tuple[Any, Any], scene: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, _ = browser_page
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(scene["site"] + "iframe.html")
    frame = page.frame_locator("iframe")
    expect(frame.locator("li.ugc-tile").first).to_be_visible()
    expect(frame.locator("li.ugc-tile p.ugc-credit").first).to_contain_text("📸 @")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_staff_preview_follows_the_form_before_saving(browser_page: tuple[Any, Any], scene: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, _ = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    # What the public embed shows now (four posts, or three once another test of this module has withdrawn one).
    page.goto(f"{scene['hub']}/g/lookbook/embed")
    expect(page.locator("li.ugc-tile").first).to_be_visible()
    public = page.locator("li.ugc-tile").count()
    assert public in (3, 4)
    page.goto(f"{scene['hub']}/login")
    page.fill("#email", "demo@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=Galleries")
    page.click(f'tr[data-gallery-id="{scene["gallery"]}"] >> text=Edit')
    preview = page.frame_locator("#gallery-preview")
    expect(preview.locator("body")).to_have_class(re.compile(r"\blayout-grid\b"))
    expect(preview.locator("li.ugc-tile")).to_have_count(public)
    page.select_option("#layout", "carousel")
    page.fill("#item_count", "2")
    expect(preview.locator("body")).to_have_class(re.compile(r"\blayout-carousel\b"))
    expect(preview.locator("li.ugc-tile")).to_have_count(2)
