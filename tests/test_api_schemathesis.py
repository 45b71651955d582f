"""Property-based API testing: the schemathesis CLI against a live hub and its /api/v1/openapi.json."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_app, running
from tests.support.hub import wait_for
from tests.support.servers import free_port
from tests.test_ingest import make_post
from ugc_hub.models import Source, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.ingest import ingest_posts
from ugc_hub.services.tokens import create_token
from ugc_hub.services.users import create_user
from ugc_hub.services.workspaces import create_workspace


def seeded_database(folder: Path, url: str) -> str:
    with running(make_app(url, folder)):
        workspace = create_workspace(db.session, name="Brand", actor=CLI)
        db.session.add(Source(workspace_id=workspace.id, kind="rss.feed", name="Reviews <b>feed</b>"))
        db.session.commit()
        posts = [make_post(n, text=f"post {n} <script>x</script> #tag{n % 3} ✓ مرحبا") for n in range(30)]
        ingest_posts(db.session, posts, workspace_id=workspace.id)
        user = create_user(db.session, email="api@example.com", password="long enough pw", actor=CLI)
        _token, secret = create_token(db.session, user=user, name="schemathesis", actor=CLI)
    return secret


@pytest.fixture
def postgres_url(postgres_server: Any, postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database: stricter than SQLite (32-bit ids, no NUL in text, no lone surrogates)."""
    name = "schemathesis_" + uuid.uuid4().hex[:12]
    yield postgres_server.create_database(name, template=postgres_template)
    postgres_server.drop_database(name)


def test_api_conforms_to_its_openapi_description(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every check schemathesis has, over every operation, on PostgreSQL: no 500 anywhere."""
    monkeypatch.setenv("UGC_HUB_INSTANCE", str(tmp_path))
    secret = seeded_database(tmp_path, postgres_url)
    env = os.environ | {"UGC_HUB_INSTANCE": str(tmp_path), "DATABASE_URL": postgres_url}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ugc_hub.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        cli = Path(sys.executable).with_name("schemathesis")
        result = subprocess.run(
            [
                str(cli),
                "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {secret}",
                "--max-examples",
                "80",
                "--seed",
                "1",
                "--checks",
                "all",
                "--request-timeout",
                "10",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=os.environ | {"NO_COLOR": "1"},
        )
        report = result.stdout[result.stdout.find("FAILURES") :]
        assert result.returncode == 0, report[:12000] + result.stderr[-2000:]
        assert "3 passed" in result.stdout or "passed" in result.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
