"""`ugc-hub contests …`: scan entries, freeze, draw, export a certificate, run recurring draws."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ugc_hub.services import audit


def _contest_id(slug: str) -> int:
    from contests.models import Contest
    from ugc_hub.models import db

    found = db.session.scalar(select(Contest.id).where(Contest.slug == slug))
    if found is None:
        raise click.ClickException(f"no contest {slug!r}")
    return found


@click.group("contests")
def contests_group() -> None:
    """Contests and verifiable draws."""


@contests_group.command("scan")
@click.argument("slug")
@with_appcontext
def scan(slug: str) -> None:
    """Collect entries from posts that carry the contest's hashtags (idempotent)."""
    from contests.services.entries import refresh_rights, scan_posts
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow

    contest_id = _contest_id(slug)
    result = scan_posts(db.session, contest_id=contest_id, now=utcnow())
    refresh_rights(db.session, contest_id=contest_id, now=utcnow())
    click.echo(f"{result.entered} new entries, {result.excluded} excluded")


def _step(slug: str, step: str, beacon: str | None = None, reason: str = "") -> None:
    from flask import current_app

    from contests.services import draws
    from contests.services.contests import ContestError
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow

    contest_id = _contest_id(slug)
    try:
        if step == "freeze":
            draw = draws.freeze_draw(
                db.session,
                contest_id=contest_id,
                actor=audit.CLI,
                now=utcnow(),
                sources=draws.beacon_sources(current_app.config),
                delay=draws.beacon_delay(current_app.config),
            )
            click.echo(f"frozen; publish this anchor now: {draw.freeze_anchor}")
            if draw.beacon_due_at is not None:
                click.echo(f"the draw waits for the beacon round named, published at {draw.beacon_due_at.isoformat()}")
            return
        sources = draws.beacon_sources(current_app.config)
        if beacon is not None:
            draws.record_beacon_value(
                db.session,
                contest_id=contest_id,
                value_hex=beacon,
                reason=reason,
                sources=sources,
                actor=audit.CLI,
                now=utcnow(),
            )
            click.echo("beacon value typed by hand recorded (the source could not be reached)")
        draw = draws.run_draw(db.session, contest_id=contest_id, actor=audit.CLI, now=utcnow(), sources=sources)
        status = draws.status_of(draw)
        click.echo("winners: " + " ".join(status.winners))
        click.echo("alternates: " + " ".join(status.alternates))
        _notify(contest_id)
    except ContestError as exc:
        raise click.ClickException(str(exc)) from exc


def _notify(contest_id: int) -> None:
    from contests.services.winners import notify_winners
    from contests.tasks import background_notifier
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow

    told = notify_winners(
        db.session, contest_id=contest_id, notifier=background_notifier(), actor=audit.CLI, now=utcnow()
    )
    for row in told:
        click.echo(f"notified {row.entry_uid} by {row.channel}" + (f" ({row.note})" if row.note else ""))


@contests_group.command("notify")
@click.argument("slug")
@with_appcontext
def notify(slug: str) -> None:
    """Confirm the winners and tell those not told yet (e-mail, platform reply, or listed for staff)."""
    from contests.services.contests import ContestError

    try:
        _notify(_contest_id(slug))
    except ContestError as exc:
        raise click.ClickException(str(exc)) from exc


@contests_group.command("freeze")
@click.argument("slug")
@with_appcontext
def freeze(slug: str) -> None:
    """Close entries for good: freeze the eligible list and commit to a secret seed."""
    _step(slug, "freeze")


@contests_group.command("draw")
@click.argument("slug")
@click.option(
    "--beacon",
    default=None,
    help="Fallback only: the value (hex) of the beacon round, typed when its source cannot be reached.",
)
@click.option("--reason", default="", help="Why the beacon value is typed by hand (required with --beacon).")
@with_appcontext
def draw(slug: str, beacon: str | None, reason: str) -> None:
    """Fetch the named beacon round from its source (DRAW_BEACONS), reveal the seed and draw."""
    _step(slug, "draw", beacon, reason)


@contests_group.command("certificate")
@click.argument("slug")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), required=False)
@with_appcontext
def certificate(slug: str, output: Path | None) -> None:
    """Write the draw's certificate (to OUTPUT, or print it)."""
    from contests.services.draws import certificate_of
    from ugc_hub.models import db

    text = certificate_of(db.session, _contest_id(slug))
    if text is None:
        raise click.ClickException("this contest has no draw yet")
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@contests_group.command("recurring")
@with_appcontext
def recurring() -> None:
    """Run the recurring draws that are due and notify their winners (what the hourly beat task does)."""
    from flask import current_app

    from contests.services.contests import ContestError
    from contests.services.recurring import recurring_beacon, run_due
    from contests.tasks import background_notifier
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow

    try:
        beacon = recurring_beacon(current_app.config)
    except ContestError as exc:
        raise click.ClickException(str(exc)) from exc
    for run in run_due(db.session, now=utcnow(), actor=audit.CLI, notifier=background_notifier(), beacon=beacon):
        click.echo(json.dumps(vars(run)))
