"""Is each part the hub needs reachable?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from ugc_hub.models.base import DbSession


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(session: DbSession) -> Check:
    try:
        session.execute(text("SELECT 1"))
        session.rollback()
    except Exception as exc:  # any failure means "down"; the detail says which
        session.rollback()
        return Check("database", False, type(exc).__name__)
    return Check("database", True, session.get_bind().dialect.name)


def check_broker(connect: Callable[[], str]) -> Check:
    """``connect`` opens and closes a broker connection and names the transport."""
    try:
        transport = connect()
    except Exception as exc:
        return Check("broker", False, type(exc).__name__)
    return Check("broker", True, transport)
