"""Import posts from CSV or JSON Lines files (format: docs/import-format.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost
from ugc_hub.models.base import DbSession
from ugc_hub.services import publication
from ugc_hub.services.ingest import DEFAULT_BATCH_SIZE, IngestResult, ingest_batch

METRIC_FIELDS = ("likes", "comments", "shares", "views")
KNOWN_FIELDS = {
    "platform",
    "platform_id",
    "author_handle",
    "author_id",
    "author_name",
    "author_url",
    "text",
    "title",
    "media",
    "media_urls",
    "permalink",
    "posted_at",
    "language",
    "rating",
    "raw",
    *METRIC_FIELDS,
}


class RowError(ValueError):
    """A row that cannot become a post; the message says why."""


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    new: int = 0
    updated: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    # Ids of the posts stored or refreshed, in input order (what sentiment scoring is queued for).
    post_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.bad_rows)


def _parse_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:  # 1e20, -1e20, NaN: no date-time
            raise RowError("posted_at is out of range") from exc
    if not isinstance(value, str):
        raise RowError("posted_at must be an ISO 8601 date-time or a Unix timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise RowError(f"posted_at {value[:40]!r} is not an ISO 8601 date-time") from exc
    # A date-time without offset is taken as UTC, as the format documents.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_int(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise RowError(f"{name} must be a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise RowError(f"{name} must be a whole number, not {str(value)[:20]!r}") from exc


def _parse_rating(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise RowError(f"rating must be a number, not {str(value)[:20]!r}") from exc


def _media(record: dict[str, Any]) -> tuple[MediaItem, ...]:
    media = record.get("media")
    if media is None and record.get("media_urls"):
        return tuple(MediaItem(url=url) for url in str(record["media_urls"]).split())
    if media in (None, ""):
        return ()
    if isinstance(media, str):
        try:
            media = json.loads(media)
        except ValueError as exc:
            raise RowError("media must be a JSON list") from exc
    if not isinstance(media, list):
        raise RowError("media must be a list")
    items = []
    for entry in media:
        if isinstance(entry, str):
            items.append(MediaItem(url=entry))
        elif isinstance(entry, dict) and isinstance(entry.get("url"), str):
            items.append(MediaItem(url=entry["url"], type=str(entry.get("type", "image")), alt=entry.get("alt")))
        else:
            raise RowError("each media entry must be a URL or an object with a url")
    return tuple(items)


def record_to_post(record: dict[str, Any]) -> NormalizedPost:
    """Map one import record to a normalized post, or raise RowError."""
    platform = str(record.get("platform") or "").strip()
    platform_id = record.get("platform_id")
    if not platform:
        raise RowError("platform is required")
    if platform_id in (None, ""):
        raise RowError("platform_id is required")
    handle = record.get("author_handle")
    author = None
    if handle not in (None, ""):
        author = NormalizedAuthor(
            handle=str(handle).lstrip("@"),
            platform_user_id=str(record["author_id"]) if record.get("author_id") not in (None, "") else None,
            display_name=record.get("author_name") or None,
            profile_url=record.get("author_url") or None,
        )
    metrics = {}
    for name in METRIC_FIELDS:
        value = _parse_int(name, record.get(name))
        if value is not None:
            metrics[name] = value
    text = record.get("text") or ""
    if not isinstance(text, str):
        raise RowError("text must be a string")
    raw = record.get("raw")
    if raw is None:
        raw = {k: v for k, v in record.items() if k != "raw"}
    if not isinstance(raw, dict):
        raise RowError("raw must be a JSON object")
    return NormalizedPost(
        platform=platform,
        platform_id=str(platform_id),
        author=author,
        text=text,
        title=record.get("title") or None,
        media=_media(record),
        permalink=record.get("permalink") or None,
        posted_at=_parse_datetime(record.get("posted_at")),
        metrics=metrics,
        language=(record.get("language") or None),
        rating=_parse_rating(record.get("rating")),
        raw=raw,
    )


def _jsonl_records(data: bytes) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, RowError(f"invalid UTF-8 at byte {exc.start}")
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield number, RowError(f"invalid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield number, RowError("each line must be a JSON object")
            continue
        yield number, value


def _csv_records(data: bytes) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    # surrogateescape keeps undecodable bytes visible per row instead of failing the whole file.
    text = data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    raise_csv_field_limit(len(text))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in KNOWN_FIELDS]
    if "platform" not in header or "platform_id" not in header:
        yield 1, RowError("the header must name at least the columns platform and platform_id")
        return
    start = 2
    for row in reader:
        number = start
        start = reader.line_num + 1
        if None in row:
            yield number, RowError("more fields than the header names")
            continue
        values = [v for v in row.values() if isinstance(v, str)]
        if any(_has_surrogates(v) for v in values):
            yield number, RowError("invalid UTF-8 in this row")
            continue
        record: dict[str, Any] = {k: v for k, v in row.items() if k not in unknown}
        if unknown:
            record["raw"] = dict(row)
        yield number, record


def raise_csv_field_limit(size: int) -> None:
    """Let the csv module read a field as long as the whole text, so a huge field is one bad row.

    The limit is global to the process: it is only ever raised, never lowered under another reader.
    """
    csv.field_size_limit(max(csv.field_size_limit(), size + 1))


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def read_records(path: Path, fmt: str | None = None) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Yield (line number, record or error) for every row of a CSV or JSON Lines file."""
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    data = path.read_bytes()
    if fmt == "csv":
        return _csv_records(data)
    if fmt in ("jsonl", "ndjson", "json"):
        return _jsonl_records(data)
    raise ValueError(f"unknown import format {fmt!r}: use csv or jsonl")


def import_file(
    session: DbSession,
    path: Path,
    *,
    workspace_id: int,
    fmt: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Import every good row (one transaction a batch) and report every bad one by line number."""
    report = ImportReport()
    first_seen: dict[tuple[str, str], int] = {}
    pending: list[tuple[int, NormalizedPost]] = []

    def flush() -> None:
        if not pending:
            return
        result: IngestResult = ingest_batch(session, [post for _, post in pending], workspace_id=workspace_id)
        session.commit()
        publication.announce_change(result.author_changed)
        report.new += result.new
        report.updated += result.updated
        report.post_ids.extend(result.post_ids)
        for rejection in result.rejections:
            report.bad_rows.append(BadRow(pending[rejection.index][0], rejection.reason))
        pending.clear()

    for line, record in read_records(path, fmt):
        if isinstance(record, RowError):
            report.bad_rows.append(BadRow(line, str(record)))
            continue
        try:
            post = record_to_post(record)
        except RowError as exc:
            report.bad_rows.append(BadRow(line, str(exc)))
            continue
        key = (post.platform, post.platform_id)
        if key in first_seen:
            report.duplicates.append((line, first_seen[key]))
        else:
            first_seen[key] = line
        pending.append((line, post))
        if len(pending) >= batch_size:
            flush()
    flush()
    report.bad_rows.sort(key=lambda bad: bad.line)
    return report
