"""``rss.feed``: entries of an RSS or Atom feed (blog mentions, Google Alerts, forum feeds...).

The feed is fetched with ``requests`` (timeout, conditional request with the ETag and
Last-Modified kept in the cursor; 304 yields an empty page) and the bytes are parsed by
feedparser, which never touches the network here. One page per run.

Platform ids are unique per platform, and many feeds number their entries "1", "2"...: a guid that
is not an absolute URI is prefixed with the site the feed describes (``feed_entry_id``), so two
feeds never share a post, while one feed read at another address (http to https, a new feed URL)
keeps its ids. Cursor::

    {"v": 1, "etag": str|null, "modified": str|null, "seen": {entry_id: timestamp}}
"""

from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from collectors.base import Collector, Page, RawItem, SettingField
from collectors.errors import ConfigurationError, MappingError, TransientError
from collectors.incremental import load_seen, prune_seen
from collectors.registry import register
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost
from ugc_hub.netguard import guarded_session

DEFAULT_USER_AGENT = "ugc-hub-feed-reader/0.1 (+https://github.com/ugc-hub)"
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


def jsonable(value: Any) -> Any:
    """Return feedparser output as plain JSON types (``struct_time`` becomes ISO 8601 UTC)."""
    if isinstance(value, time.struct_time):
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def entry_id(entry: Mapping[str, Any]) -> str:
    """Return an entry's stable id: its guid/id, else its link, else a hash of title and date."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    # Not entry.get("updated"): feedparser warns when it maps a missing "updated" to "published".
    when = entry["published"] if "published" in entry else entry.get("updated", "")
    basis = f"{entry.get('title', '')}|{when}"
    return "sha1:" + hashlib.sha1(basis.encode(), usedforsecurity=False).hexdigest()


#: Schemes whose ids name their own authority without a host part: ``tag:`` (RFC 4151), ``urn:``.
_GLOBAL_SCHEMES = frozenset({"tag", "urn"})
MAX_SITE = 120


def is_absolute_id(ident: str) -> bool:
    """Whether an id is a URI that is unique by itself (``https://…``, ``tag:…``, ``urn:…``)."""
    try:
        parts = urlsplit(ident)
    except ValueError:
        return False
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme.lower() in _GLOBAL_SCHEMES)


def feed_site(channel_link: Any, feed_url: str) -> str:
    """The site a feed describes, scheme-less and lowercased: ``host/path`` of the channel's ``<link>``.

    A relative link is the feed's own site; without a link, the feed URL's host stands in. "www." is
    dropped, as sites answer with and without it; a trailing "/" too.
    """
    link = channel_link.strip() if isinstance(channel_link, str) else ""
    try:
        parts = urlsplit(urljoin(feed_url, link) if link else feed_url)
    except ValueError:
        parts = urlsplit(feed_url)
        link = ""
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path.rstrip("/") if link else ""
    return f"{host}{path}".lower()[:MAX_SITE]


def feed_entry_id(ident: str, site: str) -> str:
    """The platform id of an entry: an absolute id as written, any other one prefixed with the site."""
    return ident if is_absolute_id(ident) else f"{site}#{ident}"


def resolve_links(entry: dict[str, Any], base: str) -> dict[str, Any]:
    """Return the entry with its links made absolute against the feed's address, its id left alone."""
    for key in ("link", "comments"):
        if isinstance(entry.get(key), str):
            entry[key] = urljoin(base, entry[key])
    links = entry.get("links")
    if isinstance(links, list):
        entry["links"] = [
            {**link, "href": urljoin(base, link["href"])}
            if isinstance(link, dict) and isinstance(link.get("href"), str)
            else link
            for link in links
        ]
    return entry


def _seen_under_old_id(seen: dict[str, float], written: str, ident: str, base: str) -> bool:
    """Whether the entry was collected under an earlier form of its id.

    Ids were first resolved against the feed's address, then briefly kept bare (``written``). Such a
    mark is moved to the entry's id, so the entry is neither stored twice nor looked up this way
    again. Posts stored then keep their old id: it cannot be told apart from an absolute guid, so no
    migration rewrites it.
    """
    for old in (urljoin(base, written), written):
        if old != ident and old in seen:
            seen[ident] = seen.pop(old)
            return True
    return False


def looks_truncated(content: bytes) -> bool:
    """Return whether a feed document stops before its root element is closed."""
    tail = content.rstrip().lower()[-64:]
    return not tail.endswith((b"</rss>", b"</feed>", b"</rdf:rdf>"))


def entry_timestamp(entry: Mapping[str, Any]) -> float | None:
    """Return when the entry was published (or last updated), as epoch seconds."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return float(calendar.timegm(value))
    return None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append("\n")


def html_to_text(markup: str) -> str:
    """Return the text of an HTML fragment, whitespace tidied."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


