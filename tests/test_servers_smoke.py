"""Smoke tests for tests/support/servers.py: every real server starts, answers, and stops."""

from __future__ import annotations

import http.server
import importlib.util
import os
import socket
import threading
from collections.abc import Iterator
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.support import servers
from tests.support.servers import (
    CHROMIUM_ARGS,
    chromium_executable,
    free_port,
    need,
    start_moto,
    start_postgres,
    start_redis,
)


def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); stop() reaps its children, so a live pid means a running process.
    return True


# --------------------------------------------------------------------------------------------
# real servers


@pytest.mark.postgres
def test_postgres_template_copy_and_select(tmp_path: Path) -> None:
    import psycopg
    import sqlalchemy

    server = start_postgres(tmp_path)
    pid = server._process.pid
    try:
        assert server.url == f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres"
        assert server.url_for("x") == f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/x"

        with psycopg.connect(server.dsn_for("postgres")) as conn:
            settings: dict[str, str] = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('max_connections', 'fsync', 'synchronous_commit', 'full_page_writes', 'listen_addresses')"
                ).fetchall()
            )
            user_is_superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        assert settings == {
            "max_connections": "200",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "listen_addresses": "127.0.0.1",
        }
        assert user_is_superuser == (True,)

        server.create_database("smoke_template")
        with psycopg.connect(server.dsn_for("smoke_template")) as conn:
            conn.execute("CREATE TABLE marker (word text)")
            conn.execute("INSERT INTO marker VALUES ('copied from template')")

        url = server.create_database("smoke_copy", template="smoke_template")
        assert url == server.url_for("smoke_copy")
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(sqlalchemy.text("SELECT 1")).scalar_one() == 1
                assert conn.execute(sqlalchemy.text("SELECT word FROM marker")).scalar_one() == "copied from template"
                assert conn.execute(sqlalchemy.text("SELECT current_database()")).scalar_one() == "smoke_copy"
        finally:
            engine.dispose()

        # drop_database must disconnect clients that are still connected.
        lingering = psycopg.connect(server.dsn_for("smoke_copy"))
        try:
            server.drop_database("smoke_copy")
            with pytest.raises(psycopg.OperationalError):
                lingering.execute("SELECT 1")
        finally:
            lingering.close()
        server.drop_database("smoke_copy")  # dropping a missing database is fine
        with psycopg.connect(server.dsn_for("postgres")) as conn:
            names = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        assert "smoke_copy" not in names
        assert "smoke_template" in names
    finally:
        server.stop()
    assert not _pid_alive(pid)
    assert not _port_accepts(server.port)
    if os.geteuid() == 0:
        assert not server.workdir.exists()
    assert (tmp_path / "postgres.log").is_file()
    server.stop()  # idempotent


def _read_resp(stream: BinaryIO) -> object:
    """Parse one RESP2 reply from *stream*."""
    line = stream.readline()
    assert line.endswith(b"\r\n"), f"truncated reply {line!r}"
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return body.decode()
    if kind == b"-":
        raise AssertionError(f"redis error: {body.decode()}")
    if kind == b":":
        return int(body)
    if kind == b"$":
        size = int(body)
        if size < 0:
            return None
        data = stream.read(size + 2)
        return data[:-2]
    if kind == b"*":
        return [_read_resp(stream) for _ in range(int(body))]
    raise AssertionError(f"unexpected reply {line!r}")


def _redis(port: int, *args: str) -> object:
    """One command over a raw socket, in RESP, without the redis package."""
    payload = f"*{len(args)}\r\n".encode()
    for arg in args:
        data = arg.encode()
        payload += b"$%d\r\n%s\r\n" % (len(data), data)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock, sock.makefile("rb") as stream:
        sock.sendall(payload)
        return _read_resp(stream)


@pytest.mark.redis
def test_redis_set_get(tmp_path: Path) -> None:
    server = start_redis(tmp_path)
    pid = server._process.pid
    try:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        assert _redis(server.port, "SET", "smoke:key", "valeur é") == "OK"
        assert _redis(server.port, "GET", "smoke:key") == "valeur é".encode()
        assert _redis(server.port, "GET", "smoke:missing") is None
        assert _redis(server.port, "CONFIG", "GET", "save") == [b"save", b""]
        assert _redis(server.port, "CONFIG", "GET", "bind") == [b"bind", b"127.0.0.1"]
    finally:
        server.stop()
    assert not _pid_alive(pid)
    assert not _port_accepts(server.port)
    assert (tmp_path / "redis.log").is_file()


