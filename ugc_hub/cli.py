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
    from ugc_hub.cli_ideas import campaign_create

    app.cli.add_command(campaign_create)
    for command in (create_user, import_command, worker, demo, serve, create_token, verify_draw):
        app.cli.add_command(command)
    for command in (collect, sources_group):
        app.cli.add_command(command)
    from ugc_hub.cli_aspects import aspects_command

    sentiment.add_command(aspects_command)
    app.cli.add_command(sentiment)
    from ugc_hub.cli_nps import nps_group

    app.cli.add_command(nps_group)


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
    _queue_scoring(report.post_ids)
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
    import ugc_hub.collect_tasks
    import ugc_hub.ideas_tasks
    import ugc_hub.insights_tasks
    import ugc_hub.platform_tasks
    import ugc_hub.rights.tasks
    import ugc_hub.tasks  # noqa: F401 - registers the tasks

    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if not no_beat:
        argv.append("--beat")
    celery.worker_main(argv)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Threads per worker. 1: sync workers, for behind a buffering proxy such as nginx. More: threaded "
    "workers, for browsers talking to the hub directly (scripts/demo runs 4).",
)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the hub with gunicorn."""
    threaded = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
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
            *threaded,
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
    from flask_migrate import upgrade

    from ugc_hub.models import db
    from ugc_hub.services.demo import load_demo
    from ugc_hub.services.storage import storage_from_config

    upgrade()
    result = load_demo(
        db.session,
        email=email,
        password=password,
        instance_path=Path(current_app.instance_path),
        storage=storage_from_config(current_app.config),
    )
    if current_app.config.get("SENTIMENT_ON_INGEST", True):
        # Scored here rather than queued, so the inbox's language and sentiment filters and the insights
        # page are complete on first sign-in, worker or not.
        from ugc_hub.services import scoring

        backend = scoring.backend_for(current_app.config)
        scored = scoring.score_posts(db.session, result.posts.post_ids, backend=backend, skip_fresh=True)
        click.echo(
            f"{scored.scored} demo posts scored by {backend.name}, {scored.languages_detected} languages detected"
        )
        from ugc_hub.cli_aspects import assign_aspects

        assign_aspects(result.posts.post_ids)
    # Last: scripts/demo shows the final line, the sign-in.
    click.echo(result.summary())


def _queue_scoring(post_ids: list[int]) -> None:
    """Queue sentiment scoring of just-committed posts, or say how to catch up when it cannot be."""
    from ugc_hub.tasks import enqueue_scoring

    if post_ids and current_app.config.get("SENTIMENT_ON_INGEST", True) and not enqueue_scoring(post_ids):
        click.echo("sentiment scoring could not be queued; run: ugc-hub sentiment score", err=True)


@click.group()
def sentiment() -> None:
    """Score the sentiment of posts."""


@sentiment.command("score")
@click.option("--all", "rescore_all", is_flag=True, help="Rescore every post, not only unscored and stale ones.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score at most this many posts.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Posts per transaction.")
@with_appcontext
def sentiment_score(rescore_all: bool, limit: int | None, batch_size: int | None) -> None:
    """Score posts never scored or scored by another model version, with a progress bar."""
    from tqdm import tqdm

    from ugc_hub.models import db
    from ugc_hub.services import scoring

    backend = scoring.backend_for(current_app.config)
    todo = scoring.count_stale(db.session, backend=backend, include_fresh=rescore_all)
    total = min(todo, limit) if limit is not None else todo
    click.echo(f"model {backend.name} ({backend.version}): {total} posts to score")
    with tqdm(total=total, unit="post", disable=total == 0) as bar:
        result = scoring.score_stale(
            db.session,
            backend=backend,
            limit=limit,
            batch_size=batch_size or scoring.DEFAULT_BATCH_SIZE,
            include_fresh=rescore_all,
            progress=bar.update,
        )
    click.echo(f"{result.scored} posts scored, {result.languages_detected} languages detected")
    # Then the friction aspects of negative posts, which need their fresh labels.
    from ugc_hub.cli_aspects import assign_aspects

    assign_aspects(limit=limit)


@click.command("verify-draw", context_settings={"ignore_unknown_options": True})
@click.argument("certificate", type=click.Path(exists=True, dir_okay=False))
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def verify_draw(certificate: str, extra: tuple[str, ...]) -> None:
    """Recompute a draw from its certificate and check it (options: --anchor HASH, --receipt FILE)."""
    from contests.cli_verify import main as verify

    sys.exit(verify([certificate, *extra]))


@click.command("collect")
@click.argument("source")
@click.option("--max-pages", type=int, default=None, help="Stop after this many pages (the next run continues).")
@click.option("--queue", is_flag=True, help="Queue the run for a worker instead of running it here.")
@with_appcontext
def collect(source: str, max_pages: int | None, queue: bool) -> None:
    """Run a source's collector now (SOURCE: its id or name) and print what it stored."""
    from ugc_hub.models import db
    from ugc_hub.services.collection import LEASE_SECONDS, RetryLater, collect_source
    from ugc_hub.services.sources import SourceError, find_source

    try:
        found = find_source(db.session, source)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record(db.session, actor=audit.CLI, action="source.collect", object_type="source", object_id=found.id)
    db.session.commit()
    if queue:
        from ugc_hub.collect_tasks import collect_source_task

        collect_source_task.delay(found.id)
        click.echo(f"queued a run of source {found.id}")
        return
    retry_note = ""
    try:
        result = collect_source(
            db.session,
            found.id,
            max_pages=max_pages,
            lease_seconds=current_app.config.get("COLLECTOR_LEASE_SECONDS", LEASE_SECONDS),
            trigger="cli",
            allow_private_addresses=bool(current_app.config.get("ALLOW_PRIVATE_ADDRESSES", False)),
        )
    except RetryLater as exc:
        result = exc.result
        retry_note = " (the scheduler will retry)"
    if result.status == "already_running":
        raise click.ClickException(f"source {found.id} is already being collected")
    click.echo(
        f"{result.status}: {result.pages} pages, {result.new} new, {result.updated} updated, "
        f"{result.rejected} rejected{retry_note}"
    )
    if result.rate_limited_until is not None:
        click.echo(f"rate limited until {result.rate_limited_until:%Y-%m-%d %H:%M:%S} UTC", err=True)
    if result.error:
        click.echo(f"error: {result.error}", err=True)
    if result.status not in ("succeeded", "partial"):
        sys.exit(2)


