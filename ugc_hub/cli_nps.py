"""`ugc-hub nps …`: NPS commands (thin: they call services)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ugc_hub.services import audit


@click.group("nps")
def nps_group() -> None:
    """Net Promoter Score answers."""


@nps_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="Tool the answers come from (default: the file name).")
@click.option("--workspace", default=None, help="Workspace slug (default: the first one).")
@with_appcontext
def import_answers(file: Path, source: str | None, workspace: str | None) -> None:
    """Import NPS answers from a CSV file (columns in docs/nps.md); exit 2 when lines were rejected."""
    from ugc_hub.models import db
    from ugc_hub.services.nps_import import ImportFileError, import_responses
    from ugc_hub.services.workspaces import WorkspaceError, find_workspace

    try:
        target = find_workspace(db.session, workspace)
        report = import_responses(
            db.session, workspace_id=target.id, data=file.read_bytes(), source=source or file.name, actor=audit.CLI
        )
    except (WorkspaceError, ImportFileError) as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in report.bad_rows:
        click.echo(f"line {problem.line}: {problem.reason}", err=True)
    for problem in report.duplicates:
        click.echo(f"line {problem.line}: duplicate, {problem.reason}", err=True)
    click.echo(f"{report.imported} imported, {len(report.bad_rows)} rejected, {len(report.duplicates)} duplicates")
    if report.bad_rows:
        sys.exit(2)
