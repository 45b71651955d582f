"""Collectors over a newest-first listing, as a template method: the base class drives the run.

``ListingCollector.fetch`` resolves the settings, reads the shared incremental cursor (``Watermark`` and
``RunMarks``), asks the plugin for one page of the listing at a time, drops what lies below the run's
floor or was already emitted, and yields each ``Page`` with the cursor that resumes after it. A plugin
says how to read one page (``read_page``), what one entry is (``identify``, ``raw_items``) and how its
position in the listing is stored (``load_run``, ``dump_run``). Cursor::

    {"v": 1, "high_water": float, "seen": {id: ts},
     "run": null | {<the plugin's position keys>, "floor", "high_water", "seen"}}

Plugins need ``slack_seconds`` and ``lookback_days`` settings.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from collectors.base import Collector, Page, RawItem
from collectors.incremental import RunMarks, Watermark, floor_for, prune_seen, utc_now
from collectors.shapes import as_mapping


@dataclass
class ListingRun(RunMarks):
    """A run under way: its marks, where the listing resumes, how many pages and new items it read."""

    position: str | None = None
    pages: int = 0
    items: int = 0


@dataclass(frozen=True)
class Listing:
    """One page of the listing as the platform sent it, and where the next page starts (None: the end)."""

    entries: Sequence[Any]
    following: str | None


class ListingCollector(Collector):
    """Base class of a collector that walks a newest-first listing page by page down to a floor.

    Subclasses implement ``open``, ``read_page``, ``identify``, ``raw_items``, ``load_run`` and
    ``dump_run`` (and ``map_item``); they may override ``run_is_over``, ``pages_before`` and ``decorate``.
    """

    #: Forget, as the run goes on, the ids older than the slack below the run's newest item: the listing
    #: is newest first, so only those inside the window can come back in the next run.
    prune_run_seen: ClassVar[bool] = False

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        values = self.resolve(settings)
        now = utc_now()
        slack = float(values["slack_seconds"])
        cursor = cursor or {}
        mark = Watermark.load(cursor)
        stored: Mapping[str, Any] | None = as_mapping(cursor.get("run")) or None  # {} means no run either
        if stored is not None:
            run = self.load_run(stored)
        else:
            run = ListingRun(mark.first_floor(slack, now, values["lookback_days"]))
        with self.open(values, cursor, now) as context:
            if run.position is None:
                yield from self.pages_before(context, values, cursor)
            while True:
                listing = self.read_page(context, values, run)
                run.pages += 1
                items, reached_floor = self._new_items(context, values, listing.entries, mark, run)
                if reached_floor or not listing.entries or not listing.following or self.run_is_over(values, run):
                    final = {"v": 1, **mark.absorb(run, slack).dump(), "run": None}
                    yield Page(tuple(items), self.decorate(final, context, done=True))
                    return
                run.position = listing.following
                if self.prune_run_seen:
                    run.seen = prune_seen(run.seen, floor_for(run.high_water, slack))
                following = {"v": 1, **mark.dump(), "run": self.dump_run(run)}
                yield Page(tuple(items), self.decorate(following, context, done=False))

    def _new_items(
        self, context: Any, values: Mapping[str, Any], entries: Sequence[Any], mark: Watermark, run: ListingRun
    ) -> tuple[list[RawItem], bool]:
        """Return the raw items of the entries not yet emitted, and whether the floor was reached."""
        items: list[RawItem] = []
        for entry in entries:
            found = self.identify(entry)
            if found is None:
                continue
            item_id, stamp = found
            if stamp is not None and run.floor is not None and stamp < run.floor:
                return items, True  # newest first: everything after this entry is older still
            if item_id and mark.knows(item_id, run):
                continue
            run.items += 1
            if item_id:
                run.mark(item_id, stamp)
            items.extend(self.raw_items(context, values, entry, item_id, stamp))
        return items, False

    @abc.abstractmethod
    def open(self, values: Mapping[str, Any], cursor: Mapping[str, Any], now: datetime) -> AbstractContextManager[Any]:
        """Return a context manager giving what ``read_page`` needs for this run (client, session, query)."""

    @abc.abstractmethod
    def read_page(self, context: Any, values: Mapping[str, Any], run: ListingRun) -> Listing:
        """Read the page of the listing at ``run.position`` (``None``: the newest page)."""

    @abc.abstractmethod
    def identify(self, entry: Any) -> tuple[str, float | None] | None:
        """Return an entry's id and epoch time, or ``None`` for an entry that is not an item."""

    @abc.abstractmethod
    def raw_items(
        self, context: Any, values: Mapping[str, Any], entry: Any, item_id: str, stamp: float | None
    ) -> list[RawItem]:
        """Return the raw items of one new entry (the entry, and what comes with it)."""

    @abc.abstractmethod
    def load_run(self, stored: Mapping[str, Any]) -> ListingRun:
        """Read a stored ``run`` (a run under way that a new one resumes)."""

    @abc.abstractmethod
    def dump_run(self, run: ListingRun) -> dict[str, Any]:
        """Return ``run`` as stored in the cursor."""

    def run_is_over(self, values: Mapping[str, Any], run: ListingRun) -> bool:
        """Return whether the run stops before the end of the listing (a page or item limit)."""
        return False

    def pages_before(self, context: Any, values: Mapping[str, Any], cursor: Mapping[str, Any]) -> Iterator[Page]:
        """Yield pages a new run reads before the listing (none by default)."""
        return iter(())

    def decorate(self, cursor: dict[str, Any], context: Any, *, done: bool) -> dict[str, Any]:
        """Return the cursor of a page with the plugin's own keys added (none by default)."""
        return cursor
