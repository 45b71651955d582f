"""Jury and public-vote arithmetic: seeded juror assignment, round outcomes, the published mix.

Jurors are assigned the way draws rank entries (docs/draws.md): for each entry, every juror is
scored by HMAC-SHA256(seed, entry id "|" juror id) and the lowest scores not in conflict are taken.
The seed is published with the round, so anyone can recompute the assignment; ``random`` is never
used. Ties in results are broken by entry id, so every computation here is deterministic.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

MIN_RATING, MAX_RATING = 1, 10


class JudgingError(ValueError):
    """Scores or settings a round cannot use: ``code`` and ``params`` for the person's language
    (``contests.services.messages``), the message in English for logs."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def assign_jurors(
    seed: bytes,
    entry_ids: Sequence[str],
    juror_ids: Sequence[str],
    per_entry: int,
    conflicts: Collection[tuple[str, str]] = (),
) -> dict[str, list[str]]:
    """Jurors for each entry, ``per_entry`` at most, never one in conflict (entry id, juror id)."""
    if per_entry < 1:
        raise JudgingError("jurors_per_entry", "at least one juror per entry")
    assignment: dict[str, list[str]] = {}
    for entry in entry_ids:
        allowed = [juror for juror in juror_ids if (entry, juror) not in conflicts]
        ranked = sorted(
            allowed, key=lambda juror: (hmac.new(seed, f"{entry}|{juror}".encode(), hashlib.sha256).digest(), juror)
        )
        assignment[entry] = ranked[:per_entry]
    return assignment


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: int


def check_criteria(raw: Sequence[Mapping[str, object]]) -> list[Criterion]:
    criteria = []
    for item in raw:
        name, weight = str(item.get("name", "")).strip(), item.get("weight")
        if not name or not isinstance(weight, int) or weight < 1:
            raise JudgingError("criterion", "each criterion needs a name and a whole weight of at least 1")
        criteria.append(Criterion(name[:60], weight))
    if not criteria or len({c.name for c in criteria}) != len(criteria):
        raise JudgingError("criteria_distinct", "a rating round needs criteria with distinct names")
    return criteria


def weighted_rating(criteria: Sequence[Criterion], marks: Mapping[str, int]) -> Fraction:
    """One juror's marks (1–10 per criterion) as the weighted mean."""
    total = sum(c.weight for c in criteria)
    for c in criteria:
        mark = marks.get(c.name)
        if not isinstance(mark, int) or not MIN_RATING <= mark <= MAX_RATING:
            raise JudgingError(
                "mark_range",
                f"{c.name}: a mark from {MIN_RATING} to {MAX_RATING}",
                name=c.name,
                low=MIN_RATING,
                high=MAX_RATING,
            )
    return Fraction(sum(c.weight * marks[c.name] for c in criteria), total)


def yes_no_outcome(votes: Mapping[str, Sequence[bool]]) -> list[tuple[str, Fraction]]:
    """Entries by share of yes, highest first; an entry goes on with a strict majority of yes."""
    shares = {entry: Fraction(sum(v), len(v)) if v else Fraction(0) for entry, v in votes.items()}
    return sorted(shares.items(), key=lambda item: (-item[1], item[0]))


def mean_outcome(ratings: Mapping[str, Sequence[Fraction]]) -> list[tuple[str, Fraction]]:
    """Entries by mean weighted rating, highest first."""
    means = {entry: sum(r, Fraction(0)) / len(r) if r else Fraction(0) for entry, r in ratings.items()}
    return sorted(means.items(), key=lambda item: (-item[1], item[0]))


def borda_outcome(rankings: Mapping[str, Sequence[int]]) -> list[tuple[str, Fraction]]:
    """Ranking rounds: each juror gives each of their entries a rank (1 = best); the lowest mean rank
    wins. Returned as points (minus the mean rank) so that higher is better everywhere."""
    means = {entry: -Fraction(sum(r), len(r)) if r else Fraction(-(10**9)) for entry, r in rankings.items()}
    return sorted(means.items(), key=lambda item: (-item[1], item[0]))


def mix(
    jury: Mapping[str, Fraction], votes: Mapping[str, int], jury_weight: int
) -> list[tuple[str, Fraction, Fraction, Fraction]]:
    """The published blend: each side scaled to [0, 1] by its best entry, then weighted in percent.
    Returns (entry, jury part, vote part, total), best first."""
    if not 0 <= jury_weight <= 100:
        raise JudgingError("weight_percent", "the jury's weight is a percentage")
    entries = sorted(set(jury) | set(votes))
    low = min(jury.values(), default=Fraction(0))
    top_jury = max((value - low for value in jury.values()), default=Fraction(0))
    top_votes = max(votes.values(), default=0)
    rows = []
    for entry in entries:
        j = (jury.get(entry, low) - low) / top_jury if top_jury else Fraction(0)
        v = Fraction(votes.get(entry, 0), top_votes) if top_votes else Fraction(0)
        rows.append((entry, j, v, Fraction(jury_weight, 100) * j + Fraction(100 - jury_weight, 100) * v))
    return sorted(rows, key=lambda row: (-row[3], row[0]))
