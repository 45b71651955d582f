"""Start real PostgreSQL, Redis and moto (S3) servers for tests, and locate Chromium.

Every server listens on 127.0.0.1 on a free port, keeps its files in a temporary folder,
runs in its own session (so the whole process group can be killed) and writes its output to
a log file in the folder it was given. Starting waits with a bounded timeout and raises a
RuntimeError that quotes the end of the log when the server does not come up.

When a server's program is missing, :func:`need` skips the test, except in CI (``CI=true``),
where the test fails instead: CI must never pass by silently skipping the real-server tests.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import http.client
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, TypeVar

import pytest

if TYPE_CHECKING:
    from psycopg import sql

__all__ = [
    "CHROMIUM_ARGS",
    "MotoServer",
    "PostgresServer",
    "RedisServer",
    "chromium_executable",
    "free_port",
    "in_ci",
    "need",
    "start_moto",
    "start_postgres",
    "start_redis",
]

#: Where Debian installs the PostgreSQL server programs; the newest version is used.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: Where Chromium is looked for after ``CHROMIUM_PATH`` and before ``PATH``.
CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Arguments for launching Chromium headless in a container (root, no GPU, no network but localhost).
#: Without the background-networking flags Chromium tries to reach Google services and logs refusals.
CHROMIUM_ARGS: list[str] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_PORT_ATTEMPTS = 3
_PORT_IN_USE = re.compile(r"address already in use|could not bind|errno 98", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# skip or fail


def in_ci() -> bool:
    """True when the CI environment variable says so (``true``, ``1``, ``yes``, ``on``)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes", "on"}


