"""``ugc-hub rights``: verify the consent ledger, export evidence, erase an author, run the queue."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ugc_hub.services import audit


@click.group("rights")
def rights_group() -> None:
    """Authors' permissions and the consent ledger."""


@rights_group.command("verify")
@with_appcontext
def verify() -> None:
    """Check every ledger payload against its hash and every link of the chain; exit 1 naming the first bad event."""
    from ugc_hub.models import db
    from ugc_hub.rights.services.consent_ledger import verify_ledger

    result = verify_ledger(db.session)
    if result.problem is not None:
        click.echo(f"ledger BROKEN at event {result.problem.seq}: {result.problem.reason}", err=True)
        sys.exit(1)
    click.echo(f"ledger OK: {result.events} events, {result.redacted} redacted by erasure, chain intact")


@rights_group.command("export")
@click.option("--post", "post_ids", type=int, multiple=True, help="A post id; repeat for several.")
@click.option("--author", "author_id", type=int, default=None, help="An author id.")
@with_appcontext
def export(post_ids: tuple[int, ...], author_id: int | None) -> None:
    """Print the evidence (ledger events, hashes, verification) for posts or an author as JSON."""
    from ugc_hub.models import db
    from ugc_hub.rights.services.consent_ledger import evidence_document

    if not post_ids and author_id is None:
        raise click.UsageError("give --post ID or --author ID")
    document = evidence_document(db.session, post_ids=post_ids, author_id=author_id)
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))


@rights_group.command("erase")
@click.option("--author", "author_id", type=int, required=True, help="The author's id (see the post page).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase(author_id: int, yes: bool) -> None:
    """Erase an author: posts, media files, handles and replies; the ledger keeps only hashes."""
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow
    from ugc_hub.rights.services.erasure import ErasureError, erase_author
    from ugc_hub.services.storage import storage_from_config

    if not yes:
        click.confirm(f"Erase author {author_id} and everything of theirs? This cannot be undone", abort=True)
    try:
        report = erase_author(
            db.session,
            author_id=author_id,
            storage=storage_from_config(current_app.config),
            actor=audit.CLI,
            now=utcnow(),
        )
    except ErasureError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"erased author {author_id}: {len(report.post_ids)} posts, {report.files_deleted} files, "
        f"{report.events_redacted} ledger payloads redacted"
    )
    for problem in report.file_errors:
        click.echo(f"file not deleted: {problem}", err=True)
    if report.file_errors:
        sys.exit(2)


@rights_group.command("send")
@with_appcontext
def send() -> None:
    """Send queued requests now (within each account's hourly budget) and expire overdue ones."""
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow
    from ugc_hub.rights.services import queue as rights_queue
    from ugc_hub.rights.services import upkeep as rights_upkeep

    now = utcnow()
    expired, reminded = rights_upkeep.expire_and_remind(db.session, now=now)
    report = rights_queue.send_due(
        db.session, now=now, per_hour=int(current_app.config.get("RIGHTS_SENDS_PER_ACCOUNT_HOUR", 20))
    )
    click.echo(
        f"{len(report.sent)} sent, {len(report.left_queued)} left queued, {len(report.manual)} to post by hand, "
        f"{len(report.failed)} failed; {len(expired)} expired, {len(reminded)} reminders queued"
    )


@rights_group.command("sync-replies")
@click.option("--platform", default=None, help="Only this platform (reddit, instagram).")
@with_appcontext
def sync_replies_command(platform: str | None) -> None:
    """Read the replies under every requested post now and record the new ones; exit 1 if a post failed."""
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow
    from ugc_hub.rights.services.reply_sync import sync_replies

    report = sync_replies(db.session, now=utcnow(), platform=platform)
    click.echo(
        f"{report.posts_read} posts read, {report.recorded} new replies: {report.verdicts['grants']} granted, "
        f"{report.verdicts['author_replied']} for a person to decide, {report.verdicts['ignored']} ignored"
    )
    for failure in report.failures:
        click.echo(f"post {failure.post_id}: {failure.error}", err=True)
    if report.failures:
        sys.exit(1)
