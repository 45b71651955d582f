"""Inclusion receipts: an entrant proves their entry was frozen, and learns nothing about anyone else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contests import verify_draw_standalone as standalone
from contests.draw import (
    DrawError,
    check_receipt_in_certificate,
    commit_seed,
    freeze_entries,
    inclusion_receipt,
    verify_receipt,
)
from tests.contests.support import PROPERTY, T0, build, fixed_seed

ENTRIES = [f"entry-{number:02d}" for number in range(1, 12)]
CERT = build(ENTRIES, winners=2, alternates=2)


def _check(receipt: dict[str, Any]) -> str:
    freeze = CERT.freeze
    return verify_receipt(
        receipt, draw_id=freeze["draw_id"], count=freeze["count"], merkle_root=freeze["merkle_root"]
    ).code


def test_every_entrant_receipt_verifies() -> None:
    for entry in ENTRIES:
        receipt = inclusion_receipt(CERT, entry)
        verdict = check_receipt_in_certificate(receipt, CERT.to_dict())
        assert (verdict.ok, verdict.entry_id, verdict.index) == (True, entry, CERT.entries.index(entry))
        assert standalone.check_receipt(receipt, dict(CERT.freeze))[0] == "ok"


def test_a_receipt_holds_no_other_entrant_id() -> None:
    receipt = inclusion_receipt(CERT, "entry-05")
    assert set(receipt) == {"format", "algorithm", "draw_id", "entry_id", "index", "count", "merkle_root", "path"}
    others = [entry for entry in ENTRIES if entry != "entry-05"]
    assert not any(entry in str(receipt) for entry in others)


def test_receipts_exist_from_the_freeze_on() -> None:
    frozen = commit_seed(
        freeze_entries(ENTRIES, draw_id="draw-1", winners=2, alternates=2, at=T0),
        fixed_seed("draw-1"),
        at=T0 + timedelta(hours=1),
    )
    assert inclusion_receipt(frozen, "entry-03") == inclusion_receipt(CERT, "entry-03")


def test_no_receipt_for_someone_not_in_the_list() -> None:
    with pytest.raises(DrawError, match="not_included"):
        inclusion_receipt(CERT, "entry-99")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"entry_id": "entry-99"}, "not_included"),
        ({"entry_id": "entry-06"}, "not_included"),
        ({"index": 0}, "not_included"),
        ({"index": 11}, "not_included"),
        ({"path": []}, "not_included"),
        ({"path": ["0" * 64] * 4}, "not_included"),
        ({"count": 12}, "wrong_list"),
        ({"merkle_root": "0" * 64}, "wrong_list"),
        ({"draw_id": "draw-2"}, "wrong_draw"),
        ({"index": -1}, "malformed"),
        ({"path": "abc"}, "malformed"),
        ({"format": "other"}, "malformed"),
        ({"extra": 1}, "malformed"),
    ],
)
def test_forged_receipts_fail(change: dict[str, Any], code: str) -> None:
    receipt = {**inclusion_receipt(CERT, "entry-05"), **change}
    assert _check(receipt) == code
    assert standalone.check_receipt(receipt, dict(CERT.freeze))[0] == code


def test_a_certificate_without_a_freeze_event_cannot_check_receipts() -> None:
    assert check_receipt_in_certificate(inclusion_receipt(CERT, "entry-01"), {"events": []}).code == "malformed"


@PROPERTY
@given(st.lists(st.text(alphabet="abcXYZ019.-", min_size=1, max_size=8), min_size=1, max_size=60, unique=True))
def test_receipts_verify_for_members_only(entries: list[str]) -> None:
    cert = build(entries, winners=1, alternates=0)
    freeze = cert.freeze
    for index, entry in enumerate(cert.entries):
        receipt = inclusion_receipt(cert, entry)
        assert receipt["index"] == index
        assert _verify(receipt, freeze) == "ok"
        assert _verify({**receipt, "entry_id": entry + "x"}, freeze) == "not_included"


def _verify(receipt: dict[str, Any], freeze: Any) -> str:
    code = verify_receipt(
        receipt, draw_id=freeze["draw_id"], count=freeze["count"], merkle_root=freeze["merkle_root"]
    ).code
    assert standalone.check_receipt(receipt, freeze)[0] == code
    return code