def need(what: str, reason: str) -> NoReturn:
    """Give up on a test that needs *what*: skip it locally, fail it in CI."""
    if in_ci():
        pytest.fail(f"{what} is required when CI is set, but is unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------
# helpers


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(path: Path, limit: int = 4000, start: int = 0) -> str:
    """The end of a log file, from byte *start* on (the output of the current attempt)."""
    try:
        with open(path, "rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(start, size - limit))
            data = log.read()
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    text = data.decode("utf-8", "replace").strip()
    return text or "(log is empty)"


class _PortInUse(RuntimeError):
    """The server could not bind its port (someone took it after free_port); try another."""


T = TypeVar("T")


def _with_port_retries(start: Callable[[int], T]) -> T:
    for attempt in range(_PORT_ATTEMPTS):
        try:
            return start(free_port())
        except _PortInUse:
            if attempt == _PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_until(ready: Callable[[], bool], process: _ManagedProcess, timeout: float = START_TIMEOUT) -> float:
    """Poll *ready* until it is true; raise with the log tail if the process dies or time runs out."""
    started = time.monotonic()
    deadline = started + timeout
    name, log_path = process.name, process.log_path
    while True:
        if ready():
            return time.monotonic() - started
        code = process.proc.poll()
        if code is not None:
            tail = _log_tail(log_path, start=process.log_offset)
            error = _PortInUse if _PORT_IN_USE.search(tail) else RuntimeError
            raise error(f"{name} exited with code {code} while starting; log {log_path}:\n{tail}")
        if time.monotonic() > deadline:
            tail = _log_tail(log_path, start=process.log_offset)
            raise RuntimeError(f"{name} did not become ready within {timeout:.0f} s; log {log_path}:\n{tail}")
        time.sleep(0.05)


# Every started process, so that atexit can kill what a test forgot to stop.
_live: set[_ManagedProcess] = set()
_live_lock = threading.Lock()


class _ManagedProcess:
    """A child process in its own session, with its output in a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        run_as: pwd.struct_passwd | None = None,
        term_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.term_signal = term_signal
        #: Called after the process is gone (by kill(), so also at exit), e.g. to remove its folder.
        self.on_kill: list[Callable[[], None]] = []
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] | None = open(log_path, "ab")  # noqa: SIM115 - closed in kill()
        self.log_offset = self._log.seek(0, os.SEEK_END)
        try:
            self.proc: subprocess.Popen[bytes] = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,
                user=run_as.pw_uid if run_as else None,
                group=run_as.pw_gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
        except BaseException:
            self._log.close()
            raise
        with _live_lock:
            _live.add(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self, timeout: float = STOP_TIMEOUT) -> None:
        """Signal the process group (SIGTERM by default), SIGKILL it if it lingers; reap the child."""
        try:
            if self.proc.poll() is None:
                self._signal_group(self.term_signal)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=timeout)
            # The leader may be gone while children of the group survive: make sure.
            self._signal_group(signal.SIGKILL)
            if self.proc.poll() is None:
                self.proc.wait(timeout=timeout)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
            with _live_lock:
                _live.discard(self)
            callbacks, self.on_kill = self.on_kill, []
            for callback in callbacks:
                callback()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


@atexit.register
def _kill_leftovers() -> None:
    with _live_lock:
        leftovers = list(_live)
    for managed in leftovers:
        with contextlib.suppress(Exception):
            managed.kill(timeout=3)


# --------------------------------------------------------------------------------------------
# PostgreSQL


def _postgres_bindir() -> Path:
    """The directory holding initdb, pg_ctl and postgres: from PATH, else the newest Debian install."""
    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(os.path.realpath(initdb)).parent
        if all((bindir / prog).is_file() for prog in ("pg_ctl", "postgres")):
            return bindir

    def version_key(path: str) -> tuple[int, ...]:
        version = Path(path).parent.name
        return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)

    for candidate in sorted(glob.glob(POSTGRES_BIN_GLOB), key=version_key, reverse=True):
        bindir = Path(candidate)
        if all((bindir / prog).is_file() for prog in ("initdb", "pg_ctl", "postgres")):
            return bindir
    need(
        "postgresql",
        f"PostgreSQL server programs (initdb, pg_ctl, postgres) not found on PATH or in {POSTGRES_BIN_GLOB}",
    )


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: pick the account to run it as (None when not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and neither a 'postgres' nor a 'nobody' account exists to run PostgreSQL")


def _postgres_env() -> dict[str, str]:
    # Variables such as PGDATA, PGPORT or PGHOST from the developer's shell must not leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


class PostgresServer:
    """A throwaway PostgreSQL cluster; ``superuser`` connects without a password (trust)."""

    superuser = "postgres"

    def __init__(
        self,
        *,
        bindir: Path,
        workdir: Path,
        port: int,
        process: _ManagedProcess,
        run_as: pwd.struct_passwd | None,
    ) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.port = port
        self.host = "127.0.0.1"
        self.socket_dir = workdir
        self._process = process
        self._run_as = run_as
        self._stopped = False

    @property
    def log_path(self) -> Path:
        return self._process.log_path

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database."""
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database *dbname*."""
        return f"postgresql+psycopg://{self.superuser}@{self.host}:{self.port}/{dbname}"

    def dsn_for(self, dbname: str = "postgres") -> str:
        """libpq connection string, for psycopg.connect()."""
        return f"host={self.host} port={self.port} user={self.superuser} dbname={dbname} connect_timeout=5"

    def _admin_execute(self, *statements: tuple[sql.SQL | sql.Composed, Sequence[object] | None]) -> None:
        import psycopg

        with psycopg.connect(self.dsn_for("postgres"), autocommit=True) as conn:
            for statement, params in statements:
                conn.execute(statement, params)

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database *name* (as a copy of *template* if given); return its URL.

        PostgreSQL copies a template only while nobody is connected to it.
        """
        from psycopg import sql

        statement: sql.Composed = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self._admin_execute((statement, None))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database *name* if it exists, disconnecting its clients first."""
        from psycopg import sql

        terminate = sql.SQL(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        )
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        self._admin_execute((terminate, (name,)), (drop, None))

    def stop(self) -> None:
        """Stop immediately (no checkpoint: the data is thrown away) and remove the temporary folder."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self._process.running():
                with contextlib.suppress(subprocess.TimeoutExpired, OSError):
                    subprocess.run(
                        [
                            str(self.bindir / "pg_ctl"),
                            "stop",
                            "-D",
                            str(self.datadir),
                            "-m",
                            "immediate",
                            "-w",
                            "-t",
                            "20",
                        ],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        env=_postgres_env(),
                        cwd=self.workdir,
                        timeout=30,
                        check=False,
                        user=self._run_as.pw_uid if self._run_as else None,
                        group=self._run_as.pw_gid if self._run_as else None,
                        extra_groups=[] if self._run_as else None,
                    )
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.proc.wait(timeout=STOP_TIMEOUT)
        finally:
            self._process.kill()  # also removes a workdir under /tmp (see start_postgres)

    def __repr__(self) -> str:
        return f"<PostgresServer {self.url} pid={self._process.pid}>"


def _postgres_accepts(port: int, user: str) -> Callable[[], bool]:
    import psycopg

    def ready() -> bool:
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user=user, dbname="postgres", connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    return ready


def start_postgres(base_dir: Path, *, timeout: float = START_TIMEOUT) -> PostgresServer:
    """initdb a new cluster and start it on a free port on 127.0.0.1.

    The log goes to ``base_dir/postgres.log``. The data folder is ``base_dir/postgres-XXXX/data`` except
    as root, where PostgreSQL must run as an unprivileged account that may not be able to reach
    *base_dir* (pytest's tmp folders are 0700): then it is a fresh folder under /tmp, owned by
    that account and removed on stop().
    """
    bindir = _postgres_bindir()
    if importlib.util.find_spec("psycopg") is None:
        need("postgresql", "the psycopg package is not installed")
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    run_as = _unprivileged_user()
    log_path = base_dir / "postgres.log"

    if run_as is not None:
        workdir = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
        os.chmod(workdir, 0o755)  # noqa: S103 - the postgres account must traverse it
        os.chown(workdir, run_as.pw_uid, run_as.pw_gid)
        remove_workdir = True
    elif len(str(base_dir)) < 70:  # unix socket paths are limited to ~107 bytes
        workdir = Path(tempfile.mkdtemp(prefix="postgres-", dir=base_dir))
        remove_workdir = False
    else:
        workdir = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
        remove_workdir = True
    datadir = workdir / "data"
    env = _postgres_env()

    try:
        with open(log_path, "ab") as log:
            result = subprocess.run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(datadir),
                    "-U",
                    PostgresServer.superuser,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=workdir,
                timeout=120,
                check=False,
                user=run_as.pw_uid if run_as else None,
                group=run_as.pw_gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed with code {result.returncode}; log {log_path}:\n{_log_tail(log_path)}")

        def launch(port: int) -> PostgresServer:
            settings = {
                "listen_addresses": "'127.0.0.1'",
                "port": str(port),
                "unix_socket_directories": f"'{workdir}'",
                "max_connections": "200",
                "fsync": "off",
                "synchronous_commit": "off",
                "full_page_writes": "off",
                "shared_buffers": "64MB",
                "log_min_messages": "warning",
                "logging_collector": "off",
            }
            conf = "".join(f"{key} = {value}\n" for key, value in settings.items())
            # postgresql.auto.conf is read last, so these settings win; rewritten on a port retry.
            (datadir / "postgresql.auto.conf").write_text("# written by tests/support/servers.py\n" + conf)
            process = _ManagedProcess(
                "postgres",
                [str(bindir / "postgres"), "-D", str(datadir)],
                log_path,
                env=env,
                cwd=workdir,
                run_as=run_as,
                # SIGTERM would be a "smart" shutdown that waits for every client to disconnect.
                term_signal=signal.SIGQUIT,
            )
            server = PostgresServer(bindir=bindir, workdir=workdir, port=port, process=process, run_as=run_as)
            try:
                _wait_until(_postgres_accepts(port, PostgresServer.superuser), process, timeout)
            except BaseException:
                server.stop()
                raise
            if remove_workdir:
                process.on_kill.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
            return server

        return _with_port_retries(launch)
    except BaseException:
        if remove_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise


# --------------------------------------------------------------------------------------------
# Redis


def _redis_command(port: int, *args: str, timeout: float = 2.0) -> bytes:
    """Send one command in RESP and return the raw reply (enough for PING, SET, GET)."""
    payload = f"*{len(args)}\r\n".encode()
    for arg in args:
        data = arg.encode()
        payload += b"$%d\r\n%s\r\n" % (len(data), data)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


class RedisServer:
    def __init__(self, port: int, process: _ManagedProcess) -> None:
        self.port = port
        self.host = "127.0.0.1"
        self._process = process

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def url_for(self, db: int) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    @property
    def log_path(self) -> Path:
        return self._process.log_path

    def stop(self) -> None:
        self._process.kill()

    def __repr__(self) -> str:
        return f"<RedisServer {self.url} pid={self._process.pid}>"


def start_redis(base_dir: Path, *, timeout: float = START_TIMEOUT) -> RedisServer:
    """Start redis-server without persistence on a free port; its files and log go to *base_dir*."""
    binary = shutil.which("redis-server")
    if binary is None:
        need("redis", "redis-server not found on PATH")
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    log_path = base_dir / "redis.log"

    def launch(port: int) -> RedisServer:
        process = _ManagedProcess(
            "redis-server",
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(base_dir),
                "--daemonize",
                "no",
            ],
            log_path,
            cwd=base_dir,
        )

        def ready() -> bool:
            try:
                return _redis_command(port, "PING", timeout=1.0).startswith(b"+PONG")
            except OSError:
                return False

        try:
            _wait_until(ready, process, timeout)
        except BaseException:
            process.kill()
            raise
        return RedisServer(port, process)

    return _with_port_retries(launch)


# --------------------------------------------------------------------------------------------
# moto (S3 and other AWS services)


class MotoServer:
    def __init__(self, port: int, process: _ManagedProcess) -> None:
        self.port = port
        self._process = process

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self._process.log_path

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset API)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", "/moto-api/reset")
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"moto reset answered {response.status}")
        finally:
            conn.close()

    def stop(self) -> None:
        self._process.kill()

    def __repr__(self) -> str:
        return f"<MotoServer {self.endpoint_url} pid={self._process.pid}>"


