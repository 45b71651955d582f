"""Any change to a certificate makes verification fail, with the code of the check that caught it.

"Re-sealed" changes recompute every hash afterwards, as a forger would; they are caught by the
meaning of the record. Unsealed changes are caught by the hash chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from contests.draw import BeaconRound, Certificate, verify_certificate
from contests.draw_algorithm import list_hash
from tests.contests.support import PROPERTY, build, edited, event_of, fixed_seed

ID = st.text(alphabet="abcxyzABXZ0189._:~-", min_size=1, max_size=12)
ENTRIES = [f"entry-{number:02d}" for number in range(1, 21)]
CERT = build(ENTRIES, winners=3, alternates=3, beacon=BeaconRound("local", 12), substitutions=["no answer"])


def body(event_type: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: event_of(data, event_type)["body"].__setitem__(key, value)


def field(index: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["events"][index].__setitem__(key, value)


def reverse(event_type: str, key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: event_of(data, event_type)["body"][key].reverse()


def unsorted_but_hashed(data: dict[str, Any]) -> None:
    data["entries"].reverse()
    event_of(data, "freeze")["body"]["list_hash"] = list_hash(data["entries"])


def swap_events(data: dict[str, Any]) -> None:
    events = data["events"]
    events[2], events[3] = events[3], events[2]
    for index, event in enumerate(events):
        event["seq"] = index


CASES: list[tuple[str, Callable[[dict[str, Any]], object], bool, str]] = [
    ("an entry id changed", lambda d: d["entries"].__setitem__(5, "entry-99"), False, "list_hash_mismatch"),
    ("an entry added", lambda d: d["entries"].append("entry-21"), False, "count_mismatch"),
    ("an entry removed", lambda d: d["entries"].pop(0), False, "count_mismatch"),
    ("entries reordered, list hash forged", unsorted_but_hashed, True, "entries_not_canonical"),
    ("the count", body("freeze", "count", 21), True, "count_mismatch"),
    ("the list hash", body("freeze", "list_hash", "0" * 64), True, "list_hash_mismatch"),
    ("the Merkle root", body("freeze", "merkle_root", "0" * 64), True, "merkle_root_mismatch"),
    ("the seed", body("reveal", "seed", fixed_seed("x").hex()), True, "commitment_mismatch"),
    ("the seed, unsealed", body("reveal", "seed", fixed_seed("x").hex()), False, "event_hash_mismatch"),
    ("the commitment", body("commit", "commitment", "0" * 64), True, "commitment_mismatch"),
    ("the beacon value", body("beacon", "value", "00" * 32), True, "final_seed_mismatch"),
    ("the beacon value, unsealed", body("beacon", "value", "00" * 32), False, "event_hash_mismatch"),
    ("the beacon source", body("beacon", "source", "elsewhere"), True, "beacon_mismatch"),
    ("the final seed", body("result", "final_seed", "0" * 64), True, "final_seed_mismatch"),
    ("the order of winners", reverse("result", "winners"), True, "winners_mismatch"),
    ("the order of alternates", reverse("result", "alternates"), True, "alternates_mismatch"),
    ("a winner's id", body("result", "winners", ["entry-01", "entry-02", "entry-03"]), True, "winners_mismatch"),
    ("the number of winners", body("freeze", "winners", 2), True, "winners_mismatch"),
    ("the promoted alternate", body("substitution", "promoted", "entry-01"), True, "substitution_invalid"),
    ("the replaced winner", body("substitution", "replaced", "entry-99"), True, "substitution_invalid"),
    ("an event hash", field(3, "hash", "0" * 64), False, "event_hash_mismatch"),
    ("a link, re-sealed from there", lambda d: d["events"].pop(2), True, "event_order"),
    ("an event removed", lambda d: d["events"].pop(3), False, "chain_broken"),
    ("an event numbered wrong", field(1, "seq", 7), True, "event_order"),
    ("two events swapped", swap_events, True, "event_order"),
    ("an event dated earlier", field(4, "at", "2000-01-01T00:00:00Z"), True, "time_order"),
    ("an impossible date", field(4, "at", "2025-02-30T00:00:00Z"), True, "malformed"),
    ("an extra key in a body", body("reveal", "note", "hi"), True, "malformed"),
    ("a float in a body", body("freeze", "winners", 3.0), False, "malformed"),
    ("a boolean for a number", body("freeze", "alternates", True), True, "malformed"),
    ("an extra top-level key", lambda d: d.__setitem__("note", "unhashed"), False, "malformed"),
    ("the format", lambda d: d.__setitem__("format", "other"), False, "malformed"),
    ("no events", lambda d: d["events"].clear(), False, "malformed"),
    ("the algorithm", body("freeze", "algorithm", "ugc-hub-draw/9"), True, "unsupported_algorithm"),
    ("the draw stops early", lambda d: d["events"].pop(), False, "ok"),  # dropping the *last* event is allowed
]


@pytest.mark.parametrize(("change", "seal", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_change_fails_with_its_own_code(change: Callable[[dict[str, Any]], object], seal: bool, code: str) -> None:
    assert verify_certificate(edited(CERT, change, seal=seal)).code == code


def test_truncation_is_caught_by_the_published_head() -> None:
    """Dropping the latest events leaves a valid prefix: only a hash published later can expose it."""
    truncated = edited(CERT, lambda d: d["events"].pop(), seal=False)
    assert verify_certificate(truncated, anchors=[CERT.head]).code == "anchor_missing"
    assert verify_certificate(CERT.to_dict(), anchors=[f"  {CERT.head.upper()} "]).ok
    assert verify_certificate(CERT.to_dict(), anchors=[event.hash for event in CERT.events]).ok


def test_a_result_needs_a_draw() -> None:
    drawn_only_frozen = edited(CERT, lambda d: d["events"].__delitem__(slice(3, None)), seal=False)
    assert verify_certificate(drawn_only_frozen).code == "incomplete"


def _cert_strategy() -> st.SearchStrategy[Certificate]:
    return st.builds(
        lambda entries, winners, alternates, label: build(
            entries, winners=winners, alternates=alternates, seed=fixed_seed(label)
        ),
        st.lists(ID, min_size=2, max_size=15, unique=True),
        st.integers(1, 4),
        st.integers(0, 4),
        st.text(max_size=8),
    )


@PROPERTY
@given(_cert_strategy(), st.data())
def test_changing_any_single_entry_id_breaks_the_list_hash(cert: Certificate, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(cert.entries) - 1))
    new_id = data.draw(ID.filter(lambda value: value != cert.entries[index]))
    changed = edited(cert, lambda d: d["entries"].__setitem__(index, new_id), seal=False)
    assert verify_certificate(changed).code == "list_hash_mismatch"


@PROPERTY
@given(_cert_strategy(), st.data())
def test_adding_or_removing_an_entry_breaks_the_count(cert: Certificate, data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(cert.entries) - 1))
        changed = edited(cert, lambda d: d["entries"].pop(index), seal=False)
    else:
        extra = data.draw(ID.filter(lambda value: value not in cert.entries))
        changed = edited(cert, lambda d: d["entries"].append(extra), seal=False)
    assert verify_certificate(changed).code == "count_mismatch"


@PROPERTY
@given(_cert_strategy(), st.data())
def test_any_other_seed_is_caught(cert: Certificate, data: st.DataObject) -> None:
    seed = data.draw(st.binary(min_size=32, max_size=32).filter(lambda s: s.hex() != cert.bodies("reveal")[0]["seed"]))
    seal = data.draw(st.booleans())
    changed = edited(cert, body("reveal", "seed", seed.hex()), seal=seal)
    assert verify_certificate(changed).code == ("commitment_mismatch" if seal else "event_hash_mismatch")


@PROPERTY
@given(_cert_strategy(), st.data())
def test_any_reordering_of_winners_is_caught(cert: Certificate, data: st.DataObject) -> None:
    winners = cert.bodies("result")[0]["winners"]
    assume(len(winners) > 1)
    shuffled = data.draw(st.permutations(winners).filter(lambda order: list(order) != winners))
    assert verify_certificate(edited(cert, body("result", "winners", list(shuffled)))).code == "winners_mismatch"


@PROPERTY
@given(_cert_strategy(), st.data())
def test_any_event_hash_change_is_caught(cert: Certificate, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(cert.events) - 1))
    new_hash = data.draw(
        st.binary(min_size=32, max_size=32).map(bytes.hex).filter(lambda h: h != cert.events[index].hash)
    )
    assert verify_certificate(edited(cert, field(index, "hash", new_hash), seal=False)).code == "event_hash_mismatch"


@PROPERTY
@given(st.binary(min_size=1, max_size=64))
def test_any_beacon_value_other_than_the_recorded_one_is_caught(value: bytes) -> None:
    if value.hex() == CERT.bodies("beacon")[0]["value"]:
        return
    assert verify_certificate(edited(CERT, body("beacon", "value", value.hex()))).code == "final_seed_mismatch"
