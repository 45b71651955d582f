"""Public randomness beacons: fetch the round a draw named in advance, and check what came back.

A source is a name (the one the freeze event records) and a URL template with ``{round}``, answered
the way drand's HTTP relays answer ``GET /public/{round}``, and, for a source whose rounds come on a
clock (drand), its ``genesis_time`` and ``period`` as its ``GET /info`` gives them: round ``r`` is
published at ``genesis_time + (r - 1) * period``, so the hub names the round itself at the freeze
(:meth:`HttpBeacon.first_round_from`). A round's body::

    {"round": 1042, "randomness": "<64 hex>", "signature": "<hex>", "previous_signature": "<hex>"}

Only ``round`` and ``randomness`` are read; the body is kept as received so that the certificate
holds exactly what the source said, and anyone can fetch the same URL again and compare. A round
that is not out yet (404, 425 Too Early) is refused with ``not_published``: the draw waits for it.
Errors carry a stable ``code`` and ``params`` so the layer that shows them can translate them.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

RANDOMNESS_RE = re.compile(r"[0-9a-fA-F]{64}")
URL_RE = re.compile(r"https?://[\x21-\x7e]{1,1990}")
MAX_BODY = 8192
DEFAULT_TIMEOUT = 10.0
#: HTTP statuses a relay answers for a round that will exist but is not out yet.
NOT_YET_STATUSES = frozenset({404, 425})

BEACON_ERROR_CODES = ("unknown_source", "bad_source", "not_published", "unreachable", "malformed_response")


class BeaconError(Exception):
    """A beacon round could not be had; ``code`` is one of :data:`BEACON_ERROR_CODES`."""

    def __init__(self, code: str, reason: str, **params: Any) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class BeaconReading:
    """One round as fetched: ``randomness`` is lowercase hex, ``body`` the response text as received."""

    source: str
    round: int
    randomness: str
    url: str
    body: str


def read_round(body: str, round_number: int) -> str:
    """Return the randomness (lowercase hex) a response body gives for ``round_number``; refuse anything else."""
    if len(body) > MAX_BODY:
        raise BeaconError("malformed_response", f"the response is longer than {MAX_BODY} characters")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BeaconError("malformed_response", f"the response is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BeaconError("malformed_response", "the response is not a JSON object")
    got = data.get("round")
    if not isinstance(got, int) or isinstance(got, bool) or got != round_number:
        raise BeaconError(
            "malformed_response", f"the response is for round {got!r}, not {round_number}", round=round_number
        )
    randomness = data.get("randomness")
    if not isinstance(randomness, str) or RANDOMNESS_RE.fullmatch(randomness) is None:
        raise BeaconError("malformed_response", "randomness must be 64 hexadecimal characters")
    return randomness.lower()


@dataclass(frozen=True)
class HttpBeacon:
    """A drand-style HTTP source: ``url_template`` holds ``{round}``.

    With ``genesis_time`` (Unix seconds) and ``period`` (seconds) the source's rounds come on a clock
    and the hub names the round; without them (a plain URL template) staff type the round.
    """

    name: str
    url_template: str
    timeout: float = DEFAULT_TIMEOUT
    genesis_time: int | None = None
    period: int | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[\x20-\x7e]{1,200}", self.name):
            raise BeaconError("bad_source", f"a beacon name is 1-200 printable ASCII characters: {self.name!r}")
        if "{round}" not in self.url_template or URL_RE.fullmatch(self.url_template) is None:
            raise BeaconError(
                "bad_source", f"the URL of beacon {self.name!r} must be http(s) and contain {{round}}", name=self.name
            )
        if not _valid_clock(self.genesis_time, self.period):
            raise BeaconError(
                "bad_source",
                f"beacon {self.name!r} needs both genesis_time (Unix seconds) and period (whole seconds, at least 1)",
                name=self.name,
            )

    @property
    def timed(self) -> bool:
        """Whether the source's rounds come on a clock, so the hub can name one."""
        return self.period is not None

    def _clock(self) -> tuple[datetime, int]:
        if self.genesis_time is None or self.period is None:
            raise BeaconError("bad_source", f"beacon {self.name!r} has no genesis_time and period", name=self.name)
        return datetime.fromtimestamp(self.genesis_time, UTC), self.period

    def published_at(self, round_number: int) -> datetime:
        """When ``round_number`` (from 1) comes out: ``genesis_time + (round - 1) * period``."""
        genesis, period = self._clock()
        return genesis + timedelta(seconds=(max(round_number, 1) - 1) * period)

    def first_round_from(self, at: datetime) -> int:
        """The first round published at ``at`` or later."""
        genesis, period = self._clock()
        micros = (at - genesis) // timedelta(microseconds=1)
        if micros <= 0:
            return 1
        return -(-micros // (period * 1_000_000)) + 1

    def url_for(self, round_number: int) -> str:
        return self.url_template.replace("{round}", str(round_number))

    def fetch(self, round_number: int) -> BeaconReading:
        """Fetch one round; ``not_published`` when it is not out yet, ``unreachable`` when the source is down."""
        url = self.url_for(round_number)
        body = fetch_text(url, timeout=self.timeout, round_number=round_number)
        return BeaconReading(self.name, round_number, read_round(body, round_number), url, body)


def fetch_text(url: str, *, timeout: float, round_number: int) -> str:
    """GET ``url`` and return its body as text (UTF-8, at most :data:`MAX_BODY` characters)."""
    if URL_RE.fullmatch(url) is None:
        raise BeaconError("bad_source", f"not an http(s) address: {url!r}", name=url)
    headers = {"Accept": "application/json", "User-Agent": "ugc-hub-draw"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http or https, checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(MAX_BODY * 4 + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # an HTTP error holds the open response
        if exc.code in NOT_YET_STATUSES:
            raise BeaconError(
                "not_published", f"round {round_number} is not published yet (HTTP {exc.code})", round=round_number
            ) from exc
        raise BeaconError("unreachable", f"the source answered HTTP {exc.code}", status=exc.code) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BeaconError("unreachable", f"the source could not be reached: {exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BeaconError("malformed_response", "the response is not UTF-8 text") from exc


def _valid_clock(genesis_time: object, period: object) -> bool:
    """Neither (a plain URL template), or both as whole numbers: genesis from 0, period from 1 second."""
    if genesis_time is None and period is None:
        return True
    return (
        isinstance(genesis_time, int)
        and isinstance(period, int)
        and not isinstance(genesis_time, bool)
        and not isinstance(period, bool)
        and genesis_time >= 0
        and period >= 1
    )


def source_from_config(name: str, entry: Any, *, timeout: float = DEFAULT_TIMEOUT) -> HttpBeacon:
    """One source: a plain URL template, or ``{"url": …, "genesis_time": …, "period": …}`` (drand's /info names)."""
    if isinstance(entry, str):
        return HttpBeacon(name, entry, timeout)
    if (
        not isinstance(entry, Mapping)
        or not isinstance(entry.get("url"), str)
        or set(entry)
        - {
            "url",
            "genesis_time",
            "period",
        }
    ):
        raise BeaconError(
            "bad_source",
            f"beacon {name!r} is a URL template or an object with url, genesis_time and period",
            name=name,
        )
    return HttpBeacon(name, entry["url"], timeout, entry.get("genesis_time"), entry.get("period"))


def sources_from_config(config: Mapping[str, Any], *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, HttpBeacon]:
    """Build the named sources of the app's DRAW_BEACONS: ``{"name": "https://…/public/{round}"}`` or
    ``{"name": {"url": "https://…/public/{round}", "genesis_time": 1692803367, "period": 3}}``."""
    return {str(name): source_from_config(str(name), entry, timeout=timeout) for name, entry in (config or {}).items()}