def _http_answers(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/moto-api/")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()
        return True

    return ready


def start_moto(base_dir: Path, *, timeout: float = START_TIMEOUT) -> MotoServer:
    """Start moto's standalone server (all AWS services, S3 included) on a free port."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("moto.server") is None:
        need("moto", "moto is not installed (pip install 'moto[server]')")
    for module in ("flask", "flask_cors", "werkzeug"):
        if importlib.util.find_spec(module) is None:
            need("moto", f"moto's server extra is incomplete: {module} is missing (pip install 'moto[server]')")
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    log_path = base_dir / "moto.log"
    script = Path(sys.executable).parent / "moto_server"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "moto.server"]

    def launch(port: int) -> MotoServer:
        env = dict(os.environ)
        env["MOTO_PORT"] = str(port)
        env.setdefault("AWS_ACCESS_KEY_ID", "testing")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        env["PYTHONUNBUFFERED"] = "1"
        process = _ManagedProcess(
            "moto_server", [*command, "-H", "127.0.0.1", "-p", str(port)], log_path, env=env, cwd=base_dir
        )
        try:
            _wait_until(_http_answers(port), process, timeout)
        except BaseException:
            process.kill()
            raise
        return MotoServer(port, process)

    return _with_port_retries(launch)


# --------------------------------------------------------------------------------------------
# Chromium


def chromium_executable() -> str:
    """Path of a Chromium binary: CHROMIUM_PATH if set (it must exist), else the usual places, else PATH."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        need("chromium", f"CHROMIUM_PATH={configured} is not an executable file")
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found is not None:
            return found
    need("chromium", "Chromium not found (set CHROMIUM_PATH, or install the chromium package)")
