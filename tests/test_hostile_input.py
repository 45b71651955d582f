"""Hostile input never reaches a 500: each bad record is reported with its reason, good ones are kept.

Every test runs on SQLite and on PostgreSQL, which refuses more than SQLite does (NUL in text, lone
surrogates in JSON, integers beyond 32 bits in ``posts.id``, strings longer than their column).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.test_api import bearer
from ugc_hub.models import AuditEvent, NpsResponse, Post, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.nps_import import import_responses

GOOD = {
    "platform": "review",
    "platform_id": "good-1",
    "author_handle": "ann",
    "text": "Great boots",
    "posted_at": "2026-11-02T09:00:00Z",
}

#: Import fields that end up in a database column, and a value with a NUL for each.
NUL_FIELDS = {
    "platform_id": "id\x00x",
    "author_handle": "ann\x00",
    "author_id": "12\x0034",
    "author_name": "Ann\x00 B",
    "author_url": "https://example.com/\x00ann",
    "text": "nul \x00 here",
    "title": "nul \x00 title",
    "permalink": "https://example.com/p/\x00",
    "language": "e\x00n",
    "media_urls": "https://img.example.com/\x001.jpg",
    "media": [{"url": "https://img.example.com/1.jpg", "alt": "a\x00lt"}],
    "raw": {"nested": ["x\x00y"]},
    "extra_column": "kept in raw \x00",
}


def post_ids() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Post.platform_id)))


def record(n: int, **fields: Any) -> dict[str, Any]:
    return GOOD | {"platform_id": f"good-{n}"} | fields


def hostile_records() -> list[dict[str, Any]]:
    """Each bad record sits between good ones."""
    records: list[dict[str, Any]] = [record(0)]
    bad: list[dict[str, Any]] = [record(100 + n, **{name: value}) for n, (name, value) in enumerate(NUL_FIELDS.items())]
    bad += [
        record(200, title="half an emoji \ud83d"),
        record(201, author_handle="\udc00"),
        record(202, raw={"k": "\ud83d"}),
        record(203, text="x", media=[{"url": "https://img.example.com/\ud83d.jpg"}]),
        record(204, posted_at=1e20),
        record(205, posted_at=-1e20),
        record(206, posted_at="9999-12-31T23:00:00-05:00"),
        record(207, author_name="N" * 201),
        record(208, author_id="9" * 256),
        record(209, author_handle="h" * 255),  # stored as "@" + handle: one character too long
        record(210, language="x" * 17),
        record(211, permalink=12),
        record(212, title=["not", "text"]),
        record(213, author_name={"first": "Ann"}),
        record(214, media=[{"url": "https://img.example.com/1.jpg", "alt": ["not", "text"]}]),
    ]
    for n, item in enumerate(bad, start=1):
        records += [item, record(n)]
    return records


BAD_IDS = (
    {"id\x00x"} | {f"good-{n}" for n in range(100, 100 + len(NUL_FIELDS))} | {f"good-{n}" for n in range(200, 215)}
)


def test_the_ingest_api_reports_each_bad_record_and_keeps_the_good_ones(client: Any, auth: Any, workspace: Any) -> None:
    records = hostile_records()
    answer = client.post(
        "/api/v1/ingest/",
        data=json.dumps(records),
        headers=bearer(auth, "moderator"),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.text[:2000]
    result = answer.get_json()
    good = {r["platform_id"] for r in records} - BAD_IDS
    rejected = {records[e["index"]]["platform_id"] for e in result["errors"]}
    assert rejected == BAD_IDS & {r["platform_id"] for r in records}
    assert (result["new"], result["rejected"]) == (len(good), len(records) - len(good))
    assert post_ids() == good
    reasons = {records[e["index"]]["platform_id"]: " ".join(e["errors"].get("_record", [])) for e in result["errors"]}
    assert "posted_at is out of range" in reasons["good-204"]
    assert "author name is longer than 200 characters" in reasons["good-207"]
    assert "lone UTF-16 surrogate" in reasons["good-200"]
    assert "NUL" in reasons["good-105"]  # text


def test_the_ingest_api_answers_a_deeply_nested_body_with_a_clear_400(client: Any, auth: Any, workspace: Any) -> None:
    headers = bearer(auth, "moderator")
    depth = 100_000
    answer = client.post(
        "/api/v1/ingest/", data="[" * depth + "]" * depth, headers=headers, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.get_json()["message"] == "the JSON body is nested too deeply"
    raw = {"raw": {"deep": json.loads("[" * 500 + "]" * 500)}}
    deep = client.post("/api/v1/ingest/", json=[record(1, **raw), record(2)], headers=headers).get_json()
    assert deep["new"] == 1 and deep["errors"][0]["index"] == 0
    assert "raw payload is nested more than 100 levels deep" in deep["errors"][0]["errors"]["_record"][0]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/posts/?before=2024-01-01T00:00:00Z",
        f"/api/v1/posts/?before=2024-01-01T00:00:00Z&before_id={2**40}",
        f"/api/v1/posts/?sort=most_positive&after_score=0.5&after_id={2**62}",
        f"/api/v1/posts/?sort=most_negative&after_score=-0.5&after_id={2**62}",
    ],
)
def test_post_ids_beyond_the_id_column_page_without_error(client: Any, auth: Any, workspace: Any, path: str) -> None:
    assert client.get(path, headers=bearer(auth)).status_code == 200


@pytest.mark.parametrize("post_id", [6985155651793, 2**31, 2**63, 2**70])
def test_a_post_id_beyond_the_id_column_is_not_found(client: Any, auth: Any, workspace: Any, post_id: int) -> None:
    answer = client.get(f"/api/v1/posts/{post_id}", headers=bearer(auth))
    assert answer.status_code == 404
    assert answer.is_json


def test_ugc_hub_import_keeps_good_rows_around_hostile_ones(runner: Any, workspace: Any, tmp_path: Path) -> None:
    records = hostile_records()
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2, result.output[-3000:]
    good = {r["platform_id"] for r in records} - BAD_IDS
    assert f"{len(good)} new, 0 updated, {len(records) - len(good)} rejected" in result.output
    assert post_ids() == good
    line = next(n for n, r in enumerate(records, start=1) if r["platform_id"] == "good-204")
    assert f"line {line}: posted_at is out of range" in result.output


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_the_import_page_keeps_good_rows_and_writes_its_audit_event(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("moderator")
    columns = ("platform", "platform_id", "author_handle", "author_id", "author_name", "text", "language")
    rows = []
    for n in range(6):
        row = dict.fromkeys(columns, "")
        row |= {"platform": "review", "platform_id": f"c{n}", "author_handle": f"h{n}", "text": f"row {n}"}
        rows.append(row)
    rows[1]["author_handle"] = "nul\x00"
    rows[2]["author_id"] = "\x00"
    rows[3]["language"] = "f\x00r"
    rows[4]["author_name"] = "x" * 5000
    token = csrf_from(client.get("/import").text)
    answer = client.post(
        "/import",
        data={"file": (io.BytesIO(_csv(rows)), "posts.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    assert post_ids() == {"c0", "c5"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.file")).one()
    assert event.after["new"] == 2 and event.after["rejected"] == 4
    assert [bad["line"] for bad in event.after["bad_rows"]] == [3, 4, 5, 6]


def test_the_nps_import_rejects_only_the_rows_with_a_nul_or_a_huge_field(app: Any, workspace: Any) -> None:
    huge = "y" * 200_000  # over the csv module's default 128 KB field limit
    data = (
        "score,responded_at,comment,respondent,id\n"
        "9,2026-11-02,fine,ann,a1\n"
        '3,2026-11-02,"nul \x00 comment",bob,a2\n'
        f'7,2026-11-02,"{huge}",carl,a3\n'
        '8,2026-11-02,ok,"d\x00",a4\n'
        '6,2026-11-02,ok,eve,"a\x005"\n'
        "5,9999-12-31T23:00:00-05:00,ok,fay,a6\n"
        "10,2026-11-03,also fine,gus,a7\n"
    ).encode()
    report = import_responses(db.session, workspace_id=workspace.id, data=data, source="Type\x00form", actor=CLI)
    assert report.imported == 2
    assert [problem.line for problem in report.bad_rows] == [3, 4, 5, 6, 7]
    assert "comment is longer than" in report.bad_rows[1].reason
    assert "NUL" in report.bad_rows[0].reason
    db.session.rollback()
    assert sorted(db.session.scalars(select(NpsResponse.score))) == [9, 10]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "nps.import")) == 1


@pytest.mark.parametrize("path", ["/inbox/posts/{}", "/rights/posts/{}", "/sources/{}", "/nps/surveys/{}"])
def test_staff_pages_with_an_id_beyond_the_id_column_are_not_found(
    client: Any, auth: Any, workspace: Any, path: str
) -> None:
    auth.as_role("moderator")
    assert client.get(path.format(2**31)).status_code == 404
    assert client.get(path.format(6985155651793)).status_code == 404
