"""``instagram.tagged``: posts in which the brand account is tagged ("Photos of you").

Driven by instaloader's ``Profile.get_tagged_posts()``, a ``NodeIterator`` whose state is frozen
into the cursor after every chunk of posts and thawed on resume (instaloader re-yields the last
item after a thaw; the seen-ids memory drops it). Cursor::

    {"v": 1, "account_id": str, "high_water": float, "seen": {shortcode: taken_at},
     "run": null | {"frozen": FrozenNodeIterator._asdict(), "floor", "high_water", "seen", "posts"}}

Tagged posts come newest first, so a run stops at the first post older than
``high_water - slack``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from collectors.base import Collector, Page, RawItem, SettingField
from collectors.errors import MappingError
from collectors.incremental import RunMarks, Watermark, as_float, floor_for, load_seen, prune_seen, utc_now
from collectors.instagram.mapping import map_graph_node, mentions_any, node_caption
from collectors.instagram.settings import SESSION_FIELDS, account_key
from collectors.registry import register
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import NormalizedPost

CHUNK = 12  # instaloader's GraphQL page length: one chunk per page fetched


@register
class InstagramTaggedCollector(Collector):
    """Posts where the brand account is tagged, optionally only those also @mentioning it."""

    key = "instagram.tagged"
    title = "Instagram posts tagging the brand"
    platform = "instagram"
    description = (
        "Posts in which the brand account is tagged. Works best with a logged-in session; anonymous "
        "access is often cut off by Instagram after a few pages."
    )
    requires = ("instaloader",)
    concurrency_per_account = 1
    settings_schema = (
        SettingField("account", "Brand account (username)", "str", required=True),
        SettingField(
            "account_id", "Brand account id", "str", help="Numeric id; looked up from the profile page when empty."
        ),
        SettingField(
            "require_caption_mention", "Only posts whose caption also @mentions the brand", "bool", default=False
        ),
        SettingField("lookback_days", "First run: look back (days, 0 = no limit)", "int", default=30),
        SettingField("slack_seconds", "Late-arrival window (seconds)", "int", default=86400, advanced=True),
        SettingField("max_posts", "Posts read per run (0 = no limit)", "int", default=600, advanced=True),
        *SESSION_FIELDS,
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        from collectors.instagram.client import session_problems

        problems = []
        if values.get("account_id") and not str(values["account_id"]).isdigit():
            problems.append("the brand account id must be a number")
        return problems + (session_problems(values, required=False) if self.enabled() else [])

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return account_key(settings)

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        import instaloader

        from collectors.instagram.client import build_loader, instagram_errors

        values = self.resolve(settings)
        account = values["account"].lstrip("@").lower()
        backoff = float(values["wait_backoff_seconds"])
        loader = build_loader(values)
        state = _TaggedState(cursor or {}, float(values["slack_seconds"]))
        with instagram_errors(f"looking up @{account}", wait_backoff=backoff):
            account_id = values.get("account_id") or state.account_id
            if not account_id:
                account_id = str(instaloader.Profile.from_username(loader.context, account).userid)
            state.account_id = str(account_id)
            profile = instaloader.Profile(loader.context, {"username": account, "id": int(account_id)})
            iterator = profile.get_tagged_posts()
        if not state.thaw(iterator, utc_now()):
            state.start(utc_now(), values["lookback_days"])

        batch: list[RawItem] = []
        read = 0
        while True:
            with instagram_errors(f"reading posts tagging @{account}", wait_backoff=backoff):
                try:
                    post = next(iterator, None)
                except (KeyError, TypeError, IndexError) as exc:
                    raise MappingError(
                        f"Instagram tagged posts of @{account}: unexpected page shape ({exc!r}); the API may have changed"
                    ) from exc
            if post is None:
                break
            node = instaloader.get_json_structure(post)["node"]
            taken_at = as_float(node.get("taken_at_timestamp"))
            if taken_at is not None and state.floor is not None and taken_at < state.floor:
                break
            read += 1
            shortcode = str(node.get("shortcode") or "")
            if not state.is_seen(shortcode):
                state.mark(shortcode, taken_at)
                if not values["require_caption_mention"] or mentions_any(node_caption(node), [account]):
                    batch.append(RawItem(shortcode, node, {"account": account}))
            if values["max_posts"] and state.posts >= values["max_posts"]:
                break
            if read % CHUNK == 0:
                yield Page(tuple(batch), state.snapshot(iterator.freeze()._asdict()))
                batch = []
        yield Page(tuple(batch), state.finish())

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_graph_node(item.payload)


class _TaggedState:
    """The tagged-posts cursor: the shared watermark, the run's marks, and the frozen iterator."""

    def __init__(self, cursor: Mapping[str, Any], slack: float) -> None:
        self.slack = slack
        self.account_id: str | None = cursor.get("account_id") if isinstance(cursor.get("account_id"), str) else None
        self.watermark = Watermark.load(cursor)
        self.stored_run: Mapping[str, Any] = as_mapping(cursor.get("run"))
        self.run = RunMarks(None)
        self.posts = 0

    @property
    def floor(self) -> float | None:
        return self.run.floor

    def thaw(self, iterator: Any, now: datetime) -> bool:
        """Resume the iterator from the cursor; return False (start afresh) if it cannot be."""
        import instaloader
        from instaloader.exceptions import InvalidArgumentException

        frozen = self.stored_run.get("frozen")
        if not isinstance(frozen, Mapping):
            return False
        # If the run cannot be resumed, the next one starts from the top: what this run already
        # delivered must still count as seen.
        self.watermark.seen.update(load_seen(self.stored_run))
        try:
            thawed = instaloader.FrozenNodeIterator(**frozen)
            if thawed.best_before is None or thawed.best_before < now.timestamp():
                return False  # instaloader's 29-day shelf life: the stored page is stale
            iterator.thaw(thawed)
        except (InvalidArgumentException, TypeError, ValueError):
            return False
        self.run = RunMarks.load(self.stored_run)
        self.posts = int(self.stored_run.get("posts") or 0)
        return True

    def start(self, now: datetime, lookback_days: int) -> None:
        self.run = RunMarks(self.watermark.first_floor(self.slack, now, lookback_days))

    def is_seen(self, shortcode: str) -> bool:
        return self.watermark.knows(shortcode, self.run)

    def mark(self, shortcode: str, taken_at: float | None) -> None:
        self.posts += 1
        if taken_at is None:
            return
        self.run.mark(shortcode, taken_at)
        # Newest first: only the slack window below this run's newest post can come back.
        self.run.seen = prune_seen(self.run.seen, floor_for(self.run.high_water, self.slack))

    def snapshot(self, frozen: dict[str, Any]) -> dict[str, Any]:
        run = self.run.dump()
        return {
            "v": 1,
            "account_id": self.account_id,
            "high_water": self.watermark.high_water,
            "seen": dict(self.watermark.seen),
            "run": {"frozen": frozen, **run, "seen": dict(self.run.seen), "posts": self.posts},
        }

    def finish(self) -> dict[str, Any]:
        final = self.watermark.absorb(self.run, self.slack)
        return {"v": 1, "account_id": self.account_id, **final.dump(), "run": None}
