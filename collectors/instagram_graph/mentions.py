"""``instagram_graph.mentions``: posts that tag the brand account, and posts whose caption @mentions it.

``GET /{ig-user-id}/tags`` lists media the account is tagged in, newest first, paged with
``paging.cursors.after``; a run stops at the first page older than the last run's newest post (minus
slack). Caption @mentions have no listing: Meta announces them through the ``mentions`` webhook, and
each media id given in ``mentioned_media_ids`` is read once with
``GET /{ig-user-id}?fields=mentioned_media.media_id(<id>){...}``. Cursor::

    {"v": 1, "high_water": newest tagged post, "after": null | paging cursor mid-run, "run_newest",
     "seen": {platform_id: posted} (the slack window),
     "mentioned_done": [media id], "token": {...}}
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from collectors.base import Collector, HealthNote, Page, RawItem, SettingField, resolve_settings
from collectors.incremental import as_float, load_seen, prune_seen, utc_now
from collectors.instagram_graph.client import GraphReader, GraphRefused
from collectors.instagram_graph.mapping import AUTHORED_FIELDS, map_graph_media, parse_timestamp, post_id
from collectors.instagram_graph.settings import (
    GRAPH_COLLECTOR_FIELDS,
    expiry_problems,
    graph_account_key,
    refresh_token_facts,
    token_notes,
)
from collectors.registry import register
from collectors.shapes import as_list, as_mapping
from ugc_hub.domain.posts import NormalizedPost

SLACK_SECONDS = 3600
MAX_DONE_KEPT = 2000


@register
class InstagramGraphMentionsCollector(Collector):
    """Tagged posts and @mentions through the official Graph API."""

    key = "instagram_graph.mentions"
    title = "Instagram tags and mentions (Graph API)"
    platform = "instagram"
    description = (
        "Posts where the brand's Business or Creator account is tagged, plus caption @mentions announced by "
        "Meta's mentions webhook, through the Instagram Graph API."
    )
    requires = ("requests",)
    concurrency_per_account = 1
    settings_schema = (
        SettingField("include_tags", "Posts that tag the account", "bool", default=True),
        SettingField(
            "mentioned_media_ids",
            "Media ids of @mentions to read",
            "list",
            help="Ids from the 'mentions' webhook; each is read once.",
        ),
        *GRAPH_COLLECTOR_FIELDS,
        SettingField("page_size", "Posts per request", "int", default=50, advanced=True),
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        return expiry_problems(values)

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return graph_account_key(settings)

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        values = self.resolve(settings)
        state: dict[str, Any] = copy.deepcopy(dict(cursor or {}))
        state["v"] = 1
        now = utc_now().timestamp()
        reader = GraphReader(values)
        try:
            state["token"] = refresh_token_facts(reader, as_mapping(state.get("token")), now)
            if values["include_tags"]:
                yield from self._tags(reader, state, values)
            yield from self._mentions(reader, state, values["mentioned_media_ids"])
            yield Page((), state)
        finally:
            reader.close()

    def _tags(self, reader: GraphReader, state: dict[str, Any], values: Mapping[str, Any]) -> Iterator[Page]:
        high_water = as_float(state.get("high_water"))
        floor = high_water - SLACK_SECONDS if high_water is not None else None
        run_newest = as_float(state.get("run_newest"))
        params = {"fields": AUTHORED_FIELDS, "limit": str(values["page_size"])}
        after = state.get("after") if isinstance(state.get("after"), str) else None
        seen = load_seen(state)
        for data, following in reader.pages(f"{reader.user_id}/tags", params, after):
            items = []
            stamps = []
            for obj in (as_mapping(o) for o in data):
                when = parse_timestamp(obj.get("timestamp"))
                stamp = when.timestamp() if when else None
                if stamp is not None:
                    stamps.append(stamp)
                    run_newest = stamp if run_newest is None else max(run_newest, stamp)
                ident = post_id(obj)
                if ident not in seen and (floor is None or stamp is None or stamp >= floor):
                    items.append(RawItem(ident, dict(obj), {"via": "tags"}))
                    seen[ident] = stamp if stamp is not None else utc_now().timestamp()
            done = following is None or (floor is not None and bool(stamps) and max(stamps) < floor)
            if done:
                state.pop("after", None)
                state.pop("run_newest", None)
                if run_newest is not None:
                    state["high_water"] = max(run_newest, high_water or run_newest)
                    seen = prune_seen(seen, state["high_water"] - SLACK_SECONDS)
            else:
                state["after"], state["run_newest"] = following, run_newest
            state["seen"] = seen
            yield Page(tuple(items), state)
            if done:
                return

    def _mentions(self, reader: GraphReader, state: dict[str, Any], wanted: list[str]) -> Iterator[Page]:
        done = [d for d in as_list(state.get("mentioned_done")) if isinstance(d, str)]
        failed: dict[str, str] = {}
        for media_id in [m for m in dict.fromkeys(wanted) if m not in done]:
            fields = f"mentioned_media.media_id({media_id}){{{AUTHORED_FIELDS}}}"
            try:
                body = reader.get(reader.user_id, {"fields": fields})
            except GraphRefused as exc:  # deleted, or not a mention of this account
                failed[media_id] = exc.message[:300]
                done.append(media_id)
                continue
            media = as_mapping(body.get("mentioned_media"))
            done.append(media_id)
            state["mentioned_done"] = done[-MAX_DONE_KEPT:]
            state["mentioned_failed"] = failed
            found = (RawItem(post_id(media), dict(media), {"via": "mentioned_media", "media_id": media_id}),)
            yield Page(found if media else (), state)
        state["mentioned_done"] = done[-MAX_DONE_KEPT:]
        state["mentioned_failed"] = failed

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_graph_media(item.payload)

    def health_notes(
        self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None, *, shared_usage: Mapping[str, float],
        now: float,
    ) -> list[HealthNote]:  # fmt: skip
        cursor = cursor or {}
        values, _problems = resolve_settings(self.settings_schema, settings)
        notes = [
            HealthNote("warning", "mention_unreadable", f"Mention {media_id} could not be read: {why}",
                       {"media_id": media_id, "error": why})
            for media_id, why in sorted(as_mapping(cursor.get("mentioned_failed")).items())
        ]  # fmt: skip
        return notes + token_notes(values, as_mapping(cursor.get("token")), now)
