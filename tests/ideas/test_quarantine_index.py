"""The quarantine review reads quarantined supports through their partial index, not by scanning every support."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from tests.ideas.helpers import own_postgres_database, plain_workspace
from tests.ideas.test_supports import PUBLISHED, setup_idea
from ugc_hub.services.ideas_quarantine import quarantine_page

COUNTED = 30_000
QUARANTINED = 5


@pytest.fixture
def engine(postgres_server: Any, postgres_template: str, instance: Any) -> Iterator[Engine]:
    with own_postgres_database(postgres_server, postgres_template) as engine:
        yield engine


def _many_supports(session: Session) -> int:
    """One idea with ``COUNTED`` counted supports and ``QUARANTINED`` quarantined ones, statistics up to date."""
    idea_id, _ = setup_idea(session, plain_workspace(session), 0)
    at = PUBLISHED + timedelta(days=1)
    session.execute(
        text(
            "INSERT INTO customers (email, email_canonical, display_name, verified_at, created_at) "
            "SELECT 'p' || n || '@example.com', 'p' || n || '@example.com', '', :at, :at "
            "FROM generate_series(1, :people) AS n"
        ),
        {"at": at, "people": COUNTED + QUARANTINED},
    )
    session.execute(
        text(
            "INSERT INTO supports (idea_id, customer_id, state, reason, ip, created_at) "
            "SELECT :idea, c.id, CASE WHEN c.id % 6001 = 0 THEN 'quarantined' ELSE 'counted' END, "
            "CASE WHEN c.id % 6001 = 0 THEN 'ip_burst' END, '203.0.113.7', :at "
            "FROM customers AS c WHERE c.email LIKE 'p%'"
        ),
        {"idea": idea_id, "at": at},
    )
    session.execute(text("ANALYZE supports"))
    session.execute(text("ANALYZE customers"))
    session.commit()
    return int(session.execute(text("SELECT count(*) FROM supports WHERE state = 'quarantined'")).scalar_one())


def test_the_review_page_reads_quarantined_supports_by_their_index(engine: Engine) -> None:
    with Session(engine) as session:
        quarantined = _many_supports(session)
        assert quarantined >= 1
        issued: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            issued.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            page = quarantine_page(session)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert page.total == 1 and page.buckets[0].supports == quarantined
        reads = [(sql, params) for sql, params in issued if "supports" in sql]
        assert len(reads) == 2  # the page, then its total and position
        for sql, params in reads:
            plan = "\n".join(session.connection().exec_driver_sql("EXPLAIN " + sql, params).scalars())
            assert "ix_supports_quarantined" in plan, plan
            assert "Seq Scan on supports" not in plan, plan
