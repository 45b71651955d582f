"""``--clock-ahead DAYS``: run the tests with the process clock moved ahead, to find tests bound to a date.

A test whose fixtures carry fixed dates must pin the clock the code under test reads (pass ``now=`` to
the service, or use time-machine's ``time_machine`` fixture). A test that forgets passes in the week it
was written and fails later; running the suite with the clock a year ahead makes it fail today instead.
``scripts/test`` runs the ``clock`` subset this way after the normal run.

Only this process's clock moves: servers the tests start in other processes (PostgreSQL, Redis, the
browser tests' hub) keep the real time, so tests that spawn a hub are not in the ``clock`` subset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine


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
