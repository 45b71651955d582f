"""Running a draw: freeze, commit, beacon, reveal, rank, substitute; and the record verifies."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from contests import draw as draw_module
from contests.canonical import CanonicalError, canonical_json
from contests.draw import (
    BeaconRound,
    DrawError,
    certificate_from_dict,
    certificate_to_json,
    commit_seed,
    current_winners,
    draw_winners,
    freeze_entries,
    load_certificate,
    new_seed,
    record_beacon,
    reveal_seed,
    substitute_winner,
    verify_certificate,
)
from tests.contests.support import T0, beacon_value, build, fixed_seed

ENTRIES = [f"entry-{number:02d}" for number in range(1, 13)]
CONTESTS = Path(__file__).resolve().parents[2] / "contests"


def test_a_valid_draw_verifies() -> None:
    cert = build(ENTRIES, winners=3, alternates=2)
    verdict = verify_certificate(cert.to_dict())
    assert (verdict.ok, verdict.code, verdict.complete) == (True, "ok", True)
    assert len(verdict.winners) == 3 and len(verdict.alternates) == 2
    assert len(set(verdict.winners + verdict.alternates)) == 5
    assert set(verdict.winners + verdict.alternates) <= set(ENTRIES)
    assert verdict.winners == tuple(cert.bodies("result")[0]["winners"])


def test_the_ranking_is_hmac_of_the_final_seed_over_each_id() -> None:
    """Recompute docs/draws.md by hand: final seed, scores, order."""
    seed = fixed_seed("by hand")
    cert = build(ENTRIES, draw_id="by-hand", seed=seed, winners=2, alternates=3)
    freeze = cert.freeze
    message = canonical_json(
        {"algorithm": "ugc-hub-draw/1", "beacon": None, "draw_id": "by-hand", "list_hash": freeze["list_hash"]}
    )
    key = hmac.new(seed, message, hashlib.sha256).digest()
    order = sorted(ENTRIES, key=lambda entry: hmac.new(key, entry.encode(), hashlib.sha256).digest())
    result = cert.bodies("result")[0]
    assert result["final_seed"] == key.hex()
    assert (result["winners"], result["alternates"]) == (order[:2], order[2:5])
    assert freeze["list_hash"] == hashlib.sha256(json.dumps(ENTRIES, separators=(",", ":")).encode()).hexdigest()
    assert cert.bodies("commit")[0]["commitment"] == hashlib.sha256(seed).hexdigest()


def test_the_beacon_value_changes_the_result() -> None:
    plain = build(ENTRIES, draw_id="same", winners=4, alternates=0)
    with_beacon = build(ENTRIES, draw_id="same", winners=4, alternates=0, beacon=BeaconRound("local", 7))
    assert verify_certificate(with_beacon.to_dict()).ok
    assert with_beacon.bodies("beacon")[0] == {"source": "local", "round": 7, "value": beacon_value(7)}
    assert plain.bodies("result")[0]["final_seed"] != with_beacon.bodies("result")[0]["final_seed"]


def test_same_inputs_give_the_same_certificate_regardless_of_input_order() -> None:
    first = build(ENTRIES, beacon=BeaconRound("local", 3), substitutions=["no answer"])
    second = build(list(reversed(ENTRIES)), beacon=BeaconRound("local", 3), substitutions=["no answer"])
    assert certificate_to_json(first) == certificate_to_json(second)
    assert build(ENTRIES, seed=fixed_seed("other")).to_dict() != build(ENTRIES).to_dict()


def test_more_places_than_entries() -> None:
    verdict = verify_certificate(build(["a", "b"], winners=3, alternates=2).to_dict())
    assert verdict.ok and sorted(verdict.winners) == ["a", "b"] and verdict.alternates == ()


def test_a_substitution_promotes_the_next_alternate_without_a_redraw() -> None:
    cert = build(ENTRIES, winners=2, alternates=2)
    result = cert.bodies("result")[0]
    (w1, w2), (a1, a2) = result["winners"], result["alternates"]
    cert = substitute_winner(cert, w2, reason="did not answer within 14 days", at=T0 + timedelta(days=20))
    assert current_winners(cert) == ((w1, a1), (a2,))
    cert = substitute_winner(cert, a1, reason="declined", at=T0 + timedelta(days=40))
    assert current_winners(cert) == ((w1, a2), ())
    assert cert.bodies("result") == [result]  # the draw itself is never redone or edited
    verdict = verify_certificate(cert.to_dict())
    assert verdict.ok and (verdict.winners, verdict.alternates) == ((w1, a2), ())
    assert (verdict.drawn_winners, verdict.drawn_alternates) == ((w1, w2), (a1, a2))
    with pytest.raises(DrawError, match="no alternate is left"):
        substitute_winner(cert, w1, reason="gone", at=T0 + timedelta(days=50))
    with pytest.raises(DrawError, match="not a current winner"):
        substitute_winner(cert, w2, reason="again", at=T0 + timedelta(days=50))


def test_a_stored_record_is_reloaded_and_extended() -> None:
    seed = new_seed()
    cert = commit_seed(
        freeze_entries(ENTRIES, draw_id="stored", winners=1, alternates=1, at=T0, beacon=BeaconRound("local", 9)),
        seed,
        at=T0,
    )
    published = cert.head
    stored = json.loads(certificate_to_json(cert))
    assert verify_certificate(stored).code == "incomplete"
    assert verify_certificate(stored, partial=True).ok
    cert = certificate_from_dict(load_certificate(json.dumps(stored)), anchors=[published])
    cert = record_beacon(cert, beacon_value(9).upper(), at=T0 + timedelta(hours=1))
    cert = draw_winners(reveal_seed(cert, seed, at=T0 + timedelta(hours=1)), at=T0 + timedelta(hours=1))
    assert verify_certificate(cert.to_dict(), anchors=[published]).ok
    stored["entries"][0] = "entry-00"
    with pytest.raises(DrawError, match="list_hash_mismatch"):
        certificate_from_dict(stored)


def test_loading_refuses_duplicate_keys_and_non_objects() -> None:
    with pytest.raises(CanonicalError):
        load_certificate('{"format": 1, "format": 2}')
    with pytest.raises(DrawError):
        load_certificate("[]")


@pytest.mark.parametrize(
    ("entries", "options", "code"),
    [
        (["a", "a"], {}, "entries_not_canonical"),
        (["a", "b c"], {}, "malformed"),
        (["a", "é"], {}, "malformed"),
        ([], {}, "malformed"),
        (["a"], {"winners": 0}, "malformed"),
        (["a"], {"alternates": -1}, "malformed"),
        (["a"], {"draw_id": "no spaces please"}, "malformed"),
        (["a"], {"exclusions": {"Under Age": 1}}, "malformed"),
        (["a"], {"rules_hash": "ABC"}, "malformed"),
        (["a"], {"beacon": BeaconRound("local", -1)}, "malformed"),
    ],
)
def test_freezing_refuses_what_the_record_cannot_hold(entries: list[str], options: dict, code: str) -> None:
    arguments = {"draw_id": "d", "winners": 1, "alternates": 0, "at": T0, **options}
    with pytest.raises(DrawError) as caught:
        freeze_entries(entries, **arguments)
    assert caught.value.code == code


def test_steps_must_come_in_order_with_the_committed_seed() -> None:
    seed = fixed_seed("order")
    frozen = freeze_entries(ENTRIES, draw_id="d", winners=1, alternates=0, at=T0)
    with pytest.raises(DrawError, match="event_order"):
        reveal_seed(frozen, seed, at=T0)
    with pytest.raises(DrawError, match="event_order"):
        draw_winners(frozen, at=T0)
    committed = commit_seed(frozen, seed, at=T0)
    with pytest.raises(DrawError, match="event_order"):
        commit_seed(committed, seed, at=T0)
    with pytest.raises(DrawError, match="named no beacon"):
        record_beacon(committed, "ab" * 32, at=T0)
    with pytest.raises(DrawError, match="commitment_mismatch"):
        reveal_seed(committed, fixed_seed("another"), at=T0)
    with pytest.raises(DrawError, match="exactly 32 bytes"):
        commit_seed(frozen, b"short", at=T0)
    with pytest.raises(DrawError, match="time_order"):
        reveal_seed(committed, seed, at=T0 - timedelta(seconds=1))
    with pytest.raises(DrawError, match="naive_time"):
        reveal_seed(committed, seed, at=datetime(2025, 3, 1, 12, 0))
    with pytest.raises(DrawError, match="event_order"):
        substitute_winner(committed, ENTRIES[0], reason="x", at=T0)


def test_a_planned_beacon_must_be_recorded_before_the_reveal() -> None:
    seed = fixed_seed("beacon first")
    frozen = freeze_entries(ENTRIES, draw_id="d", winners=1, alternates=0, at=T0, beacon=BeaconRound("local", 1))
    committed = commit_seed(frozen, seed, at=T0)
    with pytest.raises(DrawError, match="event_order"):
        reveal_seed(committed, seed, at=T0)
    with pytest.raises(DrawError, match="malformed"):
        record_beacon(committed, "not hex", at=T0)


def test_new_seeds_come_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(new_seed()) == 32 and new_seed() != new_seed()
    monkeypatch.setattr(draw_module.secrets, "token_bytes", lambda size: b"\x07" * size)
    assert new_seed() == b"\x07" * 32


def test_random_is_never_imported() -> None:
    for source in CONTESTS.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] == "random" for name in names), source
