"""Monthly draws among the people who posted with the brand hashtag, the beat task, and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from contests.draw_verify import verify_certificate
from contests.models import Contest, ContestEntry
from contests.services import draws
from contests.services import recurring as contests_recurring
from contests.services.recurring import previous_month
from tests.contests.db_support import ADMIN, BOTH, NOW, grant, nightmode, post
from ugc_hub.models import db


def test_previous_month_is_taken_in_the_brand_time_zone() -> None:
    # 23:30 UTC on 30 November is already 1 December in Paris: November is over there.
    assert previous_month(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "Europe/Paris")[0] == "2026-11"
    assert previous_month(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "UTC")[0] == "2026-10"
    assert previous_month(datetime(2026, 1, 5, tzinfo=UTC), "UTC")[1:] == (datetime(2025, 12, 1), datetime(2026, 1, 1))


def test_monthly_draw_among_hashtag_posters_once_per_month(app: Any) -> None:
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.workspaces import create_workspace

    workspace = create_workspace(db.session, name="Lumen", hashtags=["lumen"], actor=CLI)
    recurring = contests_recurring.create_recurring(
        db.session,
        workspace_id=workspace.id,
        name="Fan draw",
        hashtag="#LumenFans",
        winners=2,
        alternates=1,
        actor=ADMIN,
    )
    for n in range(1, 6):
        post(workspace.id, n, f"Love it #LumenFans {n}", posted_at=datetime(2026, 10, 3 + n, tzinfo=UTC))
    post(workspace.id, 6, "Twice #LumenFans", posted_at=datetime(2026, 10, 20, tzinfo=UTC), person=1)
    post(workspace.id, 7, "Too late #LumenFans", posted_at=datetime(2026, 11, 2, tzinfo=UTC))
    post(workspace.id, 8, "Other tag #lumen", posted_at=datetime(2026, 10, 9, tzinfo=UTC))

    runs = contests_recurring.run_due(db.session, now=datetime(2026, 11, 1, 1, 0, tzinfo=UTC))
    assert [(r.period, r.drawn) for r in runs] == [("2026-10", True)]
    contest = db.session.get(Contest, runs[0].contest_id)
    assert contest.slug == f"r{recurring.id}-2026-10" and contest.status == "drawn"
    entries = db.session.scalars(select(ContestEntry).where(ContestEntry.contest_id == contest.id)).all()
    assert len(entries) == 5 and {e.status for e in entries} == {"eligible"}
    certificate = json.loads(draws.certificate_of(db.session, contest.id))
    verdict = verify_certificate(certificate)
    assert verdict.ok and len(verdict.winners) == 2 and len(verdict.alternates) == 1
    assert certificate["events"][0]["body"]["exclusions"] == {"duplicate_person": 1, "outside_dates": 1}

    # The hourly task runs again: nothing more for that month.
    again = contests_recurring.run_due(db.session, now=datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    assert [(r.period, r.drawn, r.note) for r in again] == [("2026-10", False, "already drawn")]


def test_task_runs_through_celery(app: Any) -> None:
    from contests.tasks import run_recurring_draws

    assert run_recurring_draws.delay().get() == []


def test_cli_scan_freeze_draw_certificate(runner: Any, workspace: Any, tmp_path: Path) -> None:
    contest = nightmode(workspace.id, winners=1, alternates=0)
    first = post(workspace.id, 1, f"{BOTH} iPhone 11")
    grant(first.id, at=datetime.now(UTC).replace(microsecond=0) - __import__("datetime").timedelta(hours=1))
    scanned = runner.invoke(args=["contests", "scan", contest.slug])
    assert scanned.exit_code == 0 and "1 new entries, 0 excluded" in scanned.output
    early = runner.invoke(args=["contests", "freeze", contest.slug])
    assert early.exit_code == 0, early.output
    anchor = early.output.strip().rsplit(" ", 1)[-1]
    drawn = runner.invoke(args=["contests", "draw", contest.slug])
    assert drawn.exit_code == 0, drawn.output
    path = tmp_path / "cert.json"
    assert runner.invoke(args=["contests", "certificate", contest.slug, str(path)]).exit_code == 0
    ok = runner.invoke(args=["verify-draw", str(path), "--anchor", anchor])
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(args=["contests", "draw", "nope"])
    assert missing.exit_code != 0 and "no contest" in missing.output
    assert NOW  # the fixed clock of the other tests is not used here: the CLI reads the real one
