"""``--clock-ahead DAYS``: run the tests with the process clock moved ahead, to find tests bound to a date.

A test whose fixtures carry fixed dates must pin the clock the code under test reads (pass ``now=`` to
the service, or use time-machine's ``time_machine`` fixture). A test that forgets passes in the week it
was written and fails later; running the suite with the clock a year ahead makes it fail today instead.
``scripts/test`` runs the ``clock`` subset this way after the normal run.

The ``clock`` subset is every test that runs the hub's code in this process. Left out, each for a reason:
- tests that start the hub in another process (browser tests, ``serve``, the worker, ``demo``, the
  schemathesis run): only this process's clock moves, so they would not test the moved clock;
- ``slow`` tests and the sentiment model tests: ``sentiment/`` reads no clock, and loading the real
  model twice would cost CI minutes for nothing;
- the PostgreSQL twin of a test that also runs on SQLite: the hub reads the clock in Python only (no
  ``now()`` or ``CURRENT_TIMESTAMP`` in its SQL), so the database does not change what the moved clock
  finds, and the SQLite run costs half as much.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

OUT_OF_PROCESS = {
    "tests/test_serve.py",
    "tests/test_worker.py",
    "tests/test_collect_worker.py",
    "tests/test_demo_command.py",
    "tests/test_servers_smoke.py",
    "tests/test_api_schemathesis.py",
}
MODEL_ONLY = ("tests/sentiment/", "tests/test_friction_aspects.py")
ROOT = Path(__file__).resolve().parents[2]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-ahead",
        type=int,
        default=0,
        metavar="DAYS",
        help="move the clock of the test process DAYS days ahead (time-machine, ticking) for the whole run",
    )


def pytest_configure(config: pytest.Config) -> None:
    days = config.getoption("--clock-ahead")
    if days:
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption("--clock-ahead")
    return f"clock moved {days} days ahead: now is {datetime.now(UTC):%Y-%m-%d %H:%M} UTC" if days else None


def in_clock_subset(item: pytest.Item) -> bool:
    """Whether *item* runs the hub's clock-reading code in this process (see the module docstring)."""
    if item.get_closest_marker("browser") or item.get_closest_marker("slow"):
        return False
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("database_url") == "postgresql":
        return False
    path = item.path.resolve().relative_to(ROOT).as_posix()
    return path not in OUT_OF_PROCESS and not path.startswith(MODEL_ONLY)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if in_clock_subset(item):
            item.add_marker(pytest.mark.clock)
