"""``ugc-hub campaign-create``: open a co-creation campaign with its milestone ladder."""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Milestone
from ugc_hub.services import audit

STEP = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*([dm])\s*$")


def parse_ladder(text: str | None) -> Ladder:
    """``100:60d,1000:365d,5000:6m`` — supporters, then the window in days (d) or calendar months (m)."""
    if not text:
        return LEGO_LADDER
    steps = []
    for part in text.split(","):
        match = STEP.match(part)
        if not match:
            raise click.BadParameter(f"{part!r}: write SUPPORTERS:WINDOW, e.g. 100:60d or 5000:6m")
        supporters, amount, unit = int(match[1]), int(match[2]), match[3]
        steps.append(Milestone(supporters, days=amount if unit == "d" else 0, months=amount if unit == "m" else 0))
    try:
        return Ladder(tuple(steps))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("campaign-create")
@click.argument("title")
@click.option("--ladder", default=None, help="Default: LEGO's 100:60d,1000:365d,5000:6m,10000:6m.")
@click.option("--workspace", default=None, help="Workspace slug (default: the first one).")
@click.option("--min-age", type=click.IntRange(0, 120), default=None, help="Minimum age to submit or support.")
@click.option("--countries", default="", help="Comma-separated ISO country codes (default: every country).")
@with_appcontext
def campaign_create(title: str, ladder: str | None, workspace: str | None, min_age: int | None, countries: str) -> None:
    """Open a co-creation campaign."""
    from ugc_hub.models import db
    from ugc_hub.services.ideas import create_campaign
    from ugc_hub.services.workspaces import WorkspaceError, find_workspace

    steps = parse_ladder(ladder)
    try:
        target = find_workspace(db.session, workspace)
    except WorkspaceError as exc:
        raise click.ClickException(str(exc)) from exc
    codes = [c.strip().upper() for c in countries.split(",") if c.strip()]
    if any(len(c) != 2 or not c.isalpha() for c in codes):
        raise click.BadParameter("write two-letter country codes, e.g. FR,BE", param_hint="--countries")
    campaign = create_campaign(
        db.session,
        workspace_id=target.id,
        title=title,
        actor=audit.CLI,
        ladder=steps,
        min_age=min_age,
        countries=codes,
    )
    click.echo(f"campaign {campaign.slug}: " + ", ".join(f"{m.supporters}" for m in steps.milestones))
