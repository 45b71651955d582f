"""Migrations build the schema on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from ugc_hub.models import AuditEvent, db
from ugc_hub.models.base import include_in_autogenerate


def test_single_head(app: Flask) -> None:
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_match_migrations(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_in_autogenerate}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_audit_log_is_append_only_in_the_database(app: Flask) -> None:
    db.session.add(AuditEvent(actor_type="system", actor_label="t", action="x", object_type="y", at=datetime.now(UTC)))
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(text("SELECT action FROM audit_events")) == "x"


def test_downgrade_then_upgrade(app: Flask) -> None:
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    names: Any = db.inspect(db.engine).get_table_names()
    assert "posts" not in names
    upgrade()
    assert "posts" in db.inspect(db.engine).get_table_names()


def test_upgrade_recomputes_canonical_addresses_stored_by_the_old_rules(app: Flask) -> None:
    """Customers canonicalised before Fastmail subdomains and Yahoo keywords counted are found again."""
    from flask_migrate import downgrade, upgrade

    downgrade(revision="0020-1")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with db.engine.begin() as connection:
        for id_, email in ((1, "shop@dave.fastmail.com"), (2, "dave@dave.fastmail.com"), (3, "marie-lego@yahoo.fr")):
            connection.execute(
                text(
                    "INSERT INTO customers (id, email, email_canonical, display_name, created_at)"
                    " VALUES (:id, :email, :email, '', :now)"
                ),
                {"id": id_, "email": email, "now": now},
            )
    upgrade()
    rows = dict(db.session.execute(text("SELECT id, email_canonical FROM customers")).all())
    # The first account of the mailbox takes the canonical address; the second keeps its old form.
    assert rows == {1: "dave@fastmail.com", 2: "dave@dave.fastmail.com", 3: "marie@yahoo.fr"}

def test_reddit_posts_stored_before_the_nsfw_flag_are_flagged_from_their_payload(app: Flask, workspace: Any) -> None:
    from flask_migrate import downgrade, upgrade

    downgrade(revision="0016")
    with db.engine.begin() as connection:
        for number, adult in ((1, True), (2, False)):
            connection.execute(
                text(
                    "INSERT INTO posts (workspace_id, platform, platform_id, text, media, posted_at, collected_at, "
                    "updated_at, metrics, raw, moderation_status) VALUES (:w, 'reddit', :pid, 't', '[]', :at, :at, "
                    ":at, '{}', :raw, 'approved')"
                ),
                {
                    "w": workspace.id,
                    "pid": f"t3_{number}",
                    "at": datetime(2026, 11, 20, tzinfo=UTC),
                    "raw": '{"kind": "t3", "data": {"over_18": %s}}' % ("true" if adult else "false"),
                },
            )
    upgrade()
    flagged = db.session.execute(text("SELECT platform_id FROM posts WHERE nsfw ORDER BY platform_id")).scalars()
    assert list(flagged) == ["t3_1"]
