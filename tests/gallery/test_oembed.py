"""oEmbed, consumed by a real client library (micawber) over HTTP, found through the page's discovery link."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.request import urlopen

import micawber
import pytest
from flask import Flask

from tests.gallery.live import live
from tests.gallery.support import consented, published_gallery
from ugc_hub.models import db


class DiscoveryLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate" and values.get("type") == "application/json+oembed":
            self.found.append(values["href"] or "")


def test_a_cms_embeds_the_gallery_through_oembed(app: Flask, storage: Any, snapshot_settings: Any, ws: int) -> None:
    consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws, name='Rain & "shine"')
    with live(app) as hub:
        page_url = f"{hub}/g/lookbook"
        links = DiscoveryLinks()
        links.feed(urlopen(page_url, timeout=10).read().decode())
        assert len(links.found) == 1
        endpoint = links.found[0].split("?")[0]
        assert endpoint == f"{hub}/g/oembed"

        registry = micawber.ProviderRegistry()
        registry.register(rf"{hub}/g/\S+", micawber.Provider(endpoint))
        data = registry.request(page_url, maxwidth=600)
        assert data["type"] == "rich" and data["version"] == "1.0"
        assert data["width"] == 600
        assert f'src="{hub}/g/lookbook/embed"' in data["html"]
        assert 'title="Rain &amp; &#34;shine&#34;"' in data["html"]

        # What a CMS does with a pasted link: the URL becomes the embed.
        rendered = micawber.parse_text(f"Our customers:\n{page_url}\n", registry)
        assert f'<iframe src="{hub}/g/lookbook/embed"' in rendered

        embed = urlopen(f"{hub}/g/lookbook/embed", timeout=10)
        assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
        assert embed.headers.get("X-Frame-Options") is None

        with pytest.raises(micawber.ProviderException):
            micawber.Provider(endpoint).request(f"{hub}/g/unknown")
        with pytest.raises(micawber.ProviderException):
            micawber.Provider(endpoint).request("https://elsewhere.example/g/lookbook")
        with pytest.raises(micawber.ProviderException):
            micawber.Provider(endpoint, format="xml").request(page_url)


@pytest.mark.parametrize(
    ("query", "width", "height"),
    [
        ("maxwidth=50&maxheight=40", 50, 40),
        ("maxwidth=1&maxheight=1", 1, 1),
        ("maxwidth=600", 600, 640),
        ("maxwidth=5000&maxheight=5000", 800, 640),
        ("maxwidth=0&maxheight=-3", 800, 640),
        ("maxwidth=wide", 800, 640),
    ],
)
def test_oembed_never_answers_larger_than_maxwidth_and_maxheight(
    app: Flask, storage: Any, snapshot_settings: Any, ws: int, query: str, width: int, height: int
) -> None:
    """oEmbed 1.0 §2.2: the answer's width and height must not exceed the consumer's maxwidth and maxheight."""
    consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    client = app.test_client()
    data = client.get(f"/g/oembed?url=http://localhost/g/lookbook&{query}").json
    assert (data["width"], data["height"]) == (width, height)
    assert f'width="{width}" height="{height}"' in data["html"]
