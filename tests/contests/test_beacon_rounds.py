"""The hub names the beacon round itself at the freeze, from the source's clock (drand's genesis_time and
period), so staff cannot pick a round already public; the draw waits for that round's time. Recurring draws
name the configured recurring beacon the same way and are drawn by the beat task once the round is out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from contests.beacon import BeaconError, HttpBeacon, sources_from_config
from contests.draw import verify_certificate
from contests.models import Contest
from contests.services import draws
from contests.services import entries as contests_entries
from contests.services import recurring as contests_recurring
from contests.services.contests import ContestError
from tests.conftest import csrf_from
from tests.contests.beacon_server import LocalBeacon, serve_beacon
from tests.contests.db_support import ADMIN, BOTH, NOW, grant, nightmode, post, staff_form
from tests.contests.support import beacon_value, event_of
from ugc_hub.models import AuditEvent, db

FREEZE = NOW + timedelta(hours=2)
#: The local beacon's clock: 3001 s before the freeze plus the default 10-minute delay, a round every 3 s.
GENESIS = int((FREEZE + timedelta(minutes=10)).timestamp()) - 3001
#: The first round published at least 10 minutes after FREEZE: round r comes out at GENESIS + (r - 1) * 3.
NAMED = 1002
DUE = datetime.fromtimestamp(GENESIS + 1001 * 3, UTC)


@pytest.fixture
def beacon() -> Iterator[LocalBeacon]:
    with serve_beacon(LocalBeacon(latest=5000, genesis_time=GENESIS, period=3)) as running:
        yield running


def test_round_arithmetic_of_drand_quicknet_and_mainnet() -> None:
    quicknet = HttpBeacon("q", "https://relay.example/public/{round}", genesis_time=1692803367, period=3)
    genesis = datetime.fromtimestamp(1692803367, UTC)
    assert quicknet.first_round_from(genesis) == 1
    assert quicknet.first_round_from(genesis - timedelta(days=1)) == 1
    assert quicknet.first_round_from(genesis + timedelta(seconds=3000)) == 1001
    assert quicknet.first_round_from(genesis + timedelta(seconds=3000, microseconds=1)) == 1002
    assert quicknet.published_at(1002) == genesis + timedelta(seconds=3003)
    mainnet = HttpBeacon("m", "https://relay.example/public/{round}", genesis_time=1595431050, period=30)
    assert mainnet.first_round_from(datetime(2026, 1, 1, tzinfo=UTC)) == 5726486
    assert mainnet.published_at(5726486) == datetime(2026, 1, 1, tzinfo=UTC)


def test_sources_are_a_plain_template_or_carry_their_clock() -> None:
    sources = sources_from_config(
        {
            "plain": "https://relay.example/public/{round}",
            "clocked": {"url": "https://relay.example/x/public/{round}", "genesis_time": 10, "period": 3},
        }
    )
    assert not sources["plain"].timed and sources["clocked"].timed
    assert sources["clocked"].first_round_from(datetime.fromtimestamp(16, UTC)) == 3
    url = "https://relay.example/public/{round}"
    for bad in (
        {"url": url, "genesis_time": 10},  # no period
        {"url": url, "genesis_time": 10, "period": 0},
        {"url": url, "genesis_time": -1, "period": 3},
        {"url": url, "genesis_time": 10, "period": True},
        {"url": url, "genesis_time": "10", "period": 3},
        {"url": url, "genesis_time": 10, "period": 3, "hash": "ab"},  # unknown key
        {"genesis_time": 10, "period": 3},
        ["https://relay.example/public/{round}"],
    ):
        with pytest.raises(BeaconError) as refused:
            sources_from_config({"bad": bad})
        assert refused.value.code == "bad_source"


def test_the_default_sources_are_drand_with_their_published_clocks() -> None:
    from ugc_hub.config import DRAW_BEACONS

    sources = sources_from_config(DRAW_BEACONS)
    assert (sources["drand-quicknet"].genesis_time, sources["drand-quicknet"].period) == (1692803367, 3)
    assert (sources["drand-mainnet"].genesis_time, sources["drand-mainnet"].period) == (1595431050, 30)


def _closed(app: Flask, workspace: Any, beacon: LocalBeacon, granted_at: datetime = NOW, **changes: Any) -> Contest:
    app.config["DRAW_BEACONS"] = {"local": beacon.config_entry}
    contest = nightmode(workspace.id, winners=1, alternates=1, beacon_source="local", **changes)
    posts = [post(workspace.id, n, f"Night {n} {BOTH} iPhone 1{n}") for n in range(1, 4)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW)
    for p in posts:
        grant(p.id, at=granted_at)
    return contest


def _freeze(app: Flask, contest: Contest, at: datetime = FREEZE) -> Any:
    return draws.freeze_draw(
        db.session,
        contest_id=contest.id,
        actor=ADMIN,
        now=at,
        sources=draws.beacon_sources(app.config),
        delay=draws.beacon_delay(app.config),
    )


def test_the_freeze_names_the_round_and_the_draw_waits_for_its_time(
    app: Flask, workspace: Any, beacon: LocalBeacon
) -> None:
    contest = _closed(app, workspace, beacon)
    draw = _freeze(app, contest)
    certificate = json.loads(draw.certificate)
    assert event_of(certificate, "freeze")["body"]["beacon"] == {"source": "local", "round": NAMED}
    assert (contest.beacon_round, draw.beacon_due_at) == (NAMED, DUE)
    (frozen,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.freeze"))
    assert frozen.after["beacon_round"] == NAMED and frozen.after["beacon_due_at"] == DUE.isoformat()

    # The source would answer already (its relay is ahead), but the hub does not ask before the round's time.
    sources = draws.beacon_sources(app.config)
    with pytest.raises(ContestError, match=f"round {NAMED} is not published yet"):
        draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=DUE - timedelta(seconds=1), sources=sources)
    outcomes = draws.draw_when_beacon_out(db.session, sources=sources, now=DUE - timedelta(seconds=1))
    assert outcomes == [(contest.id, "not_published")] and beacon.requests == []

    draw = draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=DUE, sources=sources)
    assert beacon.requests == [f"/public/{NAMED}"]
    body = event_of(json.loads(draw.certificate), "beacon")["body"]
    assert (body["round"], body["value"]) == (NAMED, beacon_value(NAMED))
    assert verify_certificate(json.loads(draw.certificate), anchors=[draw.freeze_anchor]).ok


def test_a_round_typed_for_a_source_with_a_clock_is_not_used(app: Flask, workspace: Any, beacon: LocalBeacon) -> None:
    contest = _closed(app, workspace, beacon, beacon_round=7)  # round 7 was public long ago
    app.config["DRAW_BEACON_DELAY"] = 30 * 60
    draw = _freeze(app, contest)
    named = event_of(json.loads(draw.certificate), "freeze")["body"]["beacon"]["round"]
    assert named == NAMED + 400  # twenty more minutes at 3 s a round
    assert draw.beacon_due_at == DUE + timedelta(minutes=20)


def test_a_source_without_a_clock_keeps_the_round_typed_on_the_form(
    app: Flask, workspace: Any, beacon: LocalBeacon
) -> None:
    contest = _closed(app, workspace, beacon)
    app.config["DRAW_BEACONS"] = {"local": beacon.template}
    with pytest.raises(ContestError, match="has no clock"):
        _freeze(app, contest)
    assert draws.draw_of(db.session, contest.id) is None
    contest.beacon_round = 42
    db.session.commit()
    draw = _freeze(app, contest)
    assert event_of(json.loads(draw.certificate), "freeze")["body"]["beacon"] == {"source": "local", "round": 42}
    assert draw.beacon_due_at is None


def test_staff_choose_only_the_source_and_see_the_round_and_its_time(
    app: Flask, auth: Any, workspace: Any, beacon: LocalBeacon
) -> None:
    app.config["DRAW_BEACONS"] = {"local": beacon.config_entry}
    auth.as_role("moderator")
    client = auth.client
    form = client.get("/staff/contests/new").text
    assert "The hub names the round itself when entries are frozen" in form and "10 minutes later" in form
    created = client.post(
        "/staff/contests/new",
        # beacon_round is ignored: the hub names the round of a source with a clock.
        data=staff_form(csrf_from(form), "source-only", "Source only", beacon_source="local", beacon_round="5"),
    )
    assert created.status_code == 302
    saved = db.session.scalar(select(Contest).where(Contest.slug == "source-only"))
    assert saved is not None and (saved.beacon_source, saved.beacon_round) == ("local", None)

    contest = _closed(app, workspace, beacon)
    _freeze(app, contest)
    due = DUE.strftime("%Y-%m-%d %H:%M:%S UTC")
    page = client.get(f"/staff/contests/{contest.id}").text
    assert f"Drawing fetches round {NAMED} from the source local" in page
    assert f"It is published at {due}: the draw runs only after that time" in page
    public = client.get(f"/contests/{contest.slug}").text
    assert f'round {NAMED} · <span class="beacon-due">published at {due}</span>' in public


def test_recurring_draws_name_the_configured_beacon_and_wait_for_it(app: Flask, beacon: LocalBeacon) -> None:
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.workspaces import create_workspace

    app.config["DRAW_BEACONS"] = {"local": beacon.config_entry, "plain": beacon.template}
    assert contests_recurring.recurring_beacon(app.config) is None  # DRAW_RECURRING_BEACON unset
    for name in ("plain", "missing"):
        app.config["DRAW_RECURRING_BEACON"] = name
        with pytest.raises(ContestError, match="genesis_time and period"):
            contests_recurring.recurring_beacon(app.config)
    app.config["DRAW_RECURRING_BEACON"] = "local"
    plan = contests_recurring.recurring_beacon(app.config)
    assert plan is not None and plan.name == "local" and plan.delay == timedelta(minutes=10)

    workspace = create_workspace(db.session, name="Lumen", hashtags=["lumen"], actor=CLI)
    contests_recurring.create_recurring(
        db.session, workspace_id=workspace.id, name="Fan draw", hashtag="#LumenFans", winners=1, actor=ADMIN
    )
    for n in range(1, 4):
        post(workspace.id, n, f"Love it #LumenFans {n}", posted_at=datetime(2026, 10, 3 + n, tzinfo=UTC))
    month_end = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    (run,) = contests_recurring.run_due(db.session, now=month_end, beacon=plan)
    assert not run.drawn and run.note.startswith("waiting for beacon round")
    contest = db.session.get(Contest, run.contest_id)
    assert contest is not None and contest.status == "frozen" and contest.beacon_source == "local"
    draw = draws.draw_of(db.session, contest.id)
    assert draw is not None and draw.beacon_due_at is not None
    source = draws.beacon_sources(app.config)["local"]
    assert contest.beacon_round == source.first_round_from(month_end + timedelta(minutes=10))
    assert draw.beacon_due_at == source.published_at(contest.beacon_round) >= month_end + timedelta(minutes=10)
    # The hourly task comes back: the month is not drawn twice, and is left to the beacon task.
    (again,) = contests_recurring.run_due(db.session, now=month_end + timedelta(minutes=5), beacon=plan)
    assert again.note == "already drawn" and contest.status == "frozen"

    sources = plan.sources
    early = draws.draw_when_beacon_out(db.session, sources=sources, now=draw.beacon_due_at - timedelta(seconds=1))
    assert early == [(contest.id, "not_published")]
    assert draws.draw_when_beacon_out(db.session, sources=sources, now=draw.beacon_due_at) == [(contest.id, "drawn")]
    certificate = json.loads(draws.certificate_of(db.session, contest.id) or "")
    assert event_of(certificate, "beacon")["body"]["value"] == beacon_value(contest.beacon_round)
    assert verify_certificate(certificate).ok


def test_cli_freeze_names_the_round_and_says_when_it_comes_out(
    app: Flask, workspace: Any, beacon: LocalBeacon, runner: Any
) -> None:
    contest = _closed(app, workspace, beacon, granted_at=datetime.now(UTC) - timedelta(hours=1))
    frozen = runner.invoke(args=["contests", "freeze", contest.slug])  # on the real clock, after the contest's end
    assert frozen.exit_code == 0, frozen.output
    draw = draws.draw_of(db.session, contest.id)
    assert draw is not None and draw.beacon_due_at is not None
    assert f"published at {draw.beacon_due_at.isoformat()}" in frozen.output
    assert draw.beacon_due_at - draw.frozen_at >= timedelta(minutes=10)
    early = runner.invoke(args=["contests", "draw", contest.slug])
    assert early.exit_code != 0 and f"beacon round {contest.beacon_round} is not published yet" in early.output


def test_cli_recurring_refuses_a_recurring_beacon_without_a_clock(app: Flask, beacon: LocalBeacon, runner: Any) -> None:
    app.config["DRAW_BEACONS"] = {"plain": beacon.template}
    app.config["DRAW_RECURRING_BEACON"] = "plain"
    refused = runner.invoke(args=["contests", "recurring"])
    assert refused.exit_code != 0 and "DRAW_RECURRING_BEACON names plain" in refused.output
