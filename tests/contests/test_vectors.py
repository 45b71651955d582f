"""The published test vectors: up to date, and every verifier gives the expected verdict on each."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contests.cli_verify import main as cli_main
from contests.draw import check_receipt_in_certificate, load_certificate, verify_certificate
from tests.contests.support import build
from tests.contests.vectors import MANIFEST, VECTOR_DIR, build_vectors, dump

STANDALONE = VECTOR_DIR.parent / "verify_draw_standalone.py"
MANIFEST_DATA: dict[str, Any] = json.loads((VECTOR_DIR / MANIFEST).read_text(encoding="utf-8"))
CERTIFICATES = MANIFEST_DATA["certificates"]
RECEIPTS = MANIFEST_DATA["receipts"]


def _load(name: str) -> dict[str, Any]:
    return load_certificate((VECTOR_DIR / name).read_bytes())


def _anchor_args(record: dict[str, Any]) -> list[str]:
    return [argument for anchor in record["anchors"] for argument in ("--anchor", anchor)]


def _run_standalone(*args: str, cwd: Path = VECTOR_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(STANDALONE), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        check=False,
    )


def test_published_files_match_the_code() -> None:
    expected = {name: dump(content) for name, content in build_vectors().items()}
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in VECTOR_DIR.glob("*.json")}
    assert sorted(on_disk) == sorted(expected), "run: python -m tests.contests.vectors"
    for name, text in expected.items():
        assert on_disk[name] == text, f"{name} is stale; run: python -m tests.contests.vectors"


def test_the_vectors_cover_every_failure_the_brief_names() -> None:
    codes = {record["code"] for record in CERTIFICATES}
    assert {"ok", "list_hash_mismatch", "count_mismatch", "commitment_mismatch", "final_seed_mismatch"} <= codes
    assert {"winners_mismatch", "event_hash_mismatch", "chain_broken", "anchor_missing"} <= codes
    assert {record["code"] for record in RECEIPTS} >= {"ok", "not_included"}


@pytest.mark.parametrize("record", CERTIFICATES, ids=[record["file"] for record in CERTIFICATES])
def test_library_verdicts(record: dict[str, Any]) -> None:
    verdict = verify_certificate(_load(record["file"]), anchors=record["anchors"])
    assert verdict.code == record["code"]
    assert verdict.ok is (record["code"] == "ok")
    if verdict.ok:
        assert [list(verdict.winners), list(verdict.alternates)] == [record["winners"], record["alternates"]]


@pytest.mark.parametrize("record", CERTIFICATES, ids=[record["file"] for record in CERTIFICATES])
def test_standalone_verifier_as_the_public_runs_it(record: dict[str, Any]) -> None:
    finished = _run_standalone(record["file"], *_anchor_args(record))
    assert finished.stderr == ""
    if record["code"] == "ok":
        assert finished.returncode == 0, finished.stdout
        assert finished.stdout.rstrip().endswith("OK: the certificate verifies")
        for entry in record["winners"] + record["alternates"]:
            assert f". {entry}\n" in finished.stdout
    else:
        assert finished.returncode == 1
        assert f"FAIL [{record['code']}]: " in finished.stdout


@pytest.mark.parametrize("record", CERTIFICATES, ids=[record["file"] for record in CERTIFICATES])
def test_project_cli_verdicts(record: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = cli_main([str(VECTOR_DIR / record["file"]), *_anchor_args(record)])
    output = capsys.readouterr().out
    assert exit_code == (0 if record["code"] == "ok" else 1)
    assert (f"FAIL [{record['code']}]" in output) is (record["code"] != "ok")
    for entry in record.get("winners", []):
        assert f". {entry}\n" in output


@pytest.mark.parametrize("record", RECEIPTS, ids=[record["file"] for record in RECEIPTS])
def test_receipt_vectors(record: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert check_receipt_in_certificate(_load(record["file"]), _load(record["certificate"])).code == record["code"]
    finished = _run_standalone(record["certificate"], "--receipt", record["file"])
    exit_code = cli_main([str(VECTOR_DIR / record["certificate"]), "--receipt", str(VECTOR_DIR / record["file"])])
    output = capsys.readouterr().out
    if record["code"] == "ok":
        assert (finished.returncode, exit_code) == (0, 0)
        assert "Receipt OK" in finished.stdout and "Receipt OK" in output
    else:
        assert (finished.returncode, exit_code) == (1, 1)
        assert f"FAIL [{record['code']}]: receipt" in finished.stdout
        assert f"FAIL [{record['code']}]: receipt" in output


def test_standalone_runs_alone_from_a_download_folder(tmp_path: Path) -> None:
    shutil.copy(STANDALONE, tmp_path / "verify_draw_standalone.py")
    shutil.copy(VECTOR_DIR / "valid-simple.json", tmp_path / "certificate.json")
    finished = subprocess.run(
        [sys.executable, "-I", "verify_draw_standalone.py", "certificate.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr


@pytest.mark.parametrize(
    ("content", "code"),
    [(None, "unreadable"), ("{not json", "malformed"), ('{"a": 1, "a": 1}', "malformed"), ("[1.5]", "malformed")],
)
def test_unreadable_files_fail_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, code: str
) -> None:
    path = tmp_path / "certificate.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    finished = _run_standalone(str(path))
    assert finished.returncode == 1 and f"FAIL [{code}]" in finished.stdout
    assert cli_main([str(path)]) == 1
    assert f"FAIL [{code}]" in capsys.readouterr().out


def test_standalone_uses_only_the_standard_library_and_old_python_syntax() -> None:
    source = STANDALONE.read_text(encoding="utf-8")
    tree = ast.parse(source, feature_version=(3, 8))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= sys.stdlib_module_names | {"__future__"}, imported - sys.stdlib_module_names


def test_control_characters_in_a_reason_are_shown_escaped(tmp_path: Path) -> None:
    cert = build(["a", "b", "c"], winners=1, alternates=1, substitutions=["\x1b[2Jfake OK\r"])
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(cert.to_dict()), encoding="utf-8")
    finished = _run_standalone(str(path))
    assert finished.returncode == 0
    assert "\x1b" not in finished.stdout and "\\u001b[2Jfake OK\\u000d" in finished.stdout
