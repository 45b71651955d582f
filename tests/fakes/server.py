"""A small threaded JSON HTTP server on 127.0.0.1 with queued faults, for fakes that need real sockets.

The app is a callable ``app(request) -> (status, headers, json_body)``. Faults handled here:
``"429"`` (with Retry-After), ``"500"``/``"503"``, ``"slow"`` (answer after ``delay`` s) and
``"truncated"`` (half the body, consistent Content-Length); any other kind is handed to
``fault_app(fault, request)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Response = tuple[int, dict[str, str], Any]


@dataclass
class Fault:
    """A failure served instead of the normal answer to ``times`` matching requests.

    ``path`` is a substring of the request path; ``after`` lets that many matching requests
    through first.
    """

    kind: str
    path: str = ""
    times: int = 1
    retry_after: int = 30
    delay: float = 2.0
    after: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorization: str
    headers: dict[str, str] = field(default_factory=dict)


class JsonServer:
    """Serve ``app`` on a free port of 127.0.0.1 in a background thread."""

    def __init__(
        self,
        app: Callable[[RecordedRequest], Response],
        fault_app: Callable[[Fault, RecordedRequest], Response] | None = None,
    ) -> None:
        self.app = app
        self.fault_app = fault_app
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a "slow" answer must not hold up the test's teardown
        thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "call start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path not in path:
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        """Return the answer to one request, faults applied."""
        self.requests.append(request)
        fault = self.take_fault(request.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault is None or fault.kind == "truncated":
            status, headers, body = self.app(request)
        elif fault.kind == "429":
            status, headers, body = (
                429,
                {"retry-after": str(fault.retry_after)},
                {"message": "Too Many Requests", "error": 429},
            )
        elif fault.kind in ("500", "503"):
            status, headers, body = int(fault.kind), {}, {"message": "Internal Server Error", "error": int(fault.kind)}
        elif self.fault_app is not None:
            status, headers, body = self.fault_app(fault, request)
        else:
            raise ValueError(f"unknown fault {fault.kind!r}")
        raw = json.dumps(body).encode()
        if fault is not None and fault.kind == "truncated":
            raw = raw[: len(raw) // 2]
        return status, headers, raw


class _Handler(BaseHTTPRequestHandler):
    owner: JsonServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each response waits for
    # the client's delayed ACK (~40 ms), which would dominate a 50,000-item benchmark.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        request = RecordedRequest(
            method,
            split.path,
            {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()},
            {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()},
            self.headers.get("Authorization", ""),
            {k.lower(): v for k, v in self.headers.items()},
        )
        status, headers, raw = self.owner.respond(request)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(raw)))
            if self.close_connection:
                # The client asked for "Connection: close" (prawcore does for token requests);
                # say so, or it may reuse the socket we are about to close.
                self.send_header("Connection", "close")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test); nothing left to answer.
            self.close_connection = True
