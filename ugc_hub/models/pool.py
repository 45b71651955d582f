"""Testing pooled PostgreSQL connections before use, only when that is worth a round trip."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Make the pool test a connection that sat unused for ``idle_seconds`` or more before handing it out.

    SQLAlchemy's ``pool_pre_ping`` tests every checkout: one more round trip on every request, a fifth of a
    support's. A connection returned a moment ago is as alive as a test would find it; the ones a database
    restart or a firewall's idle timeout cut are those that sat unused, and those are tested. A failed test
    makes the pool open a new connection, unseen by the request. A connection cut in the middle of busy
    traffic still fails its statement: that request gets an error page, and SQLAlchemy replaces every
    connection of the pool.
    """

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def taken(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the connection did not answer after sitting idle") from exc