@click.group("sources")
def sources_group() -> None:
    """Add and list the sources posts are collected from."""


def _parse_settings(pairs: tuple[str, ...]) -> dict[str, object]:
    """KEY=VALUE pairs; a key given several times becomes a list."""
    settings: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--setting")
        key = key.strip()
        if key in settings:
            previous = settings[key]
            settings[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            settings[key] = value
    return settings


@sources_group.command("add")
@click.argument("kind")
@click.argument("name")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", help="A plugin setting; repeat for lists.")
@click.option("--every", "schedule_seconds", type=int, default=3600, show_default=True, help="Seconds between runs.")
@click.option("--workspace", default=None, help="Workspace slug (default: the first one).")
@with_appcontext
def add_source(kind: str, name: str, settings: tuple[str, ...], schedule_seconds: int, workspace: str | None) -> None:
    """Add a source of collector KIND (see `ugc-hub sources kinds`) named NAME."""
    from ugc_hub.models import db
    from ugc_hub.services.sources import SourceError, create_source
    from ugc_hub.services.workspaces import WorkspaceError, find_workspace

    try:
        target = find_workspace(db.session, workspace)
        source = create_source(
            db.session,
            workspace_id=target.id,
            kind=kind,
            name=name,
            settings=_parse_settings(settings),
            schedule_seconds=schedule_seconds,
            actor=audit.CLI,
        )
    except (SourceError, WorkspaceError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created source {source.id} ({source.kind}) {source.name}")


@sources_group.command("list")
@with_appcontext
def list_sources_command() -> None:
    """List every source with its status and schedule."""
    from ugc_hub.models import db
    from ugc_hub.services.sources import list_sources

    for source in list_sources(db.session):
        last = f"{source.last_run_at:%Y-%m-%d %H:%M}" if source.last_run_at else "never"
        upcoming = f"{source.next_run_at:%Y-%m-%d %H:%M}" if source.next_run_at else "now"
        line = f"{source.id}\t{source.kind}\t{source.name}\t{source.status}\tlast {last}\tnext {upcoming}"
        if source.status_message:
            line += f"\t{source.status_message}"
        click.echo(line)


@sources_group.command("kinds")
@with_appcontext
def list_kinds() -> None:
    """List the collector kinds and whether each can run here."""
    from collectors import registry

    for status in registry.statuses(current_app.config):
        click.echo(f"{status.key}\t{status.title}\t{'enabled' if status.enabled else status.reason}")


@sources_group.command("encrypt-secrets")
@with_appcontext
def encrypt_secrets() -> None:
    """Encrypt clear-text source secrets and re-encrypt old-key ones with the current SECRET_KEY."""
    from ugc_hub.models import db
    from ugc_hub.services.secrets import reseal_all

    report = reseal_all(db.session)
    click.echo(f"{report.sources} source(s) re-encrypted with the current key")
    for source_id, names in report.unreadable.items():
        click.echo(f"source {source_id}: {', '.join(names)} cannot be decrypted; enter them again", err=True)


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, help="The UGC hub's command line.")
    cli.main(prog_name="ugc-hub")


def _create_app() -> Flask:
    from ugc_hub.app import create_app

    return create_app()


if __name__ == "__main__":
    main()
