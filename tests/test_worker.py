"""A real `ugc-hub worker` process consumes tasks from a real Redis broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app, running
from ugc_hub.models import Post, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.storage import storage_from_url
from ugc_hub.services.workspaces import create_workspace

pytestmark = pytest.mark.redis


def test_worker_imports_an_uploaded_file_from_the_redis_queue(
    database_url: str, instance: Path, redis_server: Any, tmp_path: Path
) -> None:
    broker = redis_server.url_for(3)
    storage_url = str(tmp_path / "storage")
    app = make_app(
        database_url, instance, STORAGE_URL=storage_url, CELERY={"broker_url": broker, "task_ignore_result": True}
    )
    env = os.environ | {
        "UGC_HUB_INSTANCE": str(instance),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "STORAGE_URL": storage_url,
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "ugc_hub.cli", "worker", "--concurrency", "1", "--no-beat"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with running(app):
            workspace = create_workspace(db.session, name="Brand", actor=CLI)
            lines = [json.dumps({"platform": "review", "platform_id": f"w{n}", "text": f"t {n}"}) for n in range(40)]
            storage_from_url(storage_url).put("imports/batch.jsonl", "\n".join(lines).encode())
            from ugc_hub.tasks import import_stored_file

            import_stored_file.delay("imports/batch.jsonl", workspace.id, "jsonl", "test")
            deadline = time.monotonic() + 60
            count = 0
            while time.monotonic() < deadline:
                db.session.rollback()
                count = db.session.scalar(select(func.count()).select_from(Post)) or 0
                if count == 40:
                    break
                time.sleep(0.3)
            assert count == 40, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
