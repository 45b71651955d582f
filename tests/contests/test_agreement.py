"""The hub's verifier and the public standalone one agree on every certificate, however it is mangled."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contests import verify_draw_standalone as standalone
from contests.canonical import CanonicalError
from contests.draw import BeaconRound, Certificate, verify_certificate
from tests.contests.support import PROPERTY, build, fixed_seed, reseal

IDS = st.text(alphabet="abcxyzABXZ0189._:~-", min_size=1, max_size=10)
SCALARS = st.none() | st.booleans() | st.integers(-3, 2**54) | st.floats(allow_nan=False) | st.text(max_size=6)
VALUES = SCALARS | IDS | st.lists(IDS, max_size=3) | st.dictionaries(st.text(max_size=4), SCALARS, max_size=2)


@st.composite
def certificates(draw: st.DrawFn) -> Certificate:
    """Whole draws of every shape: with or without a beacon, with some substitutions."""
    entries = draw(st.lists(IDS, min_size=1, max_size=12, unique=True))
    winners = draw(st.integers(1, 4))
    alternates = draw(st.integers(0, 3))
    beacon = draw(st.none() | st.builds(BeaconRound, st.sampled_from(["local", "drand-quicknet"]), st.integers(0, 99)))
    possible = min(alternates, max(len(entries) - winners, 0))
    reasons = draw(st.lists(st.text(min_size=1, max_size=10), max_size=possible))
    return build(
        entries,
        draw_id=draw(IDS),
        winners=winners,
        alternates=alternates,
        beacon=beacon,
        seed=fixed_seed(draw(st.text(max_size=6))),
        substitutions=reasons,
    )


def _similar(old: Any) -> st.SearchStrategy[Any]:
    """Draw a value of the same kind as ``old``, so the change reaches the checks past the layout."""
    if isinstance(old, str) and len(old) == 64:
        return st.binary(min_size=32, max_size=32).map(bytes.hex)
    if isinstance(old, str):
        return IDS
    if isinstance(old, int) and not isinstance(old, bool):
        return st.integers(0, 30)
    if isinstance(old, list):
        return st.permutations(old).map(list) | st.just(old[1:])
    return VALUES


def _locations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """List every place in a JSON tree: each object key and list index, at any depth."""
    places = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            places += _locations(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places += _locations(item, (*path, index))
    return places


def _verdicts(data: Any, anchors: list[str]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    ours = verify_certificate(data, anchors=anchors)
    theirs = standalone.verify(data, anchors)
    return (
        (ours.ok, ours.code, list(ours.winners), list(ours.alternates), list(ours.drawn_winners)),
        (theirs["ok"], theirs["code"], theirs["winners"], theirs["alternates"], theirs["drawn_winners"]),
    )


@PROPERTY
@given(certificates())
def test_both_accept_every_honest_draw(cert: Certificate) -> None:
    ours, theirs = _verdicts(cert.to_dict(), [cert.head])
    assert ours == theirs
    assert ours[:2] == (True, "ok")


@PROPERTY
@given(certificates(), st.data())
def test_both_give_the_same_verdict_on_any_mangled_certificate(cert: Certificate, data: st.DataObject) -> None:
    mangled: Any = cert.to_dict()
    for _ in range(data.draw(st.integers(1, 2))):
        path = data.draw(st.sampled_from(_locations(mangled)))
        parent: Any = mangled
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["similar", "similar", "replace", "delete", "insert"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "insert" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=5))] = data.draw(VALUES)
        elif action == "insert":
            parent.insert(path[-1], copy.deepcopy(data.draw(VALUES)))
        elif action == "similar":
            parent[path[-1]] = data.draw(_similar(parent[path[-1]]))
        else:
            parent[path[-1]] = data.draw(VALUES)
    if data.draw(st.booleans()):
        # A forger re-seals what can be re-sealed; a shape the hasher refuses stays as it is.
        with contextlib.suppress(CanonicalError, KeyError, TypeError, IndexError, AttributeError):
            reseal(mangled)
    anchors = data.draw(st.lists(st.sampled_from([event.hash for event in cert.events]), max_size=1))
    ours, theirs = _verdicts(mangled, anchors)
    assert ours == theirs
