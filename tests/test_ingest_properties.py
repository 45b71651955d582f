"""No input reaches an exception or a 500: properties over every way posts come in.

Hypothesis generates text (NUL, lone surrogates, escapes that look like them, over-long strings), numbers
(huge, negative, fractional, NaN and infinities) and nesting, and sends them through the ingest service,
the ingest API, ``import_file`` (CSV and JSON Lines) and the NPS CSV import, on SQLite and PostgreSQL.
Each example also carries one good record, which must be kept.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.test_api import bearer
from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost
from ugc_hub.models import NpsResponse, Post, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.importer import KNOWN_FIELDS, import_file
from ugc_hub.services.ingest import ingest_batch
from ugc_hub.services.nps_import import import_responses

# About 30 s of CI for the whole module on both databases.
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

SPECIAL = [
    "\x00",
    "\ud83d",
    "\udfff",
    "\ud83d\ude00",
    "😀",
    "\\u0000",
    "\\ud83d",
    "\u202e",
    "<b>",
    "#tag",
    "@",
    "",
    " ",
]
pieces = st.one_of(st.text(max_size=12), st.sampled_from(SPECIAL), st.characters(categories=["Cs"]))
# Text around one character no database stores, or an escape that only looks like one.
unstorable = st.tuples(st.text(max_size=6), st.sampled_from(SPECIAL[:7]) | st.characters(categories=["Cs"]),
                       st.text(max_size=6)).map("".join)  # fmt: skip
texts = st.one_of(
    unstorable,
    st.lists(pieces, max_size=5).map("".join),
    st.sampled_from([17, 201, 256, 8_193, 1_000_001]).map(lambda n: "x" * n),  # one past each limit
    st.sampled_from(["https://example.com/p/1", "javascript:alert(1)", "en", "2026-11-02T09:00:00Z"]),
    st.sampled_from(["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00", "12", "1e400"]),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from([1e20, -1e20, 2**31, 2**63, 10**400, float("nan"), float("inf"), 0.5, -1]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=8
)


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


values = st.one_of(json_values, st.sampled_from([90, 101, 600]).map(nested))
RECORD_FIELDS = sorted(KNOWN_FIELDS | {"extra"})
VALID_RECORD = {
    "platform": "review",
    "platform_id": "p1",
    "author_handle": "ann",
    "author_id": "u1",
    "author_name": "Ann",
    "author_url": "https://example.com/ann",
    "text": "Great #boots",
    "title": "Boots",
    "permalink": "https://example.com/p/1",
    "media": [{"url": "https://img.example.com/1.jpg", "alt": "boots"}],
    "posted_at": "2026-11-02T09:00:00Z",
    "language": "en",
    "rating": 4,
    "likes": 3,
}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A good record with one or two fields made hostile: one bad field is what slips past a weak check."""
    record = dict(VALID_RECORD)
    for name in draw(st.lists(st.sampled_from(RECORD_FIELDS), min_size=1, max_size=2, unique=True)):
        record[name] = draw(st.one_of(texts, values))  # text half the time: most fields are text
    return record


CONTROL = itertools.count()


def control_record() -> dict[str, Any]:
    return {
        "platform": "review",
        "platform_id": f"control-{next(CONTROL)}",
        "author_handle": "ann",
        "text": "fine",
        "posted_at": "2026-11-02T09:00:00Z",
    }


def stored(platform_id: str) -> bool:
    db.session.rollback()
    return db.session.scalar(select(Post.id).where(Post.platform_id == platform_id)) is not None


optional_texts = st.one_of(st.none(), texts)
zones = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=14)), None])
HOSTILE_POST_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "platform": texts,
    "platform_id": texts,
    "text": texts,
    "title": optional_texts,
    "media": st.lists(st.builds(MediaItem, url=texts, type=texts, alt=optional_texts), max_size=2).map(tuple),
    "permalink": optional_texts,
    "posted_at": st.one_of(st.none(), st.datetimes(timezones=zones)),
    "metrics": st.dictionaries(texts, numbers, max_size=2),
    "language": optional_texts,
    "rating": st.one_of(st.none(), numbers),
    "raw": st.dictionaries(texts, values, max_size=3),
}
HOSTILE_AUTHOR_FIELDS = {"handle": texts, "platform_user_id": optional_texts, "display_name": optional_texts,
                         "profile_url": optional_texts}  # fmt: skip


