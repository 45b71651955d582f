"""What the benchmark scripts share: a throwaway PostgreSQL like the tests start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def on_postgres(base: Path, run: Callable[[Any], None]) -> None:
    """Start PostgreSQL on 127.0.0.1 under ``base``, call ``run(server)``, stop it; say so when unavailable."""
    from tests.support.servers import start_postgres

    try:
        server = start_postgres(base / "pg")
    except BaseException as exc:  # pytest's skip, raised when initdb is missing, is a BaseException
        print(f"postgresql: not measured ({exc})")
        return
    try:
        run(server)
    finally:
        server.stop()
