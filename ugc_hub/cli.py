"""The ``ugc-hub`` command line: Flask's commands (``db``, ``run``…) plus ours."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from ugc_hub.services import audit


def register_cli(app: Flask) -> None:
    for command in (create_user, import_command, worker, demo, serve, create_token, verify_draw):
        app.cli.add_command(command)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["viewer", "moderator", "admin"]), default="moderator", show_default=True)
@click.option("--name", default="")
@click.password_option(help="At least 10 characters; asked for when not given.")
@with_appcontext
def create_user(email: str, role: str, name: str, password: str) -> None:
    """Create a staff account."""
    from ugc_hub.models import db
    from ugc_hub.services.users import UserError
    from ugc_hub.services.users import create_user as create

    try:
        user = create(db.session, email=email, password=password, role=role, name=name, actor=audit.CLI)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email}")


@click.command("create-token")
@click.option("--email", required=True, help="The staff account the token acts for.")
@click.option("--name", default="cli")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Create an API token and print its secret (shown once)."""
    from sqlalchemy import select

    from ugc_hub.models import User, db
    from ugc_hub.services.tokens import create_token as create

    user = db.session.scalar(select(User).where(User.email == email.strip().casefold()))
    if user is None:
        raise click.ClickException(f"no account {email}")
    _token, secret = create(db.session, user=user, name=name, actor=audit.CLI)
    click.echo(secret)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None, help="Default: from the extension.")
@click.option("--workspace", default=None, help="Workspace slug (default: the first one).")
@with_appcontext
def import_command(file: Path, fmt: str | None, workspace: str | None) -> None:
    """Import posts from a CSV or JSON Lines file (see docs/import-format.md)."""
    from ugc_hub.models import db
    from ugc_hub.services.importer import import_file
    from ugc_hub.services.workspaces import WorkspaceError, find_workspace

    try:
        target = find_workspace(db.session, workspace)
    except WorkspaceError as exc:
        raise click.ClickException(str(exc)) from exc
    report = import_file(db.session, file, workspace_id=target.id, fmt=fmt)
    audit.record(
        db.session,
        actor=audit.CLI,
        action="import.file",
        object_type="file",
        object_id=file.name[:64],
        after={"new": report.new, "updated": report.updated, "rejected": report.rejected},
    )
    db.session.commit()
    for bad in report.bad_rows:
        click.echo(f"line {bad.line}: {bad.reason}", err=True)
    for line, first in report.duplicates:
        click.echo(f"line {line}: same post as line {first}; the later row was kept", err=True)
    click.echo(f"{report.new} new, {report.updated} updated, {report.rejected} rejected")
    if report.rejected:
        sys.exit(2)


@click.command()
@click.option("--concurrency", default=2, show_default=True)
@click.option("--no-beat", is_flag=True, help="Run without the embedded beat scheduler.")
@with_appcontext
def worker(concurrency: int, no_beat: bool) -> None:
    """Run a Celery worker (with beat) on the configured broker."""
    celery = current_app.extensions["celery"]
    import ugc_hub.tasks  # noqa: F401 - registers the tasks

    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if not no_beat:
        argv.append("--beat")
    celery.worker_main(argv)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the hub with gunicorn."""
    os.execvp(  # noqa: S606 - replaces this process with gunicorn, arguments are ours
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            # gunicorn's default 4094-byte request line is shorter than a legal API query in non-Latin scripts.
            "--limit-request-line",
            "8190",
            "--access-logfile",
            "-",
            "ugc_hub.wsgi:app",
        ],
    )


@click.command()
@click.option("--email", default="demo@example.com", show_default=True)
@click.option("--password", default=None, help="Default: generated and printed.")
@with_appcontext
def demo(email: str, password: str | None) -> None:
    """Migrate the database and load the demo workspace, posts and a demo admin (idempotent)."""
    from ugc_hub.services.demo import load_demo

    result = load_demo(email=email, password=password)
    click.echo(result.summary())


@click.command("verify-draw", context_settings={"ignore_unknown_options": True})
@click.argument("certificate", type=click.Path(exists=True, dir_okay=False))
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def verify_draw(certificate: str, extra: tuple[str, ...]) -> None:
    """Recompute a draw from its certificate and check it (options: --anchor HASH, --receipt FILE)."""
    from contests.cli_verify import main as verify

    sys.exit(verify([certificate, *extra]))


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, help="The UGC hub's command line.")
    cli.main(prog_name="ugc-hub")


def _create_app() -> Flask:
    from ugc_hub.app import create_app

    return create_app()


if __name__ == "__main__":
    main()
