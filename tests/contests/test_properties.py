"""Properties of the draw that hold for any entries, seed, beacon and number of places."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from contests.draw import (
    BeaconRound,
    certificate_to_json,
    current_winners,
    substitute_winner,
    verify_certificate,
)
from contests.draw_algorithm import final_seed, rank_entries
from tests.contests.support import PROPERTY, T0, build

IDS = st.lists(st.text(alphabet="abcxyzABXZ0189._:~-", min_size=1, max_size=10), min_size=1, max_size=25, unique=True)
SEEDS = st.binary(min_size=32, max_size=32)
BEACONS = st.none() | st.builds(BeaconRound, st.just("local"), st.integers(0, 10**6))


@PROPERTY
@given(IDS, st.integers(1, 6), st.integers(0, 6), SEEDS, BEACONS)
def test_winners_then_alternates_are_the_head_of_the_ranking(
    entries: list[str], winners: int, alternates: int, seed: bytes, beacon: BeaconRound | None
) -> None:
    cert = build(entries, winners=winners, alternates=alternates, seed=seed, beacon=beacon)
    beacons = cert.bodies("beacon")
    key = final_seed(seed, draw_id="draw-1", list_hash=cert.freeze["list_hash"], beacon=beacons[0] if beacons else None)
    ranking = rank_entries(key, entries)
    assert sorted(ranking) == sorted(entries)
    result = cert.bodies("result")[0]
    assert result["winners"] + result["alternates"] == ranking[: winners + alternates]
    assert len(result["winners"]) == min(winners, len(entries))
    assert verify_certificate(cert.to_dict()).ok


@PROPERTY
@given(IDS, SEEDS, BEACONS, st.data())
def test_the_same_inputs_always_give_the_same_record(
    entries: list[str], seed: bytes, beacon: BeaconRound | None, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(entries))
    first = build(entries, seed=seed, beacon=beacon, winners=2, alternates=2)
    again = build(shuffled, seed=seed, beacon=beacon, winners=2, alternates=2)
    assert certificate_to_json(first) == certificate_to_json(again)


@PROPERTY
@given(IDS, SEEDS, st.integers(1, 4), st.integers(0, 4), st.data())
def test_substitutions_fill_places_from_the_alternates_in_order(
    entries: list[str], seed: bytes, winners: int, alternates: int, data: st.DataObject
) -> None:
    cert = build(entries, seed=seed, winners=winners, alternates=alternates)
    expected_winners, waiting = current_winners(cert)
    expected = list(expected_winners)
    for number in range(len(waiting)):
        place = data.draw(st.integers(0, len(expected) - 1))
        cert = substitute_winner(cert, expected[place], reason=f"no answer {number}", at=T0 + timedelta(days=30))
        expected[place] = waiting[number]
        assert current_winners(cert) == (tuple(expected), waiting[number + 1 :])
    verdict = verify_certificate(cert.to_dict())
    assert verdict.ok and list(verdict.winners) == expected and verdict.alternates == ()
