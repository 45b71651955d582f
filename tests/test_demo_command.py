"""`ugc-hub demo` as scripts/demo runs it: the last line it prints is the sign-in that scripts/demo shows."""

from __future__ import annotations

from pathlib import Path

from tests.support import hub


def test_demo_ends_with_the_sign_in_and_changes_nothing_the_second_time(tmp_path: Path) -> None:
    env = hub.hub_env(tmp_path / "instance")
    first = hub.run_cli(env, "demo", "--password", "demo password", timeout=300)
    lines = first.stdout.decode().strip().splitlines()
    assert lines[-1] == "sign in as demo@example.com with password demo password"
    assert any(line.startswith("demo data ready: 30 new posts") for line in lines)
    # scripts/demo runs it on every start: nothing new, and still the sign-in last.
    again = hub.run_cli(env, "demo", timeout=300)
    lines = again.stdout.decode().strip().splitlines()
    assert any(line.startswith("demo data ready: 0 new posts") for line in lines)
    assert lines[-1].startswith("sign in as demo@example.com with password ")
