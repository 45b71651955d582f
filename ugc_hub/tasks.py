"""Celery tasks: thin wrappers that call services. Arguments are ids and paths, never ORM objects."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from celery import shared_task
from flask import current_app

from ugc_hub.models import db
from ugc_hub.services import audit
from ugc_hub.services.importer import import_file
from ugc_hub.services.storage import storage_from_config


@shared_task(name="ugc_hub.import_stored_file", acks_late=True)
def import_stored_file(storage_key: str, workspace_id: int, fmt: str, actor_label: str) -> dict[str, Any]:
    """Import a file uploaded to storage; safe to run twice because ingestion is idempotent."""
    storage = storage_from_config(current_app.config)
    data = storage.get(storage_key)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{fmt}"
        path.write_bytes(data)
        report = import_file(db.session, path, workspace_id=workspace_id, fmt=fmt)
    summary = {
        "new": report.new,
        "updated": report.updated,
        "rejected": report.rejected,
        "bad_rows": [{"line": b.line, "reason": b.reason} for b in report.bad_rows[:100]],
    }
    audit.record(
        db.session,
        actor=audit.Actor("system", f"import by {actor_label}"),
        action="import.file",
        object_type="file",
        object_id=storage_key[:64],
        after=summary,
    )
    db.session.commit()
    return summary
