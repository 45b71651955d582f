"""`ugc-hub sources add/list/kinds` and `ugc-hub collect` against the fake Reddit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from ugc_hub.models import AuditEvent, Post, db


def setting_args(settings: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in settings.items():
        for one in value if isinstance(value, list) else [value]:
            args += ["--setting", f"{key}={one}"]
    return args


def test_add_list_and_collect_a_source_from_the_command_line(runner: Any, workspace: Any) -> None:
    with FakeReddit(total=25, comments_every=5) as fake:
        added = runner.invoke(
            args=[
                "sources",
                "add",
                "reddit.search",
                "Reddit acme",
                "--every",
                "900",
                *setting_args(reddit_settings(fake)),
            ]
        )
        assert added.exit_code == 0, added.output
        assert "created source" in added.output
        listed = runner.invoke(args=["sources", "list"])
        assert "reddit.search\tReddit acme\tactive\tlast never\tnext now" in listed.output
        collected = runner.invoke(args=["collect", "Reddit acme"])
        assert collected.exit_code == 0, collected.output
        assert "succeeded: 1 pages, 40 new, 0 updated, 0 rejected" in collected.output
        assert db.session.scalar(select(func.count()).select_from(Post)) == 40  # 25 submissions, 15 comments
        fake.add_fault("429", path="/search/", retry_after=120)
        fake.add_submissions(1)
        limited = runner.invoke(args=["collect", "1"])
    assert limited.exit_code == 2
    assert "rate_limited: 0 pages" in limited.output and "rate limited until" in limited.output
    assert "rate_limited" in runner.invoke(args=["sources", "list"]).output
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("source.collect") == 2 and "source.create" in actions


def test_bad_settings_and_unknown_sources_are_refused(runner: Any, workspace: Any) -> None:
    refused = runner.invoke(args=["sources", "add", "reddit.search", "x", "--setting", "client_id=a"])
    assert refused.exit_code == 1 and "Terms and hashtags is required" in refused.output
    malformed = runner.invoke(args=["sources", "add", "reddit.search", "x", "--setting", "nonsense"])
    assert malformed.exit_code == 2 and "KEY=VALUE" in malformed.output
    missing = runner.invoke(args=["collect", "nope"])
    assert missing.exit_code == 1 and "no source 'nope'" in missing.output
    kinds = runner.invoke(args=["sources", "kinds"])
    assert "reddit.search\tReddit search\tenabled" in kinds.output
