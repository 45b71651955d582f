"""In Chromium, on a served hub and a local beacon whose rounds the test publishes: a moderator closes a
contest and freezes its entries (the hub names the beacon round and shows when it comes out), the draw is
refused until the round is out, then the moderator draws and sees the winners and the certificate; the
public results page shows the beacon value, and the certificate it serves verifies against the anchor."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contests.draw import verify_certificate
from tests.conftest import make_app
from tests.contests.beacon_server import LocalBeacon, serve_beacon
from tests.contests.db_support import ADMIN, BOTH, RULES, grant, post, settings
from tests.contests.support import beacon_value
from tests.rights.support import prepare
from tests.support import hub as support_hub
from tests.support.servers import CHROMIUM_ARGS, chromium_executable

pytestmark = pytest.mark.browser
PASSWORD = "draw demo password"
SLUG = "night-draw"


@dataclass
class Served:
    url: str
    beacon: LocalBeacon
    contest_id: int


def _open_contest_with_entries(instance: Path) -> int:
    """An open contest whose dates are over, naming the local beacon, with three entries whose rights are granted."""
    from sqlalchemy import select

    from contests.services import contests
    from contests.services import entries as contests_entries
    from ugc_hub.models import Workspace, db

    app = make_app(f"sqlite:///{instance / 'ugc_hub.sqlite'}", instance)
    with app.app_context():
        workspace = db.session.scalar(select(Workspace).order_by(Workspace.id))
        assert workspace is not None
        prepare(workspace.id)
        now = datetime.now(UTC).replace(microsecond=0)
        start, end = now - timedelta(days=10), now - timedelta(days=1)
        contest = contests.create_contest(
            db.session,
            workspace_id=workspace.id,
            settings=settings(
                SLUG,
                timezone="UTC",
                starts_local=start.replace(tzinfo=None),
                ends_local=end.replace(tzinfo=None),
                winners=1,
                alternates=1,
                beacon_source="local",
            ),
            actor=ADMIN,
        )
        contests.publish_rules(db.session, contest_id=contest.id, body=RULES, actor=ADMIN, now=start)
        contests.open_contest(db.session, contest_id=contest.id, actor=ADMIN, now=start)
        posts = [
            post(workspace.id, 900 + n, f"Night {n} {BOTH} iPhone 1{n}", posted_at=start + timedelta(days=n))
            for n in range(1, 4)
        ]
        contests_entries.scan_posts(db.session, contest_id=contest.id, now=end - timedelta(hours=1))
        for p in posts:
            grant(p.id, at=end - timedelta(hours=1))
        contest_id = contest.id
        db.session.remove()
        db.engine.dispose()
    return contest_id


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("draw-hub")
    # Rounds every second since a genesis the test sets; none is published until the test says so.
    with serve_beacon(LocalBeacon(latest=0, genesis_time=int(time.time()) - 100, period=1)) as beacon:
        env = support_hub.hub_env(
            folder / "instance",
            DRAW_BEACONS=json.dumps({"local": beacon.config_entry}),
            DRAW_BEACON_DELAY="3",
            MAIL_BACKEND="console",
            SENTIMENT_ON_INGEST="0",
        )
        support_hub.run_cli(env, "demo", "--password", PASSWORD, timeout=120)
        contest_id = _open_contest_with_entries(folder / "instance")
        with support_hub.serving(env, folder / "server.log") as url:
            yield Served(url, beacon, contest_id)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_freeze_names_the_round_then_the_draw_uses_it_and_the_public_sees_it(browser: Any, served: Served) -> None:
    from playwright.sync_api import expect

    hub, beacon = served.url, served.beacon
    staff = browser.new_context(locale="en-GB").new_page()
    staff.set_default_timeout(15_000)
    staff.goto(f"{hub}/login")
    staff.fill("#email", "demo@example.com")
    staff.fill("#password", PASSWORD)
    staff.click("button[type=submit]")

    detail = f"{hub}/staff/contests/{served.contest_id}"
    staff.goto(detail)
    staff.click('button:has-text("Close entries")')
    expect(staff.locator(".flash.ok")).to_have_text("Done.")
    frozen_after = datetime.now(UTC).replace(microsecond=0)
    staff.click('button:has-text("Freeze entries and commit to a seed")')
    expect(staff.locator(".flash.ok")).to_have_text("Done.")

    plan = staff.locator("#beacon-plan").inner_text()
    named = int(re.search(r"fetches round (\d+) from the source local", plan).group(1))  # type: ignore[union-attr]
    due_text = re.search(  # type: ignore[union-attr]
        r"published at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", staff.locator("#beacon-due").inner_text()
    ).group(1)
    due = datetime.strptime(due_text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    # The named round comes out at least DRAW_BEACON_DELAY (3 s) after the freeze, on the beacon's clock.
    assert due >= frozen_after + timedelta(seconds=3)
    assert due == datetime.fromtimestamp(beacon.genesis_time + (named - 1) * beacon.period, UTC)
    expect(staff.locator("dl.facts", has_text="Public randomness")).to_contain_text(f"round {named}")

    # Not out yet: the draw is refused and nothing changes.
    staff.click('button:has-text("Reveal the seed and draw")')
    expect(staff.locator(".flash.error")).to_contain_text(f"beacon round {named} is not published yet")
    expect(staff.locator("#beacon-plan")).to_be_visible()

    # The beacon publishes the round; once its time has come the draw fetches it.
    beacon.latest = named
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.5)
    staff.click('button:has-text("Reveal the seed and draw")')
    expect(staff.locator(".flash.ok")).to_have_text("Done.")
    expect(staff.locator("#winners tr[data-winner]")).to_have_count(1)
    facts = staff.locator("dl.facts", has_text="Public randomness")
    expect(facts).to_contain_text(beacon_value(named))
    expect(facts).to_contain_text(f"fetched from http://127.0.0.1:{beacon.port}/public/{named}")
    winner = staff.locator("#winners tr[data-winner]").get_attribute("data-winner")
    anchor = staff.locator("dt:has-text('Anchor published at the freeze') + dd code").inner_text()
    assert f"/public/{named}" in beacon.requests

    certificate_link = staff.locator("a", has_text="Certificate")
    certificate = json.loads(staff.request.get(f"{hub}{certificate_link.get_attribute('href')}").text())
    verdict = verify_certificate(certificate, anchors=[anchor])
    assert verdict.ok and list(verdict.winners) == [winner]

    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{hub}/contests/{SLUG}")
    results = public.locator("#results")
    expect(results).to_contain_text(f"round {named}")
    expect(results).to_contain_text(beacon_value(named))
    expect(results.locator("ol.winners")).to_contain_text(winner or "?")
    expect(results.locator("a", has_text="Download the certificate")).to_have_attribute(
        "href", f"/contests/{SLUG}/certificate.json"
    )
