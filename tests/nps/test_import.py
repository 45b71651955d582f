"""CSV import of NPS answers from other tools: every good row kept, bad lines and duplicates reported."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ugc_hub.models import NpsResponse, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.nps_import import ImportFileError, import_responses

CSV = """id,responded_at,score,comment,respondent
r1,2026-11-02T10:00:00Z,10,Love the jacket,ana@example.com
r2,2026-11-02,eleven,?,bo@example.com
r3,2026-11-03,3,"Livraison en retard, colis abîmé",cy@example.com
r1,2026-11-02T10:00:00Z,10,Love the jacket,ana@example.com
r4,,7,,
r5,2026-11-04,6,"<script>alert(1)</script> late delivery",
,2026-11-05,9,no id here,dee@example.com
,2026-11-05,9,no id here,dee@example.com
"""


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(NpsResponse)) or 0


def test_good_rows_are_kept_bad_lines_and_duplicates_reported(app: Flask, workspace: Any) -> None:
    report = import_responses(db.session, workspace_id=workspace.id, data=CSV.encode(), source="Typeform", actor=CLI)
    assert report.imported == 4
    assert [(p.line, p.reason) for p in report.bad_rows] == [
        (3, "score must be a whole number from 0 to 10, not 'eleven'"),
        (6, "responded_at is required"),
    ]
    assert [(p.line, p.reason) for p in report.duplicates] == [
        (5, "same answer as line 2"),
        (9, "same answer as line 8"),
    ]
    stored = {r.comment: r for r in db.session.scalars(select(NpsResponse))}
    assert stored["Livraison en retard, colis abîmé"].language == "fr"
    assert stored["<script>alert(1)</script> late delivery"].score == 6  # kept as text
    assert {r.channel for r in stored.values()} == {"import"}

    again = import_responses(db.session, workspace_id=workspace.id, data=CSV.encode(), source="typeform", actor=CLI)
    assert again.imported == 0 and count() == 4
    assert [p.line for p in again.duplicates] == [2, 4, 5, 7, 8, 9]
    assert {p.reason for p in again.duplicates} >= {"already imported"}
    # The same response id from another tool is another answer.
    other = import_responses(db.session, workspace_id=workspace.id, data=CSV.encode(), source="Delighted", actor=CLI)
    assert other.imported == 4 and count() == 8


def test_unreadable_files_are_refused_as_a_whole(app: Flask, workspace: Any) -> None:
    with pytest.raises(ImportFileError, match="missing column"):
        import_responses(db.session, workspace_id=workspace.id, data=b"when,rating\n", source="x", actor=CLI)
    with pytest.raises(ImportFileError, match="UTF-8"):
        import_responses(db.session, workspace_id=workspace.id, data="score,responded_at\n".encode("utf-16"),
                         source="x", actor=CLI)  # fmt: skip
    bom = "\ufeffScore,Responded_At\n8,2026-11-01\n".encode()
    assert import_responses(db.session, workspace_id=workspace.id, data=bom, source="x", actor=CLI).imported == 1


def test_cli_imports_and_exits_2_when_lines_were_rejected(app: Flask, workspace: Any, tmp_path: Any) -> None:
    path = tmp_path / "delighted.csv"
    path.write_text(CSV)
    result = app.test_cli_runner().invoke(args=["nps", "import", str(path), "--source", "Delighted"])
    assert result.exit_code == 2
    assert "4 imported, 2 rejected, 2 duplicates" in result.stdout
    assert "line 3: score must be a whole number from 0 to 10, not 'eleven'" in result.stderr
    again = app.test_cli_runner().invoke(args=["nps", "import", str(path), "--source", "Delighted"])
    assert "0 imported" in again.stdout and count() == 4
    missing = app.test_cli_runner().invoke(args=["nps", "import", str(path), "--workspace", "nope"])
    assert missing.exit_code == 1 and "no workspace 'nope'" in missing.output
