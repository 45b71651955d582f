"""A local randomness beacon over real HTTP, answering like drand's relays (``GET /public/{round}``, ``GET /info``).

Rounds up to ``latest`` are published; later ones answer 404 as drand's relays do for a future round, so a
test publishes round N by moving ``latest``. ``genesis_time`` and ``period`` are what ``/info`` announces
(and what the hub is configured with, :attr:`LocalBeacon.config_entry`), so the hub names rounds on the
test's clock. ``malformed`` rounds answer a body that is not a round; ``down`` makes every request fail with 503.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.contests.support import drand_body


@dataclass
class LocalBeacon:
    """The server's state; tests move ``latest`` forward as time passes."""

    latest: int = 100
    genesis_time: int = 1_700_000_000
    period: int = 3
    malformed: set[int] = field(default_factory=set)
    down: bool = False
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/public/{{round}}"

    @property
    def config_entry(self) -> dict[str, object]:
        """This beacon as a DRAW_BEACONS entry with its clock."""
        return {"url": self.template, "genesis_time": self.genesis_time, "period": self.period}

    def info(self) -> str:
        """drand's ``/info`` shape (the fields the hub uses, and a chain hash)."""
        return json.dumps({"period": self.period, "genesis_time": self.genesis_time, "hash": "00" * 32})

    def body_for(self, number: int) -> tuple[int, str]:
        if self.down:
            return 503, "service unavailable"
        if number > self.latest:
            return 404, json.dumps({"error": "round not found"})
        if number in self.malformed:
            return 200, json.dumps({"round": number, "randomness": "zz" * 31})
        return 200, drand_body(number)


@contextmanager
def serve_beacon(beacon: LocalBeacon | None = None) -> Iterator[LocalBeacon]:
    """Run the beacon on 127.0.0.1 in a thread for the duration of the block."""
    state = beacon or LocalBeacon()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            prefix = "/public/"
            if self.path == "/info":
                status, text = 200, state.info()
            elif not self.path.startswith(prefix) or not self.path[len(prefix) :].isdigit():
                status, text = 404, "{}"
            else:
                status, text = state.body_for(int(self.path[len(prefix) :]))
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
