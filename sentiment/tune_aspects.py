"""Choose the aspect rule's numbers by cross-validation on our own labelled complaints.

``python -m sentiment.tune_aspects`` embeds ``aspects_labelled.tsv`` once and fits the aspect regression
(on the prototype sentences only, never on these rows) once per candidate penalty. On the "tune" rows, for
each of 5 folds it picks the (penalty, threshold) with the best micro-F1 on the other folds and scores it on
the held-out fold; it prints the held-out scores (what to expect on unseen text of this register), the
numbers chosen on all "tune" rows, which go into ``sentiment.aspects`` as the defaults, and their score on
the "check" and "check2" rows. Neither was ever tuned on: "check" was written after the first rule was
settled, "check2" (varied brands and registers, indirect and informal wording) by someone who had not read
the prototypes, before the second rule was chosen.

Micro-F1 counts (text, aspect) pairs, so a text about nothing specific that gets an aspect is a false
positive, and one that gets none is simply correct.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sentiment.aspects import AspectMatcher, Encoder, pick

LABELLED_PATH = Path(__file__).with_name("aspects_labelled.tsv")
L2S = (0.003, 0.01, 0.03, 0.1)
THRESHOLDS = tuple(round(0.1 + 0.025 * i, 3) for i in range(30))  # probabilities, 0.1 to 0.825
FOLDS = 5


@dataclass(frozen=True)
class Labelled:
    split: str  # "tune": cross-validated and tuned on; "check", "check2": only ever scored
    aspects: frozenset[str]
    lang: str
    text: str


def read_labelled(path: Path = LABELLED_PATH) -> list[Labelled]:
    """Read the tab-separated ``split aspects lang text`` rows (aspects comma-separated, ``-`` for none)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Labelled(
            row["split"],
            frozenset() if row["aspects"] == "-" else frozenset(row["aspects"].split(",")),
            row["lang"],
            row["text"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    exact: float  # share of texts whose aspect set is exactly right


# Per candidate penalty, the aspect probabilities of every row.
Probabilities = dict[float, NDArray[np.float64]]


def evaluate(
    rows: Sequence[Labelled], probabilities: NDArray[np.float64], keys: Sequence[str], threshold: float
) -> Scores:
    """Score the rule at ``threshold`` on these rows, given their aspect probabilities."""
    tp = fp = fn = exact = 0
    for row, row_probabilities in zip(rows, probabilities, strict=True):
        found = {key for key, _ in pick(row_probabilities, keys, threshold=threshold)}
        tp += len(found & row.aspects)
        fp += len(found - row.aspects)
        fn += len(row.aspects - found)
        exact += found == row.aspects
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, exact / len(rows) if rows else 0.0)


def best_params(
    rows: Sequence[Labelled], probabilities: Probabilities, keys: Sequence[str], index: Sequence[int]
) -> tuple[float, float]:
    """The (penalty, threshold) with the best micro-F1 on the rows at ``index``, ties going to the higher
    threshold (fewer false themes)."""
    picked = [rows[i] for i in index]
    grid = itertools.product(L2S, THRESHOLDS)
    return max(
        grid, key=lambda p: (round(evaluate(picked, probabilities[p[0]][list(index)], keys, p[1]).f1, 6), p[1], -p[0])
    )


def cross_validate(
    rows: Sequence[Labelled], probabilities: Probabilities, keys: Sequence[str], index: Sequence[int]
) -> list[tuple[tuple[float, float], Scores]]:
    """Per fold of the rows at ``index``: the numbers chosen on the other folds and their scores on this one."""
    order = [index[int(i)] for i in np.random.default_rng(4).permutation(len(index))]
    results = []
    for fold in range(FOLDS):
        held = [i for n, i in enumerate(order) if n % FOLDS == fold]
        train = [i for n, i in enumerate(order) if n % FOLDS != fold]
        l2, threshold = best_params(rows, probabilities, keys, train)
        scores = evaluate([rows[i] for i in held], probabilities[l2][held], keys, threshold)
        results.append(((l2, threshold), scores))
    return results


def probabilities_by_penalty(encoder: Encoder, rows: Sequence[Labelled]) -> tuple[Probabilities, tuple[str, ...]]:
    """Embed the rows once; per candidate penalty, fit the built-in aspects' regression and return the rows'
    aspect probabilities, with the aspect keys in column order."""
    embeddings = encoder.embed([row.text for row in rows])
    matchers = {l2: AspectMatcher(encoder, l2=l2) for l2 in L2S}
    keys = matchers[L2S[0]].keys
    return {l2: matcher.probabilities(embeddings) for l2, matcher in matchers.items()}, keys


def main() -> None:
    from sentiment.default_backend import E5Encoder

    every = read_labelled()
    probabilities, keys = probabilities_by_penalty(E5Encoder(), every)
    tune = [i for i, row in enumerate(every) if row.split == "tune"]
    folds = cross_validate(every, probabilities, keys, tune)
    for n, (params, scores) in enumerate(folds):
        print(
            f"fold {n}: l2, threshold={params} held-out P={scores.precision:.3f} R={scores.recall:.3f} F1={scores.f1:.3f}"
        )
    mean: dict[str, Any] = {
        name: float(np.mean([getattr(s, name) for _, s in folds])) for name in ("precision", "recall", "f1", "exact")
    }
    print("held-out mean: " + " ".join(f"{name}={value:.3f}" for name, value in mean.items()))
    l2, threshold = best_params(every, probabilities, keys, tune)
    print(f"chosen on all {len(tune)} tune rows: l2={l2} threshold={threshold}")
    for split in ("tune", "check", "check2"):
        for lang in ("en", "fr", None):
            index = [i for i, row in enumerate(every) if row.split == split and lang in (None, row.lang)]
            s = evaluate([every[i] for i in index], probabilities[l2][index], keys, threshold)
            print(
                f"  {split} {lang or 'both'} ({len(index)} rows{', in-sample' if split == 'tune' else ''}): "
                f"P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f} exact={s.exact:.3f}"
            )


if __name__ == "__main__":
    main()
