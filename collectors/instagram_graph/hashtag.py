"""``instagram_graph.hashtag``: recent and top media of hashtags through the Instagram Graph API.

``GET /ig_hashtag_search?user_id=&q=`` gives a hashtag's id (kept in the cursor: ids do not change),
then ``GET /{hashtag-id}/recent_media`` (the last 24 hours) and ``/top_media``, with ``user_id``, are
paged with ``paging.cursors.after``. Every hashtag queried spends one of the account's 30 weekly slots
(``budget``), shared by every source of the same account: a hashtag past the budget is refused and
shown on the health page, never queried. Cursor::

    {"v": 1, "hashtag_ids": {tag: id}, "usage": {tag: first query}, "refused": {tag: slot frees at},
     "unknown": [tag], "seen": {platform_id: last seen}, "high_water": {tag: newest recent post},
     "token": {...}, "run": null | {"tag", "edge", "after"}}
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.base import (
    SHARED_USAGE_SETTING,
    Collector,
    HealthNote,
    Page,
    RawItem,
    SettingField,
    resolve_settings,
)
from collectors.errors import RateLimited
from collectors.incremental import as_float, load_seen, prune_seen, utc_now
from collectors.instagram.hashtag import normalize_tags
from collectors.instagram_graph import budget
from collectors.instagram_graph.client import GraphReader, GraphRefused, HashtagBudgetRefused
from collectors.instagram_graph.mapping import MEDIA_FIELDS, map_graph_media, parse_timestamp, post_id
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

EDGES = {"recent_and_top": ("recent_media", "top_media"), "recent": ("recent_media",), "top": ("top_media",)}
#: recent_media only covers 24 hours; remember what we saw a little longer than that.
SEEN_SECONDS = 2 * 86400
SLACK_SECONDS = 3600


def _stamp(item: Mapping[str, Any]) -> float | None:
    when = parse_timestamp(item.get("timestamp"))
    return when.timestamp() if when else None


@register
class InstagramGraphHashtagCollector(Collector):
    """Hashtag media through the official Graph API, within Meta's weekly hashtag budget."""

    key = "instagram_graph.hashtag"
    title = "Instagram hashtags (Graph API)"
    platform = "instagram"
    description = (
        "Recent and top posts under the brand's hashtags, through the Instagram Graph API of a Business or "
        "Creator account. Meta allows 30 different hashtags per account over 7 days; the health page shows "
        "what is left. Authors are not given by this API."
    )
    requires = ("requests",)
    concurrency_per_account = 1
    settings_schema = (
        SettingField("hashtags", "Hashtags", "list", required=True, help="One per line, with or without '#'."),
        SettingField("edges", "Sections", "choice", default="recent_and_top", choices=tuple(EDGES)),
        *GRAPH_COLLECTOR_FIELDS,
        SettingField(
            "hashtag_budget",
            "Hashtags per 7 days for this account",
            "int",
            default=budget.LIMIT,
            advanced=True,
            help="Meta's limit is 30; lower it to keep slots for other tools using the same account.",
        ),
        SettingField("page_size", "Posts per request", "int", default=50, advanced=True),
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        problems = expiry_problems(values)
        if not normalize_tags(values["hashtags"]):
            problems.append("Hashtags: give at least one hashtag")
        if not 1 <= values["hashtag_budget"] <= budget.LIMIT:
            problems.append(f"Hashtags per 7 days: between 1 and {budget.LIMIT}")
        return problems

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return graph_account_key(settings)

    def account_usage(self, cursor: Mapping[str, Any] | None) -> dict[str, float]:
        return load_seen(cursor, "usage")

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        values = self.resolve(settings)
        shared = {k: float(v) for k, v in as_mapping(settings.get(SHARED_USAGE_SETTING)).items() if as_float(v)}
        state: dict[str, Any] = copy.deepcopy(dict(cursor or {}))
        now = utc_now().timestamp()
        tags = normalize_tags(values["hashtags"])
        edges = EDGES[values["edges"]]
        state.update(
            v=1,
            usage=budget.live(load_seen(state, "usage"), now),
            seen=prune_seen(load_seen(state), now - SEEN_SECONDS),
            refused={},
            unknown=[],
            hashtag_ids={k: v for k, v in as_mapping(state.get("hashtag_ids")).items() if isinstance(v, str)},
            high_water=dict(as_mapping(state.get("high_water"))),
        )
        run = as_mapping(state.get("run"))
        start_tag = run.get("tag") if run.get("tag") in tags else None
        reader = GraphReader(values)
        try:
            state["token"] = refresh_token_facts(reader, as_mapping(state.get("token")), now)
            for tag in tags[tags.index(start_tag) if start_tag else 0 :]:
                resume = run if tag == start_tag else {}
                hashtag_id = self._admit(reader, state, tag, shared, values, now)
                if hashtag_id is None:
                    continue
                first_edge = resume.get("edge") if resume.get("edge") in edges else edges[0]
                try:
                    for edge in edges[edges.index(first_edge) :]:
                        after = resume.get("after") if edge == first_edge else None
                        yield from self._edge(reader, state, tag, hashtag_id, edge, after, values)
                except GraphRefused:
                    # The hashtag id no longer answers (Meta retired it): forget it; the next run searches again.
                    state["hashtag_ids"].pop(tag, None)
                    state["unknown"].append(tag)
            state["run"] = None
            yield Page((), state)
        finally:
            reader.close()
        if state["refused"] and len(state["refused"]) == len(tags):
            until = min(state["refused"].values())
            raise RateLimited(
                max(60.0, until - now),
                f"the weekly hashtag budget of this Instagram account is spent: {', '.join('#' + t for t in tags)} "
                f"wait until {datetime.fromtimestamp(until, UTC):%Y-%m-%d %H:%M} UTC",
            )

    def _admit(
        self, reader: GraphReader, state: dict[str, Any], tag: str, shared: Mapping[str, float],
        values: Mapping[str, Any], now: float,
    ) -> str | None:  # fmt: skip
        """Spend a budget slot on ``tag`` and return its id, or record why it is not queried."""
        decision = budget.admit(tag, budget.merge(state["usage"], shared), now, values["hashtag_budget"])
        if not decision.allowed:
            state["refused"][tag] = decision.retry_at
            return None
        hashtag_id = state["hashtag_ids"].get(tag)
        if hashtag_id is None:
            try:
                found = reader.get("ig_hashtag_search", {"user_id": reader.user_id, "q": tag})
            except HashtagBudgetRefused:
                state["refused"][tag] = now + budget.WINDOW_SECONDS
                return None
            first = as_mapping(next(iter(as_list(found.get("data"))), None)).get("id")
            if not isinstance(first, str) or not first:
                state["unknown"].append(tag)
                return None
            hashtag_id = state["hashtag_ids"][tag] = first
        state["usage"] = budget.spend(tag, state["usage"], now)
        return hashtag_id

    def _edge(
        self, reader: GraphReader, state: dict[str, Any], tag: str, hashtag_id: str, edge: str, after: Any,
        values: Mapping[str, Any],
    ) -> Iterator[Page]:  # fmt: skip
        recent = edge == "recent_media"
        high_water = as_float(state["high_water"].get(tag))
        floor = high_water - SLACK_SECONDS if recent and high_water is not None else None
        params = {"user_id": reader.user_id, "fields": MEDIA_FIELDS, "limit": str(values["page_size"])}
        for data, following in reader.pages(f"{hashtag_id}/{edge}", params, str(after) if after else None):
            items = []
            newest = floor
            seen_at = utc_now().timestamp()
            for obj in data:
                obj = as_mapping(obj)
                ident, stamp = post_id(obj), _stamp(obj)
                if recent and stamp is not None:
                    newest = stamp if newest is None else max(newest, stamp)
                known = ident in state["seen"]
                # Stamped with when we last saw it, so a post that stays in "top" for weeks is not forgotten.
                state["seen"][ident] = seen_at
                if not known:
                    items.append(RawItem(ident, dict(obj), {"hashtag": tag, "edge": edge}))
            if recent and newest is not None:
                state["high_water"][tag] = max(newest, high_water or newest)
            state["run"] = {"tag": tag, "edge": edge, "after": following} if following else None
            yield Page(tuple(items), state)
            stamps = [s for s in (_stamp(as_mapping(o)) for o in data) if s is not None]
            if floor is not None and stamps and max(stamps) < floor:
                return  # everything on this page predates the last run

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_graph_media(item.payload)

    def health_notes(
        self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None, *, shared_usage: Mapping[str, float],
        now: float,
    ) -> list[HealthNote]:  # fmt: skip
        cursor = cursor or {}
        values, _problems = resolve_settings(self.settings_schema, settings)
        limit = values.get("hashtag_budget") or budget.LIMIT
        used = budget.live(budget.merge(load_seen(cursor, "usage"), shared_usage), now)
        notes = [
            HealthNote(
                "warning" if len(used) >= limit else "info",
                "hashtag_budget",
                f"Hashtags queried by this account in the last 7 days: {len(used)} of {limit}.",
                {"used": len(used), "limit": limit},
            )
        ]
        for tag, at in sorted(load_seen(cursor, "refused").items()):
            when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")
            notes.append(
                HealthNote(
                    "error",
                    "hashtag_refused",
                    f"#{tag} was not queried: the weekly hashtag budget is spent; a slot frees on {when}.",
                    {"tag": tag, "when": when},
                )
            )
        for tag in as_list(cursor.get("unknown")):
            notes.append(HealthNote("warning", "hashtag_unknown", f"Instagram knows no hashtag #{tag}.", {"tag": tag}))
        return notes + token_notes(values, as_mapping(cursor.get("token")), now)
