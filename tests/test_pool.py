"""Pooled PostgreSQL connections cut while idle (a restart, a firewall) are replaced before a request sees them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import make_app, running
from ugc_hub.models import db


def cut_every_connection(server: Any, dbname: str) -> int:
    """What a database restart does to the hub's pooled connections."""
    with psycopg.connect(server.dsn_for(), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (dbname,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def use_then_cut(server: Any, dbname: str) -> None:
    """Use a pooled connection, give it back to the pool, then cut it from the server's side."""
    assert db.session.scalar(text("SELECT 1")) == 1
    db.session.remove()
    assert cut_every_connection(server, dbname) == 1


@pytest.fixture
def database(postgres_server: Any, postgres_template: str) -> Any:
    name = "pool_" + uuid.uuid4().hex[:12]
    url = postgres_server.create_database(name, template=postgres_template)
    yield name, url
    postgres_server.drop_database(name)


def test_an_idle_connection_cut_by_a_restart_is_tested_and_replaced(
    postgres_server: Any, database: Any, tmp_path: Path
) -> None:
    name, url = database
    with running(make_app(url, tmp_path, DATABASE_PING_AFTER_IDLE=0)):
        use_then_cut(postgres_server, name)
        assert db.session.scalar(text("SELECT 2")) == 2


def test_a_connection_used_a_moment_ago_is_not_tested_so_a_cut_shows_once(
    postgres_server: Any, database: Any, tmp_path: Path
) -> None:
    name, url = database
    with running(make_app(url, tmp_path, DATABASE_PING_AFTER_IDLE=3600)):
        use_then_cut(postgres_server, name)
        with pytest.raises(OperationalError):
            db.session.scalar(text("SELECT 2"))
        db.session.remove()
        assert db.session.scalar(text("SELECT 3")) == 3  # the pool was replaced after the failure