@pytest.mark.s3
def test_moto_s3_roundtrip(tmp_path: Path) -> None:
    boto3 = pytest.importorskip("boto3")

    server = start_moto(tmp_path)
    pid = server._process.pid
    try:
        assert server.endpoint_url == f"http://127.0.0.1:{server.port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="smoke-bucket")
        s3.put_object(Bucket="smoke-bucket", Key="hello.txt", Body=b"hello from moto", ContentType="text/plain")
        got = s3.get_object(Bucket="smoke-bucket", Key="hello.txt")
        assert got["Body"].read() == b"hello from moto"
        assert got["ContentType"] == "text/plain"
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["smoke-bucket"]
        server.reset()
        assert s3.list_buckets()["Buckets"] == []
        s3.close()
    finally:
        server.stop()
    assert not _pid_alive(pid)
    assert not _port_accepts(server.port)


@pytest.fixture
def local_page(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Smoke Page</title></head>"
        "<body><p id='msg'>served locally</p>"
        "<script>document.getElementById('msg').dataset.js='ran'</script></body></html>",
        encoding="utf-8",
    )

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.mark.browser
def test_chromium_reads_local_page(local_page: str) -> None:
    executable = chromium_executable()
    sync_api = pytest.importorskip("playwright.sync_api")

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(local_page)
            assert page.title() == "Smoke Page"
            assert page.text_content("#msg") == "served locally"
            assert page.get_attribute("#msg", "data-js") == "ran"
            page.goto("data:text/html,<title>From data URL</title>")
            assert page.title() == "From data URL"
        finally:
            browser.close()


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


# --------------------------------------------------------------------------------------------
# skip locally, fail in CI


@pytest.fixture(params=["local", "ci"])
def ci_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type[BaseException]:
    """Set CI on or off; return the exception that need() must raise in that mode."""
    if request.param == "ci":
        monkeypatch.setenv("CI", "true")
        return pytest.fail.Exception
    monkeypatch.delenv("CI", raising=False)
    return pytest.skip.Exception


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("1", True), ("TRUE", True), ("false", False), ("", False)]
)
def test_in_ci(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert servers.in_ci() is expected


def test_need_switch(ci_mode: type[BaseException]) -> None:
    with pytest.raises(ci_mode, match="no such thing"):
        need("thing", "no such thing here")


@pytest.fixture
def empty_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.usefixtures("empty_path")
def test_missing_redis(tmp_path: Path, ci_mode: type[BaseException]) -> None:
    with pytest.raises(ci_mode, match="redis-server not found"):
        start_redis(tmp_path)
    assert not (tmp_path / "redis.log").exists()


@pytest.mark.usefixtures("empty_path")
def test_missing_postgres(tmp_path: Path, ci_mode: type[BaseException], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "POSTGRES_BIN_GLOB", str(tmp_path / "nothing" / "*" / "bin"))
    with pytest.raises(ci_mode, match="PostgreSQL server programs"):
        start_postgres(tmp_path)


def test_missing_chromium(tmp_path: Path, ci_mode: type[BaseException], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(ci_mode, match="CHROMIUM_PATH="):
        chromium_executable()


@pytest.mark.usefixtures("empty_path")
def test_missing_chromium_everywhere(
    tmp_path: Path, ci_mode: type[BaseException], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setattr(servers, "CHROMIUM_CANDIDATES", (str(tmp_path / "chromium"),))
    with pytest.raises(ci_mode, match="Chromium not found"):
        chromium_executable()


def test_missing_moto(tmp_path: Path, ci_mode: type[BaseException], monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> ModuleSpec | None:
        if name == "moto" or name.startswith("moto."):
            return None
        return real_find_spec(name, package)

    monkeypatch.setattr(servers.importlib.util, "find_spec", find_spec)
    with pytest.raises(ci_mode, match="moto is not installed"):
        start_moto(tmp_path)


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.redis
def test_start_retries_when_the_port_was_taken(
    tmp_path: Path, occupied_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = iter([occupied_port, free_port()])
    monkeypatch.setattr(servers, "free_port", lambda: next(ports))
    server = start_redis(tmp_path)
    try:
        assert server.port != occupied_port
        assert _redis(server.port, "PING") == "PONG"
    finally:
        server.stop()
    assert "Address already in use" in (tmp_path / "redis.log").read_text()


@pytest.mark.redis
def test_start_failure_raises_with_log_tail(
    tmp_path: Path, occupied_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(servers, "free_port", lambda: occupied_port)
    live_before = set(servers._live)  # session servers of this worker may be running
    with pytest.raises(
        RuntimeError, match=r"(?s)redis-server exited with code \d+ while starting.*Address already in use"
    ):
        start_redis(tmp_path)
    assert servers._live == live_before
