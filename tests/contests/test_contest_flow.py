"""A #NightmodeChallenge-style contest end to end on the database: entries from collected posts with the
phone model in the caption, exclusions with their reasons, rights through the rights workflow, a draw
whose certificate `ugc-hub verify-draw` accepts, and refuses after any change to entries, seed or winners."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from contests.draw_verify import check_receipt_in_certificate, verify_certificate
from contests.models import ContestEntry
from contests.services import contests, draws
from contests.services import entries as contests_entries
from contests.services.contests import ContestError
from tests.contests.db_support import ADMIN, BOTH, NOW, grant, nightmode, post
from ugc_hub.models import db

FREEZE = NOW + timedelta(hours=2)


def _by_post(contest_id: int) -> dict[int | None, ContestEntry]:
    return {e.post_id: e for e in contests_entries.entries(db.session, contest_id)}


def _reasons(contest_id: int) -> dict[int | None, str]:
    return {x.post_id: x.reason for x in contests_entries.exclusions(db.session, contest_id)}


def test_nightmode_contest_end_to_end(workspace: Any, runner: Any, tmp_path: Path) -> None:
    contest = nightmode(workspace.id)
    first = post(workspace.id, 1, f"Paris by night {BOTH} shot on iPhone 11 Pro")
    second = post(workspace.id, 2, f"Stars {BOTH} iPhone 11")
    hostile = post(workspace.id, 3, f"<script>alert(1)</script> {BOTH} iphone 12 Pro Max")
    one_tag = post(workspace.id, 4, "Moon #ShotoniPhone iPhone 11")
    no_model = post(workspace.id, 5, f"Lights {BOTH}")
    too_early = post(workspace.id, 6, f"Old {BOTH} iPhone 11", posted_at=datetime(2026, 10, 31, 22, 59, tzinfo=UTC))
    again = post(workspace.id, 7, f"Again {BOTH} iPhone 11 Pro", person=1)
    unrelated = post(workspace.id, 8, "Just #coffee")

    result = contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW)
    assert (result.entered, result.excluded) == (3, 4)
    entries = _by_post(contest.id)
    assert entries[first.id].fields == {"model": "iPhone 11 Pro"}
    assert entries[hostile.id].fields == {"model": "iphone 12 Pro Max"}
    assert entries[first.id].status == "pending_rights"
    assert _reasons(contest.id) == {
        one_tag.id: "missing_hashtag",
        no_model.id: "missing_field",
        too_early.id: "outside_dates",
        again.id: "duplicate_person",
    }
    assert unrelated.id not in entries and unrelated.id not in _reasons(contest.id)
    # Scanning again changes nothing (idempotent).
    assert contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW) == contests_entries.ScanResult(0, 0)

    grant(first.id)
    grant(second.id)
    assert contests_entries.refresh_rights(db.session, contest_id=contest.id, now=NOW + timedelta(hours=1)) == 2

    with pytest.raises(ContestError):
        contests.publish_rules(db.session, contest_id=contest.id, body="", actor=ADMIN, now=NOW)
    draw = draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE)
    # Only granted entries are in; the hostile one was never granted and is excluded with its reason.
    assert _by_post(contest.id)[hostile.id].status == "excluded"
    assert _reasons(contest.id)[hostile.id] == "rights_not_granted"
    frozen = json.loads(draw.certificate)
    assert frozen["events"][0]["body"]["count"] == 2
    assert frozen["events"][0]["body"]["exclusions"] == {
        "duplicate_person": 1,
        "missing_field": 1,
        "missing_hashtag": 1,
        "outside_dates": 1,
        "rights_not_granted": 1,
    }
    assert frozen["events"][0]["body"]["rules_hash"] == contests.current_rules(db.session, contest.id).body_hash
    assert draw.seed_hex not in draw.certificate  # committed, not revealed
    receipt = draws.receipt_for(db.session, contest_id=contest.id, entry_uid=entries[first.id].uid)
    assert "night1" not in json.dumps(receipt)

    draw = draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE + timedelta(hours=1))
    certificate = json.loads(draw.certificate)
    verdict = verify_certificate(certificate, anchors=[draw.freeze_anchor])
    assert verdict.ok, verdict
    assert set(verdict.winners) == {entries[first.id].uid, entries[second.id].uid}
    assert check_receipt_in_certificate(receipt, certificate).ok

    path = tmp_path / "certificate.json"
    path.write_text(draw.certificate)
    ok = runner.invoke(args=["verify-draw", str(path), "--anchor", draw.freeze_anchor])
    assert ok.exit_code == 0, ok.output

    def refused(change: Any) -> str:
        forged = json.loads(draw.certificate)
        change(forged)
        bad = tmp_path / "forged.json"
        bad.write_text(json.dumps(forged))
        outcome = runner.invoke(args=["verify-draw", str(bad)])
        assert outcome.exit_code == 1, outcome.output
        return outcome.output

    assert "FAIL [count_mismatch]" in refused(lambda c: c["entries"].append("extra-entry"))
    assert "FAIL [count_mismatch]" in refused(lambda c: c["entries"].pop())
    reveal = next(i for i, e in enumerate(certificate["events"]) if e["type"] == "reveal")
    result = next(i for i, e in enumerate(certificate["events"]) if e["type"] == "result")

    def other_seed(c: dict[str, Any]) -> None:
        c["events"][reveal]["body"]["seed"] = "00" * 32

    def swapped_winners(c: dict[str, Any]) -> None:
        c["events"][result]["body"]["winners"].reverse()

    assert "FAIL [event_hash_mismatch]" in refused(other_seed)
    assert "FAIL [event_hash_mismatch]" in refused(swapped_winners)
    assert contest.status == "drawn"


def test_freeze_needs_an_eligible_entry_and_a_closed_contest(workspace: Any) -> None:
    contest = nightmode(workspace.id)
    with pytest.raises(ContestError):
        draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=datetime(2026, 11, 5, tzinfo=UTC))
    with pytest.raises(ContestError, match="no eligible entry"):
        draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE)
    assert draws.draw_of(db.session, contest.id) is None


def test_settings_freeze_once_open_and_rules_are_versioned(workspace: Any) -> None:
    from tests.contests.db_support import settings

    contest = nightmode(workspace.id)
    with pytest.raises(ContestError, match="frozen"):
        contests.update_contest(db.session, contest_id=contest.id, settings=settings(title="Other"), actor=ADMIN)
    second = contests.publish_rules(db.session, contest_id=contest.id, body="Version two", actor=ADMIN, now=NOW)
    assert second.version == 2
    assert [r.version for r in contests.rules_history(db.session, contest.id)] == [2, 1]
    # Start and end were typed in Paris time: midnight in Paris is 23:00 UTC the day before in November.
    assert contest.starts_at == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


def test_bad_settings_are_refused_with_a_reason(workspace: Any) -> None:
    from tests.contests.db_support import settings

    for bad, message in (
        (settings(fields=({"name": "model", "pattern": "(unclosed"},)), "regular expression"),
        (settings(timezone="Mars/Olympus"), "time zone"),
        (settings(hashtags=("#",)), "hashtag"),
        (settings(winners=0), "winners"),
        (settings(slug="Bad Slug"), "address"),
        (settings(countries=("France",)), "two-letter"),
    ):
        with pytest.raises(ContestError, match=message):
            contests.create_contest(db.session, workspace_id=workspace.id, settings=bad, actor=ADMIN)
    assert db.session.scalars(select(ContestEntry)).all() == []


def test_beacon_named_at_freeze_then_substitution_without_redraw(workspace: Any, runner: Any, tmp_path: Path) -> None:
    contest = nightmode(workspace.id, winners=1, alternates=2, beacon_source="local-beacon", beacon_round=42)
    posts = [post(workspace.id, n, f"Night {n} {BOTH} iPhone 1{n}") for n in range(1, 5)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW)
    for p in posts:
        grant(p.id)
    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE)
    with pytest.raises(ContestError, match="not configured"):  # no source of that name: the value must be typed
        draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE)
    typed = {"contest_id": contest.id, "sources": {}, "actor": ADMIN, "now": FREEZE}
    with pytest.raises(ContestError, match="hexadecimal"):
        draws.record_beacon_value(db.session, value_hex="not hex", reason="source down", **typed)
    with pytest.raises(ContestError, match="say why"):
        draws.record_beacon_value(db.session, value_hex="AB" * 32, reason=" ", **typed)
    draws.record_beacon_value(db.session, value_hex="AB" * 32, reason="source not configured", **typed)
    draw = draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE + timedelta(minutes=5))
    status = draws.status_of(draw)
    assert status.beacon == {"source": "local-beacon", "round": 42, "value": "ab" * 32}
    (winner,), (first_alternate, second_alternate) = status.winners, status.alternates
    with pytest.raises(ContestError):
        draws.substitute(db.session, contest_id=contest.id, winner_uid=winner, reason=" ", actor=ADMIN, now=FREEZE)
    draw = draws.substitute(
        db.session,
        contest_id=contest.id,
        winner_uid=winner,
        reason="no answer in 14 days",
        actor=ADMIN,
        now=FREEZE + timedelta(days=15),
    )
    after = draws.status_of(draw)
    assert after.winners == (first_alternate,) and after.alternates == (second_alternate,)
    verdict = verify_certificate(json.loads(draw.certificate), anchors=[draw.freeze_anchor])
    assert verdict.ok, verdict
    path = tmp_path / "c.json"
    path.write_text(draw.certificate)
    outcome = runner.invoke(args=["verify-draw", str(path), "--anchor", draw.freeze_anchor])
    assert outcome.exit_code == 0 and "no answer in 14 days" in outcome.output
