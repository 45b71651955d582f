"""Contests and verifiable draws: entries from hashtags or an upload form, juries, votes, draws, winners.

The plain-Python rules (no Flask, no database) are ``contests.entry_rules``, ``contests.judging``,
``contests.draw`` with ``contests.draw_algorithm``, ``contests.draw_schema``, ``contests.draw_verify``,
``contests.canonical`` and ``contests.merkle``, ``contests.beacon``, and the verifier's command line
``contests.cli_verify`` with ``contests.verify_draw_standalone``. ``contests.models`` holds the tables;
``contests.services`` the services (a session and plain values in); ``contests.views`` (public pages),
``contests.prize`` (the winner's answer), ``contests.staff``, ``contests.tasks`` and ``contests.cli`` are the
thin entry points. docs/contests.md and docs/draws.md describe the whole feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the public, prize and staff blueprints, the ``contests`` CLI group and the Celery tasks.

    The tasks' beat entries stay in the CELERY config (``ugc_hub.config``), which Celery reads before this runs.
    """
    from contests import prize, staff, tasks, views  # noqa: F401 - importing tasks registers them
    from contests.cli import contests_group

    app.register_blueprint(views.bp, url_prefix="/contests")
    app.register_blueprint(prize.bp, url_prefix="/contests")
    app.register_blueprint(staff.bp, url_prefix="/staff/contests")
    app.cli.add_command(contests_group)
