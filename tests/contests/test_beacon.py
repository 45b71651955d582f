"""The beacon round named at the freeze is fetched from its configured source when the draw runs, over real
HTTP from a local drand-shaped beacon; the answer goes on the certificate, both verifiers check it and can
fetch it again; a value typed by staff is only a fallback when the source cannot be reached, and audited."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from contests.beacon import BeaconError, HttpBeacon, read_round, sources_from_config
from contests.cli_verify import main as cli_main
from contests.draw import BeaconRound, verify_certificate
from contests.models import ContestWinner
from contests.services import draws
from contests.services import entries as contests_entries
from contests.services.contests import ContestError
from tests.conftest import csrf_from
from tests.contests.beacon_server import LocalBeacon, serve_beacon
from tests.contests.db_support import ADMIN, BOTH, NOW, grant, nightmode, post, staff_form
from tests.contests.support import beacon_value, build, drand_body, edited, event_of
from tests.ideas.helpers import post_form
from tests.support.servers import free_port
from ugc_hub.models import AuditEvent, db

STANDALONE = Path(__file__).resolve().parents[2] / "contests" / "verify_draw_standalone.py"
FREEZE = NOW + timedelta(hours=2)


@pytest.fixture
def beacon() -> Iterator[LocalBeacon]:
    with serve_beacon(LocalBeacon(latest=100, malformed={77})) as running:
        yield running


def _standalone(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(STANDALONE), *args], capture_output=True, text=True, timeout=60, check=False
    )


# The source on its own.


def test_a_published_round_is_fetched_with_the_answer_as_received(beacon: LocalBeacon) -> None:
    reading = HttpBeacon("local", beacon.template).fetch(42)
    assert (reading.source, reading.round, reading.randomness) == ("local", 42, beacon_value(42))
    assert reading.url == f"http://127.0.0.1:{beacon.port}/public/42"
    assert reading.body == drand_body(42)
    assert set(json.loads(reading.body)) == {"round", "randomness", "signature", "previous_signature"}


@pytest.mark.parametrize(
    ("round_number", "setup", "code"),
    [
        (101, None, "not_published"),
        (77, None, "malformed_response"),
        (42, "down", "unreachable"),
    ],
)
def test_rounds_that_cannot_be_used_are_refused_with_a_code(
    beacon: LocalBeacon, round_number: int, setup: str | None, code: str
) -> None:
    beacon.down = setup == "down"
    with pytest.raises(BeaconError) as refused:
        HttpBeacon("local", beacon.template).fetch(round_number)
    assert refused.value.code == code
    if code == "not_published":
        assert refused.value.params == {"round": 101}


def test_a_source_nobody_answers_is_unreachable_and_a_bad_template_is_refused() -> None:
    with pytest.raises(BeaconError) as refused:
        HttpBeacon("gone", f"http://127.0.0.1:{free_port()}/public/{{round}}", timeout=5).fetch(1)
    assert refused.value.code == "unreachable"
    for template in ("file:///etc/passwd?{round}", "https://api.drand.sh/public/latest"):
        with pytest.raises(BeaconError, match="bad_source"):
            sources_from_config({"bad": template})


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1]",
        json.dumps({"round": 8, "randomness": "ab" * 32}),  # another round
        json.dumps({"round": 7, "randomness": "ab" * 31}),  # too short
        json.dumps({"round": True, "randomness": "ab" * 32}),
        json.dumps({"round": 7}),
        "[" * 5000,  # nested past any parser's recursion limit
    ],
)
def test_answers_that_are_not_the_round_are_refused(body: str) -> None:
    with pytest.raises(BeaconError, match="malformed_response"):
        read_round(body, 7)


# Certificates holding a fetched round.


def test_a_fetched_round_verifies_and_both_verifiers_fetch_it_again(beacon: LocalBeacon, tmp_path: Path) -> None:
    cert = build(["a", "b", "c", "d"], beacon=BeaconRound("local", 42), beacon_url=beacon.template)
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(cert.to_dict()), encoding="utf-8")
    assert verify_certificate(cert.to_dict()).ok
    finished = _standalone(str(path), "--check-beacon")
    assert finished.returncode == 0, finished.stdout
    assert f"fetched from http://127.0.0.1:{beacon.port}/public/42" in finished.stdout
    assert "Beacon OK:" in finished.stdout
    assert cli_main([str(path), "--check-beacon"]) == 0
    # The source now says something else for that round: both verifiers notice.
    beacon.malformed.add(42)
    finished = _standalone(str(path), "--check-beacon")
    assert finished.returncode == 1 and "FAIL [beacon_refetch_mismatch]" in finished.stdout
    assert cli_main([str(path), "--check-beacon"]) == 1
    beacon.down = True
    assert "FAIL [beacon_unreachable]" in _standalone(str(path), "--check-beacon").stdout
    # Without --check-beacon nothing is fetched: the certificate still verifies on its own.
    assert _standalone(str(path)).returncode == 0


def test_a_typed_value_cannot_be_checked_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(build(["a", "b"], beacon=BeaconRound("local", 5)).to_dict()), encoding="utf-8")
    finished = _standalone(str(path), "--check-beacon")
    assert finished.returncode == 1 and "typed by staff" in finished.stdout
    assert "FAIL [beacon_unchecked]" in finished.stdout
    assert cli_main([str(path), "--check-beacon"]) == 1
    assert "FAIL [beacon_unchecked]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda body: body.__setitem__("response", drand_body(43)), "beacon_response_mismatch"),
        (lambda body: body.__setitem__("value", "cd" * 32), "beacon_response_mismatch"),
        (lambda body: body.__setitem__("url", "ftp://example.org/42"), "malformed"),
        (lambda body: body.pop("response"), "malformed"),
    ],
)
def test_a_recorded_answer_must_give_the_value_used(
    beacon: LocalBeacon, change: Any, code: str, tmp_path: Path
) -> None:
    cert = build(["a", "b", "c"], beacon=BeaconRound("local", 42), beacon_url=beacon.template)
    forged = edited(cert, lambda data: change(event_of(data, "beacon")["body"]))
    assert verify_certificate(forged).code == code
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert f"FAIL [{code}]" in _standalone(str(path)).stdout


# The hub: contests name a configured source; the draw fetches the round.


def _frozen(app: Flask, workspace: Any, beacon: LocalBeacon, round_number: int, at: datetime = FREEZE) -> Any:
    app.config["DRAW_BEACONS"] = {"local": beacon.template}
    contest = nightmode(workspace.id, winners=1, alternates=1, beacon_source="local", beacon_round=round_number)
    posts = [post(workspace.id, n, f"Night {n} {BOTH} iPhone 1{n}") for n in range(1, 4)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW)
    for p in posts:
        grant(p.id, at=min(NOW, at - timedelta(hours=1)))
    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=at)
    return contest


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_draw_waits_for_the_round_then_fetches_it(
    app: Flask, workspace: Any, beacon: LocalBeacon, runner: Any, tmp_path: Path
) -> None:
    contest = _frozen(app, workspace, beacon, 150)
    sources = draws.beacon_sources(app.config)
    with pytest.raises(ContestError, match="not published yet"):
        draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE, sources=sources)
    draw = draws.draw_of(db.session, contest.id)
    assert draw is not None and draw.stage == "commit" and contest.status == "frozen"
    beacon.latest = 150  # the round comes out
    draw = draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE, sources=sources)
    assert contest.status == "drawn"
    body = event_of(json.loads(draw.certificate), "beacon")["body"]
    assert body == {
        "source": "local",
        "round": 150,
        "value": beacon_value(150),
        "url": f"http://127.0.0.1:{beacon.port}/public/150",
        "response": drand_body(150),
    }
    assert [event.after["round"] for event in _audit("contest.beacon")] == [150]
    path = tmp_path / "certificate.json"
    path.write_text(draw.certificate, encoding="utf-8")
    outcome = runner.invoke(args=["verify-draw", str(path), "--anchor", draw.freeze_anchor, "--check-beacon"])
    assert outcome.exit_code == 0, outcome.output
    assert "Beacon OK" in outcome.output


def test_typing_the_value_is_only_a_fallback_when_the_source_is_down(
    app: Flask, workspace: Any, beacon: LocalBeacon
) -> None:
    contest = _frozen(app, workspace, beacon, 120)
    sources = draws.beacon_sources(app.config)
    typed = {"contest_id": contest.id, "sources": sources, "actor": ADMIN, "now": FREEZE}
    # Not out yet: nobody may type a value for a round that does not exist.
    with pytest.raises(ContestError, match="not published yet"):
        draws.record_beacon_value(db.session, value_hex="ab" * 32, reason="impatient", **typed)
    beacon.down = True
    with pytest.raises(ContestError, match="say why"):
        draws.record_beacon_value(db.session, value_hex="ab" * 32, reason="", **typed)
    draws.record_beacon_value(db.session, value_hex="AB" * 32, reason="relay down for hours", **typed)
    (event,) = _audit("contest.beacon_typed")
    assert event.after["reason"] == "relay down for hours" and "503" in event.after["fetch_error"]
    draw = draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=FREEZE, sources=sources)
    body = event_of(json.loads(draw.certificate), "beacon")["body"]
    assert body == {"source": "local", "round": 120, "value": "ab" * 32}  # shown as typed: no address, no answer
    assert verify_certificate(json.loads(draw.certificate)).ok


def test_a_typed_value_is_not_used_when_the_source_answers(app: Flask, workspace: Any, beacon: LocalBeacon) -> None:
    contest = _frozen(app, workspace, beacon, 90)
    sources = draws.beacon_sources(app.config)
    with pytest.raises(ContestError, match="fetched"):
        draws.record_beacon_value(
            db.session, contest_id=contest.id, value_hex="ab" * 32, reason="x", sources=sources, actor=ADMIN, now=FREEZE
        )
    draw = draws.draw_of(db.session, contest.id)
    assert draw is not None
    assert event_of(json.loads(draw.certificate), "beacon")["body"]["value"] == beacon_value(90)
    assert _audit("contest.beacon_typed") == []


def test_staff_pick_a_configured_source_and_the_draw_button_fetches(
    app: Flask, auth: Any, workspace: Any, beacon: LocalBeacon, time_machine: Any
) -> None:
    time_machine.move_to(FREEZE)  # the staff buttons read the clock
    app.config["DRAW_BEACONS"] = {"local": beacon.template, "drand-quicknet": "https://api.drand.sh/x/public/{round}"}
    auth.as_role("moderator")
    client = auth.client
    form = client.get("/staff/contests/new").text
    assert '<option value="local">local</option>' in form and "drand-quicknet" in form
    refused = client.post(
        "/staff/contests/new",
        data=staff_form(csrf_from(form), "typed-source", "Typed", beacon_source="made-up-source", beacon_round="5"),
    )
    assert refused.status_code == 400  # only configured names
    contest = _frozen(app, workspace, beacon, 60, at=FREEZE)
    detail = f"/staff/contests/{contest.id}"
    page = client.get(detail).text
    assert "Drawing fetches round 60 from the source local" in page
    assert "Fallback: the source cannot be reached" in page
    post_form(client, detail, f"{detail}/do/draw", {})
    db.session.refresh(contest)
    assert contest.status == "drawn"
    public = client.get(f"/contests/{contest.slug}").text
    assert f"http://127.0.0.1:{beacon.port}/public/60" in public


def test_cli_draw_fetches_and_types_only_as_a_fallback(
    app: Flask, workspace: Any, beacon: LocalBeacon, runner: Any, time_machine: Any
) -> None:
    time_machine.move_to(FREEZE + timedelta(minutes=1))  # the command reads the clock
    contest = _frozen(app, workspace, beacon, 30, at=FREEZE)
    beacon.down = True
    refused = runner.invoke(args=["contests", "draw", contest.slug])
    assert refused.exit_code != 0 and "cannot be reached" in refused.output
    no_reason = runner.invoke(args=["contests", "draw", contest.slug, "--beacon", "ef" * 32])
    assert no_reason.exit_code != 0 and "say why" in no_reason.output
    typed = runner.invoke(args=["contests", "draw", contest.slug, "--beacon", "ef" * 32, "--reason", "relay down"])
    assert typed.exit_code == 0, typed.output
    assert "typed by hand" in typed.output and "winners: " in typed.output
    draw = draws.draw_of(db.session, contest.id)
    assert draw is not None
    assert event_of(json.loads(draw.certificate), "beacon")["body"] == {
        "source": "local",
        "round": 30,
        "value": "ef" * 32,
    }


def test_the_beat_task_draws_once_the_round_is_out_and_tells_the_winners(
    app: Flask, workspace: Any, beacon: LocalBeacon, instance: Path, time_machine: Any
) -> None:
    from contests.tasks import draw_when_beacon_out
    from ugc_hub.config import build_config

    schedule = build_config(instance)["CELERY"]["beat_schedule"]
    assert schedule["contests.draw-when-beacon-out"]["task"] == "contests.draw_when_beacon_out"
    time_machine.move_to(FREEZE + timedelta(minutes=1))  # the beat task reads the clock
    contest = _frozen(app, workspace, beacon, 500, at=FREEZE)
    assert draw_when_beacon_out.delay().get() == [{"contest": contest.id, "outcome": "not_published"}]
    beacon.latest = 500
    assert draw_when_beacon_out.delay().get() == [{"contest": contest.id, "outcome": "drawn"}]
    db.session.refresh(contest)
    assert contest.status == "drawn"
    winners = db.session.scalars(select(ContestWinner).where(ContestWinner.contest_id == contest.id)).all()
    assert len(winners) == 1 and winners[0].status == "awaiting"
    assert draw_when_beacon_out.delay().get() == []  # nothing left waiting
