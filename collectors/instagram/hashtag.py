"""``instagram.hashtag``: posts of the brand's hashtags, "top" and "recent" sections.

The requests are instaloader's own (``InstaloaderContext.get_iphone_json`` for
``api/v1/tags/web_info/``, ``get_json`` for ``explore/tags/<tag>/?max_id=``, as ``Hashtag`` and
``SectionIterator`` do in 4.16), but the paging is ours: ``SectionIterator`` cannot be frozen, so
the cursor keeps ``next_max_id`` itself. Cursor::

    {"v": 1, "tags": {tag: high_water}, "seen": {shortcode: taken_at},
     "run": null | {"tag", "section", "max_id", "pages", "floor", "high_water", "seen", "first_run"}}

The recent section is not strictly chronological: a run skips known shortcodes and posts older
than ``high_water - slack`` but only stops at a page that holds nothing newer than that.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from collectors.base import Collector, Page, RawItem, SettingField
from collectors.errors import MappingError
from collectors.incremental import as_float, floor_for, load_seen, lookback_floor, prune_seen, utc_now
from collectors.instagram.mapping import iphone_caption, map_iphone_media, mentions_any
from collectors.instagram.settings import SESSION_FIELDS, account_key
from collectors.registry import register
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import NormalizedPost

SECTION_CHOICES = {"top_and_recent": ("top", "recent"), "recent": ("recent",), "top": ("top",)}


def normalize_tags(tags: list[str]) -> list[str]:
    """Return hashtags lower-cased, without '#', deduplicated, in order."""
    return list(dict.fromkeys(t.strip().lstrip("#").lower() for t in tags if t.strip().lstrip("#")))


def section_medias(section: Any, where: str) -> list[Mapping[str, Any]]:
    """Return the media dicts of one section page (grid rows and clips rows)."""
    rows = section.get("sections") if isinstance(section, Mapping) else None
    if not isinstance(rows, list):
        raise MappingError(
            f"Instagram {where}: expected an object with a 'sections' list; the API shape may have changed"
        )
    medias: list[Mapping[str, Any]] = []
    for row in rows:
        content = row.get("layout_content") if isinstance(row, Mapping) else None
        if not isinstance(content, Mapping):
            continue
        entries = list(content.get("medias") or [])
        clips = (
            (content.get("one_by_two_item") or {}).get("clips")
            if isinstance(content.get("one_by_two_item"), Mapping)
            else None
        )
        if isinstance(clips, Mapping):
            entries.extend(clips.get("items") or [])
        medias.extend(e["media"] for e in entries if isinstance(e, Mapping) and isinstance(e.get("media"), Mapping))
    return medias


@register
class InstagramHashtagCollector(Collector):
    """Top and recent posts of hashtags, through a logged-in instaloader session."""

    key = "instagram.hashtag"
    title = "Instagram hashtags"
    platform = "instagram"
    description = (
        "Posts under the brand's hashtags (top and recent sections), optionally only those whose caption "
        "@mentions the brand. Needs a logged-in session imported by an admin; Instagram rate-limits hard."
    )
    requires = ("instaloader",)
    # One session must never run twice at once: parallel use is what gets accounts 429'd/checkpointed.
    concurrency_per_account = 1
    settings_schema = (
        SettingField("hashtags", "Hashtags", "list", required=True, help="One per line, with or without '#'."),
        SettingField("sections", "Sections", "choice", default="top_and_recent", choices=tuple(SECTION_CHOICES)),
        SettingField(
            "mentions", "Only posts whose caption @mentions", "list", help="Accounts; empty keeps every post."
        ),
        SettingField("lookback_days", "First run: look back (days, 0 = no limit)", "int", default=7),
        SettingField("slack_seconds", "Late-arrival window (seconds)", "int", default=21600, advanced=True),
        SettingField("max_pages", "Pages per hashtag section per run", "int", default=20, advanced=True),
        *SESSION_FIELDS,
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        from collectors.instagram.client import session_problems

        problems = [] if normalize_tags(values["hashtags"]) else ["at least one hashtag is needed"]
        if values["max_pages"] < 1:
            problems.append("pages per run must be at least 1")
        return problems + (session_problems(values, required=True) if self.enabled() else [])

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return account_key(settings)

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        from collectors.instagram.client import build_loader, instagram_errors

        values = self.resolve(settings)
        tags = normalize_tags(values["hashtags"])
        steps = [(tag, section) for tag in tags for section in SECTION_CHOICES[values["sections"]]]
        state = _HashtagState.load(cursor, float(values["slack_seconds"]))
        loader = build_loader(values)
        backoff = float(values["wait_backoff_seconds"])
        web_info: dict[str, Mapping[str, Any]] = {}
        start = steps.index(state.position) if state.position in steps else 0
        if state.position not in steps:
            state.start_tag(steps[0][0], lookback_floor(utc_now(), values["lookback_days"]))

        for step_index in range(start, len(steps)):
            tag, section = steps[step_index]
            if state.tag != tag:
                state.start_tag(tag, lookback_floor(utc_now(), values["lookback_days"]))
            state.section = section
            while True:
                where = f"#{tag} {section} page {state.pages + 1}"
                with instagram_errors(f"reading {where}", wait_backoff=backoff):
                    if state.max_id is None:
                        if tag not in web_info:
                            response = loader.context.get_iphone_json(
                                "api/v1/tags/web_info/", {"__a": 1, "__d": "dis", "tag_name": tag}
                            )
                            graphql = response.get("graphql")
                            root = graphql.get("hashtag") if isinstance(graphql, Mapping) else response.get("data")
                            if not isinstance(root, Mapping):
                                raise MappingError(f"Instagram #{tag}: web_info has no 'data' object")
                            web_info[tag] = root
                        data = web_info[tag].get(section)
                    else:
                        response = loader.context.get_json(
                            f"explore/tags/{tag}/", {"__a": 1, "__d": "dis", "max_id": state.max_id}
                        )
                        data = as_mapping(response.get("data")).get(section)
                medias = section_medias(data, where)  # raises MappingError unless data is a section
                items, all_old = self._page_items(medias, tag, section, values["mentions"], state)
                state.pages += 1
                next_max_id = as_mapping(data).get("next_max_id")
                more = (
                    bool(as_mapping(data).get("more_available")) and isinstance(next_max_id, str) and bool(next_max_id)
                )
                done = (
                    not more or state.pages >= values["max_pages"] or (section == "recent" and all_old and bool(medias))
                )
                if not done:
                    state.max_id = str(next_max_id)
                    yield Page(items, state.snapshot())
                    continue
                last = step_index == len(steps) - 1
                if last:
                    yield Page(items, state.finish(tags))
                    return
                next_tag, next_section = steps[step_index + 1]
                if next_tag != tag:
                    state.end_tag()
                    state.start_tag(next_tag, lookback_floor(utc_now(), values["lookback_days"]))
                state.section, state.max_id, state.pages = next_section, None, 0
                yield Page(items, state.snapshot())
                break

    def _page_items(
        self, medias: list[Mapping[str, Any]], tag: str, section: str, mentions: list[str], state: _HashtagState
    ) -> tuple[tuple[RawItem, ...], bool]:
        items: list[RawItem] = []
        all_old = True
        for media in medias:
            taken_at = as_float(media.get("taken_at"))
            code = media.get("code")
            platform_id = code if isinstance(code, str) and code else f"pk:{media.get('pk')}"
            old = taken_at is not None and state.floor is not None and taken_at < state.floor
            all_old = all_old and old
            # The first run takes every top post (popular ones may predate the lookback); later
            # runs skip old top posts too, or they would come back each run once out of "seen".
            if (old and (section == "recent" or not state.first_run)) or state.is_seen(platform_id):
                continue
            state.mark(platform_id, taken_at)
            if mentions and not mentions_any(iphone_caption(media), mentions):
                continue
            items.append(RawItem(platform_id, media, {"hashtag": tag, "section": section}))
        return tuple(items), all_old

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_iphone_media(item.payload)


class _HashtagState:
    """The hashtag cursor: per-tag high-water marks, seen shortcodes, and the run position."""

    def __init__(self, cursor: Mapping[str, Any], slack: float) -> None:
        self.slack = slack
        raw_tags = as_mapping(cursor.get("tags"))
        self.tags: dict[str, float] = {
            k: v for k, v in ((k, as_float(v)) for k, v in raw_tags.items()) if v is not None
        }
        self.seen = load_seen(cursor)
        run = as_mapping(cursor.get("run"))
        self.tag: str | None = run.get("tag") if isinstance(run.get("tag"), str) else None
        self.section: str | None = run.get("section") if isinstance(run.get("section"), str) else None
        self.max_id: str | None = run.get("max_id") if isinstance(run.get("max_id"), str) else None
        self.pages = int(run.get("pages") or 0)
        self.floor = as_float(run.get("floor"))
        self.high_water = as_float(run.get("high_water"))
        self.run_seen = load_seen(run)
        self.first_run = bool(run.get("first_run"))

    @classmethod
    def load(cls, cursor: Mapping[str, Any] | None, slack: float) -> _HashtagState:
        return cls(cursor or {}, slack)

    @property
    def position(self) -> tuple[str | None, str | None]:
        return self.tag, self.section

    def start_tag(self, tag: str, first_run_floor: float | None) -> None:
        known = self.tags.get(tag)
        self.tag, self.section, self.max_id, self.pages, self.high_water = tag, None, None, 0, None
        self.first_run = known is None
        self.floor = floor_for(known, self.slack) if known is not None else first_run_floor

    def end_tag(self) -> None:
        if self.tag is not None and self.high_water is not None:
            self.tags[self.tag] = max(self.high_water, self.tags.get(self.tag, self.high_water))

    def is_seen(self, shortcode: str) -> bool:
        return shortcode in self.seen or shortcode in self.run_seen

    def mark(self, shortcode: str, taken_at: float | None) -> None:
        if taken_at is None:
            return
        self.run_seen[shortcode] = taken_at
        self.high_water = taken_at if self.high_water is None else max(self.high_water, taken_at)

    def snapshot(self) -> dict[str, Any]:
        return {
            "v": 1,
            "tags": dict(self.tags),
            "seen": dict(self.seen),
            "run": {
                "tag": self.tag,
                "section": self.section,
                "max_id": self.max_id,
                "pages": self.pages,
                "floor": self.floor,
                "high_water": self.high_water,
                "seen": dict(self.run_seen),
                "first_run": self.first_run,
            },
        }

    def finish(self, tags: list[str]) -> dict[str, Any]:
        self.end_tag()
        floors = [floor_for(self.tags.get(t), self.slack) for t in tags]
        floor = None if not floors or any(f is None for f in floors) else min(f for f in floors if f is not None)
        seen = prune_seen({**self.seen, **self.run_seen}, floor)
        return {"v": 1, "tags": {t: self.tags[t] for t in tags if t in self.tags}, "seen": seen, "run": None}