@st.composite
def posts(draw: st.DrawFn) -> NormalizedPost:
    """A good post with one to three fields, its author's included, made hostile."""
    fields: dict[str, Any] = {"platform": "reddit", "platform_id": "t3_1", "text": "Great #boots", "raw": {"id": 1}}
    author: dict[str, Any] = {"handle": "ann", "platform_user_id": "t2_1", "display_name": "Ann"}
    names = [*HOSTILE_POST_FIELDS, *(f"author.{name}" for name in HOSTILE_AUTHOR_FIELDS)]
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        if name.startswith("author."):
            author[name[7:]] = draw(HOSTILE_AUTHOR_FIELDS[name[7:]])
        else:
            fields[name] = draw(HOSTILE_POST_FIELDS[name])
    return NormalizedPost(author=NormalizedAuthor(**author), **fields)


@PROPERTY
@given(batch=st.lists(posts(), min_size=1, max_size=4))
def test_the_ingest_service_stores_good_posts_and_reports_the_rest(workspace: Any, batch: list[NormalizedPost]) -> None:
    control = control_record()
    good = NormalizedPost(platform="review", platform_id=control["platform_id"], author=None, text="fine")
    result = ingest_batch(db.session, [*batch, good], workspace_id=workspace.id)
    db.session.commit()
    assert result.new + result.updated + result.rejected == len(batch) + 1
    assert stored(good.platform_id)


@pytest.fixture
def moderator_token(auth: Any) -> dict[str, str]:
    return bearer(auth, "moderator")


@PROPERTY
@given(good_shape=st.lists(records(), min_size=1, max_size=3), any_shape=st.lists(values, max_size=1))
def test_the_ingest_api_never_answers_500(
    client: Any, moderator_token: dict[str, str], workspace: Any, good_shape: list[Any], any_shape: list[Any]
) -> None:
    headers = moderator_token
    body = good_shape + any_shape
    control = control_record()
    answer = client.post(
        "/api/v1/ingest/", data=json.dumps([*body, control]), headers=headers, content_type="application/json"
    )
    assert answer.status_code == 200, answer.text[:500]
    result = answer.get_json()
    assert result["new"] + result["updated"] + result["rejected"] == len(body) + 1
    assert stored(control["platform_id"])


def _csv_text(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    # "raw" holds a JSON object only in JSON Lines; "extra" is a column the format does not know.
    columns = [*sorted(KNOWN_FIELDS - {"raw"}), "extra"]
    # QUOTE_ALL: csv quotes a lone "\r" only when it is part of the line terminator.
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: v if isinstance(v, str) else json.dumps(v) for k, v in row.items()})
    return out.getvalue()


@PROPERTY
@given(rows=st.lists(records(), min_size=1, max_size=4), fmt=st.sampled_from(["csv", "jsonl"]))
def test_the_file_importer_keeps_good_rows_whatever_else_the_file_holds(
    workspace: Any, tmp_path: Path, rows: list[dict[str, Any]], fmt: str
) -> None:
    control = control_record()
    path = tmp_path / f"posts.{fmt}"
    if fmt == "csv":
        text = _csv_text([*rows, control])
    else:
        text = "\n".join(json.dumps(row) for row in [*rows, control]) + "\n"
    # Lone surrogates become invalid UTF-8, as a broken exporter would write them.
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    report = import_file(db.session, path, workspace_id=workspace.id, fmt=fmt)
    assert report.new + report.updated + report.rejected == len(rows) + 1
    assert stored(control["platform_id"])


SURROGATES = re.compile("[\ud800-\udfff]")


def answers() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(NpsResponse)) or 0)


answer_rows = st.fixed_dictionaries(
    {"score": st.one_of(texts, numbers.map(str)), "responded_at": texts},
    optional={"comment": texts, "respondent": texts, "id": texts},
)


@PROPERTY
@given(rows=st.lists(answer_rows, min_size=1, max_size=4), source=texts)
def test_the_nps_import_keeps_good_rows_whatever_else_the_file_holds(
    workspace: Any, rows: list[dict[str, str]], source: str
) -> None:
    control = {"score": "9", "responded_at": "2026-11-02", "id": f"control-{next(CONTROL)}"}
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["score", "responded_at", "comment", "respondent", "id"], quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    writer.writerows([*rows, control])
    # A file that is not UTF-8 is refused as a whole, by design: keep the text encodable.
    data = SURROGATES.sub("?", out.getvalue()).encode()
    before = answers()
    import_responses(db.session, workspace_id=workspace.id, data=data, source=source, actor=CLI)
    assert answers() > before  # at least the control row