@register
class RssFeedCollector(Collector):
    """Entries of one RSS/Atom feed, fetched conditionally."""

    key = "rss.feed"
    title = "RSS / Atom feed"
    platform = "rss"
    description = "Entries of an RSS or Atom feed: blog mentions, Google Alerts, forum or review feeds."
    requires = ("feedparser",)
    # Feeds are per site, not per account; a few at once per host is polite enough.
    concurrency_per_account = 2
    settings_schema = (
        SettingField("url", "Feed URL", "str", required=True),
        SettingField("user_agent", "User agent", "str", default=DEFAULT_USER_AGENT, advanced=True),
        SettingField("timeout", "Request timeout (seconds)", "int", default=20, advanced=True),
        SettingField("remember", "Entry ids remembered for de-duplication", "int", default=2000, advanced=True),
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        problems = []
        if not values["url"].startswith(("http://", "https://")):
            problems.append("the feed URL must start with http:// or https://")
        if values["timeout"] <= 0:
            problems.append("the request timeout must be positive")
        return problems

    def account_key(self, settings: Mapping[str, Any]) -> str:
        url = str(settings.get("url") or "")
        return f"rss:{url.split('://', 1)[-1].split('/', 1)[0].lower()}"

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        import feedparser

        from collectors.http import send

        values = self.resolve(settings)
        cursor = dict(cursor or {})
        headers = {"User-Agent": values["user_agent"], "Accept": ACCEPT}
        if isinstance(cursor.get("etag"), str):
            headers["If-None-Match"] = cursor["etag"]
        if isinstance(cursor.get("modified"), str):
            headers["If-Modified-Since"] = cursor["modified"]
        with guarded_session() as session:
            response = send(session, "GET", values["url"], timeout=values["timeout"], what="feed", headers=headers)
        if response.status_code == 304:
            yield Page(
                (), {"v": 1, "etag": cursor.get("etag"), "modified": cursor.get("modified"), "seen": load_seen(cursor)}
            )
            return
        # No base address for feedparser: it would resolve relative guids against it too, and one
        # feed read at two addresses would give every entry two ids. Links are resolved below.
        headers_seen = {k.lower(): v for k, v in response.headers.items() if k.lower() != "content-location"}
        parsed = feedparser.parse(response.content, response_headers=headers_seen)
        if not parsed.entries and not parsed.get("version"):
            raise ConfigurationError(f"{values['url']} did not return an RSS or Atom feed")
        if parsed.bozo and looks_truncated(response.content):
            # feedparser's lenient parser would still return the entries before the cut, the
            # last one possibly half; a retry fetches the whole document.
            raise TransientError(f"the feed at {values['url']} ended early ({parsed.get('bozo_exception')}); retry")
        if parsed.bozo and not parsed.entries:
            raise TransientError(f"the feed at {values['url']} is malformed: {parsed.get('bozo_exception')}")
        seen = load_seen(cursor)
        items = []
        channel = parsed.feed if isinstance(parsed.feed, Mapping) else {}
        feed_title = channel.get("title")
        site = feed_site(channel.get("link"), response.url)
        for entry in parsed.entries:
            written = entry_id(entry)
            ident = feed_entry_id(written, site)
            if ident in seen or _seen_under_old_id(seen, written, ident, response.url):
                continue
            stamp = entry_timestamp(entry)
            seen[ident] = stamp if stamp is not None else time.time()
            payload = resolve_links(jsonable(entry), response.url)
            items.append(RawItem(ident, payload, {"feed_url": values["url"], "feed_title": feed_title}))
        next_cursor = {
            "v": 1,
            "etag": response.headers.get("ETag"),
            "modified": response.headers.get("Last-Modified"),
            "seen": prune_seen(seen, None, values["remember"]),
        }
        yield Page(tuple(items), next_cursor)

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_entry(item.platform_id, item.payload)


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def map_entry(platform_id: str, entry: Mapping[str, Any]) -> NormalizedPost:
    """Map a feed entry (feedparser's dict, made JSON) to a post."""
    if not isinstance(entry, Mapping):
        raise MappingError(
            f"feed entry {platform_id}: expected an object, got {type(entry).__name__}", platform_id=platform_id
        )
    content = entry.get("content")
    body = None
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        body = content[0].get("value")
    if not isinstance(body, str):
        body = entry.get("summary")
    title = entry.get("title")
    link = entry.get("link")
    if not any(isinstance(v, str) and v for v in (body, title, link)):
        raise MappingError(
            f"feed entry {platform_id}: no title, text or link; the feed shape may have changed",
            platform_id=platform_id,
        )
    detail = as_mapping(entry.get("author_detail"))
    name = entry.get("author") or detail.get("name")
    author = (
        NormalizedAuthor(
            handle=str(name),
            display_name=str(name),
            profile_url=detail.get("href") if isinstance(detail.get("href"), str) else None,
        )
        if isinstance(name, str) and name.strip()
        else None
    )
    media: list[MediaItem] = []
    # feedparser computes ``enclosures`` from the rel="enclosure" links on access; the JSON
    # copy of the entry only has the links themselves.
    enclosures = [
        link for link in entry.get("links") or [] if isinstance(link, Mapping) and link.get("rel") == "enclosure"
    ]
    for key, candidates in (
        ("media_content", entry.get("media_content")),
        ("enclosures", enclosures),
        ("media_thumbnail", entry.get("media_thumbnail")),
    ):
        for enclosure in candidates or []:
            if not isinstance(enclosure, Mapping):
                continue
            url = enclosure.get("url") or enclosure.get("href")
            kind = str(enclosure.get("type") or enclosure.get("medium") or "image")
            wanted = kind.startswith(("image", "video")) or key == "media_thumbnail"
            if isinstance(url, str) and url and wanted and all(m.url != url for m in media):
                media.append(MediaItem(url=url, type="video" if kind.startswith("video") else "image"))
    return NormalizedPost(
        platform="rss",
        platform_id=platform_id,
        author=author,
        title=html_to_text(title) if isinstance(title, str) else None,
        text=html_to_text(body) if isinstance(body, str) else "",
        media=tuple(media),
        permalink=link if isinstance(link, str) else None,
        posted_at=_parse_iso(entry.get("published_parsed")) or _parse_iso(entry.get("updated_parsed")),
        raw=dict(entry),
    )
