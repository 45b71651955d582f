"""`ugc-hub import`: CSV and JSON Lines, bad rows by line number, every good row kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ugc_hub.models import Post, db


def post_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Post)) or 0


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def good(n: int, **extra: Any) -> bytes:
    record = {
        "platform": "review",
        "platform_id": f"r{n}",
        "author_handle": f"a{n}",
        "text": f"review {n}",
        "rating": 4,
        "posted_at": "2026-11-01T10:00:00+01:00",
        "likes": n,
    } | extra
    return json.dumps(record, ensure_ascii=False).encode()


def test_jsonl_bad_rows_reported_by_line_and_good_rows_kept(runner: Any, workspace: Any, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            good(1),
            b'{"platform": "review", "platform_id": "r2", "text": "truncated',
            good(3, text="caf\u00e9 \U0001f600 <b>bold</b>"),
            b'{"platform": "review", "platform_id": "r4", "text": "bad \xff byte"}',
            b"[1, 2]",
            good(6, posted_at="yesterday"),
            good(7, rating="five"),
            good(8, permalink="javascript:alert(1)"),
            good(1, likes=99),
            good(10, text="x" * 100_000),
        ],
    )
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2
    assert "3 new, 1 updated, 6 rejected" in result.output  # r1, r3, r10 new; r1 again refreshed
    errors = result.stderr if hasattr(result, "stderr") else result.output
    assert "line 2: invalid JSON" in errors
    assert "line 4: invalid UTF-8 at byte" in errors
    assert "line 5: each line must be a JSON object" in errors
    assert "line 6: posted_at 'yesterday' is not an ISO 8601 date-time" in errors
    assert "line 7: rating must be a number" in errors
    assert "line 8: permalink must be an http(s) URL" in errors
    assert "line 9: same post as line 1; the later row was kept" in errors
    assert post_count() == 3
    r1 = db.session.scalar(select(Post).where(Post.platform_id == "r1"))
    assert r1.metrics == {"likes": 99}
    assert r1.posted_at.isoformat() == "2026-11-01T09:00:00+00:00"
    r3 = db.session.scalar(select(Post).where(Post.platform_id == "r3"))
    assert r3.text == "café 😀 <b>bold</b>"


def test_importing_the_same_file_twice_leaves_the_count_unchanged(runner: Any, workspace: Any, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [good(n) for n in range(50)])
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    again = runner.invoke(args=["import", str(path)])
    assert again.exit_code == 0
    assert "0 new, 50 updated, 0 rejected" in again.output
    assert post_count() == 50


def test_csv_with_quoted_newlines_unknown_columns_and_bad_rows(runner: Any, workspace: Any, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(
        b"platform,platform_id,author_handle,text,rating,media_urls,extra\n"
        b'review,c1,ann,"two\nlines, and ""quotes""",5,https://img.example.com/1.jpg,kept\n'
        b"review,,bob,no id,3,,\n"
        + b"review,c3,carl,bad \xfe utf8,2,,\n"
        + "review,c4,dina,مرحبا #عربي,1,,\n".encode()
        + b"review,c5,eve,too,many,fields,here,now\n"
    )
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2, result.output
    assert "2 new, 0 updated, 3 rejected" in result.output
    assert "line 4: platform_id is required" in result.output
    assert "line 5: invalid UTF-8 in this row" in result.output
    assert "line 7: more fields than the header names" in result.output
    c1 = db.session.scalar(select(Post).where(Post.platform_id == "c1"))
    assert c1.text == 'two\nlines, and "quotes"'
    assert c1.media == [{"url": "https://img.example.com/1.jpg", "type": "image"}]
    assert c1.raw["extra"] == "kept"
    assert c1.rating == 5.0


def test_csv_without_required_columns_is_refused_clearly(runner: Any, workspace: Any, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("id,text\n1,hello\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2
    assert "line 1: the header must name at least the columns platform and platform_id" in result.output
    assert post_count() == 0


def test_import_without_workspace_says_what_to_do(runner: Any, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [good(1)])
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "no workspace yet" in result.output
