"""Choosing the head's L2 penalty by cross-validation on our own examples (synthetic embeddings here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sentiment.fit_head import CrossValidation, best_l2, cross_validate, read_examples
from sentiment.head import fit_logistic_head
from sentiment.scores import LABELS


def clusters(rows_per_label: int = 30, spread: float = 0.3) -> tuple[np.ndarray, list[str]]:
    """Three well separated Gaussian clusters, one per label, in 8 dimensions."""
    rng = np.random.default_rng(7)
    centres = np.eye(8)[:3] * 3.0
    x = np.vstack([centre + spread * rng.standard_normal((rows_per_label, 8)) for centre in centres])
    labels: list[str] = [label for label in LABELS for _ in range(rows_per_label)]
    return x, labels


def test_each_penalty_is_scored_on_held_out_rows() -> None:
    x, labels = clusters()
    results = cross_validate(x, labels, l2_grid=(0.1, 10.0), folds=3)
    assert [r.l2 for r in results] == [0.1, 10.0]
    # separable clusters: every held-out row is classified right with a light penalty
    assert results[0].accuracy == 1.0
    # a heavy penalty flattens the probabilities, which the held-out cross-entropy sees
    assert results[1].cross_entropy > results[0].cross_entropy


def test_cross_validation_is_repeatable() -> None:
    x, labels = clusters(spread=2.0)
    assert cross_validate(x, labels, l2_grid=(1.0,), folds=4) == cross_validate(x, labels, l2_grid=(1.0,), folds=4)


def test_best_l2_has_the_best_held_out_accuracy_then_the_lowest_cross_entropy() -> None:
    results = [
        CrossValidation(l2=0.03, cross_entropy=0.25, accuracy=0.90),
        CrossValidation(l2=0.1, cross_entropy=0.40, accuracy=0.92),
        CrossValidation(l2=0.3, cross_entropy=0.30, accuracy=0.92),
        CrossValidation(l2=1.0, cross_entropy=0.35, accuracy=0.91),
    ]
    assert best_l2(results) == 0.3


def test_too_few_examples_for_the_folds_is_a_clear_error() -> None:
    x, labels = clusters(rows_per_label=1)
    with pytest.raises(ValueError, match="at least 5 examples"):
        cross_validate(x, labels, folds=5)


def test_read_examples_rejects_an_unknown_label(tmp_path: Path) -> None:
    path = tmp_path / "examples.tsv"
    path.write_text("label\tlang\ttext\npositive\ten\tLovely.\ngreat\ten\tSuper.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad row 'great'"):
        read_examples(path)


def test_a_row_weighing_twice_counts_as_that_row_written_twice() -> None:
    x, labels = clusters(rows_per_label=6, spread=2.0)
    weighted = fit_logistic_head(x, labels, classes=LABELS, l2=0.1, sample_weights=[2.0] + [1.0] * (len(x) - 1))
    doubled = fit_logistic_head(np.vstack([x[:1], x]), [labels[0], *labels], classes=LABELS, l2=0.1)
    assert np.allclose(weighted.probabilities(x), doubled.probabilities(x), atol=1e-6)
    plain = fit_logistic_head(x, labels, classes=LABELS, l2=0.1)
    assert not np.allclose(weighted.probabilities(x), plain.probabilities(x), atol=1e-6)
    for bad in ([1.0] * (len(x) - 1), [-1.0] + [1.0] * (len(x) - 1), [0.0] * len(x)):
        with pytest.raises(ValueError, match="sample_weights"):
            fit_logistic_head(x, labels, classes=LABELS, sample_weights=bad)
