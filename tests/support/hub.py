"""Run the hub the way scripts/demo does (CLI commands in subprocesses) for browser and HTTP tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.servers import free_port

CLI = [sys.executable, "-m", "ugc_hub.cli"]


def wait_for(url: str, timeout: float = 60) -> None:
    """Poll ``url`` until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def hub_env(instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a hub on the embedded defaults in ``instance`` (plain http, so no Secure cookies)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "STORAGE_URL")}
    return env | {"UGC_HUB_INSTANCE": str(instance), "UGC_HUB_SECURE_COOKIES": "0"} | extra


def run_cli(env: Mapping[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], env=dict(env), check=True, capture_output=True, timeout=timeout)


@contextmanager
def serving(env: Mapping[str, str], log: Path, workers: int = 2, threads: int = 4) -> Iterator[str]:
    """`ugc-hub serve` on a free port; yields its base URL and stops it afterwards.

    Two threaded workers by default, as scripts/demo runs it for a browser that talks to it directly: with
    sync workers, a spare connection Chromium opens and leaves idle holds a worker while the page's images
    wait.
    """
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz")
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=20)


def demo_hub(folder: Path, password: str, commands: Sequence[Sequence[str]] = (), **extra: str) -> Iterator[str]:
    """`ugc-hub demo`, then extra CLI commands, then `ugc-hub serve`: a generator for module fixtures."""
    env = hub_env(folder / "instance", **extra)
    run_cli(env, "demo", "--password", password, timeout=120)
    for command in commands:
        run_cli(env, *command)
    with serving(env, folder / "server.log") as url:
        yield url
