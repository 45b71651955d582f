"""Choose the aspect rule's numbers by cross-validation on our own labelled complaints.

``python -m sentiment.tune_aspects`` embeds ``aspects_labelled.tsv`` once, then, on its "tune" rows,
for each of 5 folds picks the (threshold, margin, spread) with the best micro-F1 on the other folds and scores it on the
held-out fold; it prints the held-out scores (what to expect on unseen text of this register) and the
numbers chosen on all "tune" rows, which go into ``sentiment.aspects`` as the defaults, and their score
on the "check" rows, written after the prototypes and numbers were settled and never tuned on.

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

from sentiment.aspects import AspectMatcher, pick

LABELLED_PATH = Path(__file__).with_name("aspects_labelled.tsv")
# Cosines of centred embeddings: aspects are typically 0.1 to 0.5 apart from unrelated text.
THRESHOLDS = tuple(round(0.10 + 0.01 * i, 2) for i in range(31))
MARGINS = (-1.0, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1)  # -1: no margin over the generic baseline
SPREADS = (0.0, 0.02, 0.05, 0.1, 0.2)
FOLDS = 5


@dataclass(frozen=True)
class Labelled:
    split: str  # "tune": cross-validated and tuned on; "check": written last, only ever scored
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


def evaluate(
    rows: Sequence[Labelled],
    similarities: NDArray[np.float64],
    baseline: NDArray[np.float64],
    keys: Sequence[str],
    params: tuple[float, float, float],
) -> Scores:
    """Score the rule with ``params`` = (threshold, margin, spread) on these rows."""
    threshold, margin, spread = params
    tp = fp = fn = exact = 0
    for row, sims, base in zip(rows, similarities, baseline, strict=True):
        found = {key for key, _ in pick(sims, float(base), keys, threshold=threshold, margin=margin, spread=spread)}
        tp += len(found & row.aspects)
        fp += len(found - row.aspects)
        fn += len(row.aspects - found)
        exact += found == row.aspects
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, exact / len(rows) if rows else 0.0)


def best_params(
    rows: Sequence[Labelled], similarities: NDArray[np.float64], baseline: NDArray[np.float64], keys: Sequence[str]
) -> tuple[float, float, float]:
    """The grid point with the best micro-F1, ties going to the higher threshold (fewer false themes)."""
    grid = itertools.product(THRESHOLDS, MARGINS, SPREADS)
    return max(grid, key=lambda p: (round(evaluate(rows, similarities, baseline, keys, p).f1, 6), p[0], p[1]))


def cross_validate(
    rows: Sequence[Labelled], similarities: NDArray[np.float64], baseline: NDArray[np.float64], keys: Sequence[str]
) -> list[tuple[tuple[float, float, float], Scores]]:
    """Per fold: the parameters chosen on the other folds and their scores on this one."""
    order = [int(i) for i in np.random.default_rng(4).permutation(len(rows))]
    results = []
    for fold in range(FOLDS):
        held = [i for n, i in enumerate(order) if n % FOLDS == fold]
        train = [i for n, i in enumerate(order) if n % FOLDS != fold]
        params = best_params([rows[i] for i in train], similarities[train], baseline[train], keys)
        results.append((params, evaluate([rows[i] for i in held], similarities[held], baseline[held], keys, params)))
    return results


def main() -> None:
    from sentiment.default_backend import E5Encoder

    every = read_labelled()
    encoder = E5Encoder()
    matcher = AspectMatcher(encoder)
    all_similarities, all_baseline = matcher.similarities(encoder.embed([row.text for row in every]))
    keys = matcher.keys
    tune = [i for i, row in enumerate(every) if row.split == "tune"]
    check = [i for i, row in enumerate(every) if row.split == "check"]
    rows = [every[i] for i in tune]
    similarities, baseline = all_similarities[tune], all_baseline[tune]
    folds = cross_validate(rows, similarities, baseline, keys)
    for n, (params, scores) in enumerate(folds):
        print(f"fold {n}: params={params} held-out P={scores.precision:.3f} R={scores.recall:.3f} F1={scores.f1:.3f}")
    mean: dict[str, Any] = {
        name: float(np.mean([getattr(s, name) for _, s in folds])) for name in ("precision", "recall", "f1", "exact")
    }
    print("held-out mean: " + " ".join(f"{name}={value:.3f}" for name, value in mean.items()))
    chosen = best_params(rows, similarities, baseline, keys)
    print(f"chosen on all {len(rows)} rows: threshold={chosen[0]} margin={chosen[1]} spread={chosen[2]}")
    for lang in sorted({row.lang for row in rows}):
        index = [i for i, row in enumerate(rows) if row.lang == lang]
        s = evaluate([rows[i] for i in index], similarities[index], baseline[index], keys, chosen)
        print(f"  {lang} (in-sample): P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f} exact={s.exact:.3f}")
    s = evaluate([every[i] for i in check], all_similarities[check], all_baseline[check], keys, chosen)
    print(
        f"check rows ({len(check)}, never tuned on): P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f} exact={s.exact:.3f}"
    )


if __name__ == "__main__":
    main()
