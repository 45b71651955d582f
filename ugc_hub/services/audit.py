"""Write to the append-only audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ugc_hub.models import AuditEvent
from ugc_hub.models.base import DbSession


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff user, an API token, the CLI or the system itself."""

    type: str
    label: str
    id: int | None = None


SYSTEM = Actor(type="system", label="system")
CLI = Actor(type="cli", label="command line")


def record(
    session: DbSession,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; the caller's transaction commits it with the change it describes."""
    event = AuditEvent(
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
    )
    session.add(event)
    return event
