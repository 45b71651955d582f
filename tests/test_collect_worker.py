"""A real `ugc-hub worker` killed with SIGKILL mid-run: the next worker resumes from the last committed cursor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest
import redis
from sqlalchemy import func, select

from tests.conftest import make_app, running
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from ugc_hub.models import CollectorRun, Post, Source, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.sources import create_source
from ugc_hub.services.workspaces import create_workspace

pytestmark = pytest.mark.redis

TOTAL = 240
PAGE_SIZE = 10


def start_worker(env: dict[str, str], log: IO[str], *, beat: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "ugc_hub.cli", "worker", "--concurrency", "1"]
    if not beat:
        command.append("--no-beat")
    # A session of its own, so the kill reaches the worker's pool process too.
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(check: Callable[[], bool], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out; worker log:\n" + log.read_text()[-4000:])


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def test_a_worker_killed_mid_run_is_replaced_and_every_item_is_stored_once(
    database_url: str, instance: Path, redis_server: Any, tmp_path: Path
) -> None:
    broker = redis_server.url_for(5)
    redis.Redis.from_url(broker).flushdb()
    app = make_app(database_url, instance, CELERY={"broker_url": broker, "task_ignore_result": True})
    env = os.environ | {
        "UGC_HUB_INSTANCE": str(instance),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        # A dead run's lease frees the source after 3 s; the scheduler looks for due sources every second.
        "COLLECTOR_LEASE_SECONDS": "3",
        "COLLECTOR_SCAN_SECONDS": "1",
        "ALLOW_PRIVATE_ADDRESSES": "1",  # the fake Reddit listens on 127.0.0.1
    }
    log_path = tmp_path / "worker.log"
    workers: list[subprocess.Popen[bytes]] = []
    with FakeReddit(total=TOTAL, comments_every=0) as fake, log_path.open("w") as log, running(app):
        fake.add_fault("slow", path="/search/", delay=0.2, times=100_000)  # a run of ~5 s, long enough to kill
        workspace = create_workspace(db.session, name="Brand", actor=CLI)
        source = create_source(
            db.session,
            workspace_id=workspace.id,
            kind="reddit.search",
            name="reddit",
            settings=reddit_settings(fake, page_size=PAGE_SIZE),
            actor=CLI,
        )
        source_id = source.id

        def pages_done() -> int:
            return int(db.session.scalar(select(func.max(CollectorRun.pages))) or 0)

        def posts() -> int:
            return int(db.session.scalar(select(func.count()).select_from(Post)) or 0)

        try:
            workers.append(start_worker(env, log, beat=False))
            from ugc_hub.collect_tasks import collect_source_task

            collect_source_task.delay(source_id)
            wait_for(lambda: pages_done() >= 3, 60, log_path)
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            db.session.rollback()
            stored_before = posts()
            assert PAGE_SIZE * 3 <= stored_before < TOTAL
            killed = db.session.scalars(select(CollectorRun)).one()
            assert killed.status == "running" and killed.new == stored_before  # nothing half-stored

            workers.append(start_worker(env, log, beat=True))

            def finished() -> bool:
                done = db.session.get(Source, source_id)
                return posts() == TOTAL and done is not None and done.lease_owner is None

            wait_for(finished, 60, log_path)
        finally:
            for worker in workers:
                stop(worker)
            redis.Redis.from_url(broker).flushdb()

        db.session.rollback()
        ids = db.session.scalars(select(Post.platform_id)).all()
        assert len(ids) == len(set(ids)) == TOTAL
        assert set(ids) == {fake.submission_fullname(i) for i in range(TOTAL)}
        runs = db.session.scalars(select(CollectorRun).order_by(CollectorRun.id)).all()
        assert runs[0].status == "interrupted" and runs[-1].status == "succeeded"
        # Resumed at the last committed cursor: no page was fetched and stored a second time.
        assert sum(r.new for r in runs) == TOTAL and sum(r.updated for r in runs) == 0
        assert runs[-1].trigger == "schedule"
