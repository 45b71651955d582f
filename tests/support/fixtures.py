"""Session-scoped pytest fixtures for the real servers; conftest.py does ``from tests.support.fixtures import *``.

Each fixture starts its server once per test session (once per xdist worker), skips the test
when the server's program is missing (fails it in CI) and stops the server at the end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import (
    MotoServer,
    PostgresServer,
    RedisServer,
    start_moto,
    start_postgres,
    start_redis,
)

__all__ = ["moto_server", "postgres_server", "redis_server"]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto(tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        server.stop()
