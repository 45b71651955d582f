"""A CDN's generic purge endpoint on 127.0.0.1: records each purge (with when it arrived), fails on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Purge:
    method: str
    path: str
    authorization: str
    body: dict[str, Any]
    #: ``time.perf_counter()`` when the request arrived, to measure withdrawal-to-purge.
    at: float


@dataclass
class PurgeServer:
    url: str = ""
    received: list[Purge] = field(default_factory=list)
    #: How many of the next requests to answer 500.
    failures: int = 0


@contextmanager
def purge_server() -> Iterator[PurgeServer]:
    state = PurgeServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _serve(self) -> None:
            at = time.perf_counter()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if state.failures > 0:
                state.failures -= 1
                self.send_response(500)
            else:
                state.received.append(
                    Purge(self.command, self.path, self.headers.get("Authorization", ""), json.loads(body or b"{}"), at)
                )
                self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PURGE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/purge"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
