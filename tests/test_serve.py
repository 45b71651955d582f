"""`ugc-hub serve --threads`: a browser's idle spare connection does not hold up other requests."""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.support import hub

pytestmark = pytest.mark.slow


def _answers_while_a_connection_idles(url: str, wait: float) -> bool:
    """Open a connection and send nothing on it (as Chromium's speculative connections do), then ask for a
    page on another one: does it answer within ``wait`` seconds?"""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=wait) as response:
                return bool(response.status == 200)
        except OSError:  # timed out
            return False


def test_threaded_workers_answer_while_a_connection_idles_and_a_sync_worker_does_not(tmp_path: Path) -> None:
    env = hub.hub_env(tmp_path / "instance")
    hub.run_cli(env, "db", "upgrade")
    with hub.serving(env, tmp_path / "threaded.log", workers=1, threads=4) as url:
        assert _answers_while_a_connection_idles(url, wait=10)
    # Why scripts/demo serves with threads: the one sync worker reads the idle connection until it times out.
    with hub.serving(env, tmp_path / "sync.log", workers=1, threads=1) as url:
        assert not _answers_while_a_connection_idles(url, wait=3)


def test_serve_refuses_zero_threads(tmp_path: Path) -> None:
    env = hub.hub_env(tmp_path / "instance")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        hub.run_cli(env, "serve", "--threads", "0", timeout=60)
    assert b"--threads" in refused.value.stderr
