"""A multinomial logistic-regression head over sentence embeddings, fitted and applied with numpy only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FORMAT_VERSION = 1


@dataclass(frozen=True)
class LogisticHead:
    """Class probabilities = softmax(x @ weights + bias), with metadata on how the head was made."""

    classes: tuple[str, ...]
    weights: NDArray[np.float64]  # (dim, classes)
    bias: NDArray[np.float64]  # (classes,)
    metadata: dict[str, Any]

    def probabilities(self, embeddings: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
        """Return one row of class probabilities per embedding row."""
        logits = np.asarray(embeddings, dtype=np.float64) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probs: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return probs

    def save(self, path: Path) -> None:
        """Write the head as small, diff-friendly JSON (8 significant digits are plenty)."""
        header = {
            "format": FORMAT_VERSION,
            "classes": list(self.classes),
            "metadata": self.metadata,
            "bias": [float(f"{v:.8g}") for v in self.bias],
        }
        # One weight row per line: a refit then shows up as a readable diff.
        rows = ",\n  ".join(json.dumps([float(f"{v:.8g}") for v in row]) for row in self.weights)
        text = json.dumps(header, indent=1, ensure_ascii=False)[:-2] + f',\n "weights": [\n  {rows}\n ]\n}}\n'
        path.write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LogisticHead:
        """Read a head written by ``save``."""
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported head format {payload.get('format')!r}")
        weights = np.asarray(payload["weights"], dtype=np.float64)
        bias = np.asarray(payload["bias"], dtype=np.float64)
        classes = tuple(payload["classes"])
        if weights.shape != (weights.shape[0], len(classes)) or bias.shape != (len(classes),):
            raise ValueError(f"{path}: weights {weights.shape} and bias {bias.shape} do not match {classes}")
        return cls(classes=classes, weights=weights, bias=bias, metadata=dict(payload.get("metadata", {})))


def fit_logistic_head(
    embeddings: NDArray[np.floating[Any]],
    labels: Sequence[str],
    *,
    classes: Sequence[str],
    l2: float = 1.0,
    iterations: int = 2000,
    metadata: dict[str, Any] | None = None,
    sample_weights: Sequence[float] | None = None,
) -> LogisticHead:
    """Fit an L2-regularised softmax regression by accelerated gradient descent on standardised features.

    ``sample_weights`` (relative, e.g. to balance classes) weigh each row's loss; by default all rows weigh alike.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    index = {name: i for i, name in enumerate(classes)}
    y = np.eye(len(classes))[[index[label] for label in labels]]
    n = len(x)
    share = np.full(n, 1.0 / n) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    if share.shape != (n,) or (share < 0).any() or share.sum() <= 0:
        raise ValueError("sample_weights must be one non-negative weight per row, not all zero")
    share = share / share.sum()
    # Standardising makes the problem well conditioned (E5 embeddings share a large common
    # component), and the penalty then weighs every feature alike.
    mean = share @ x
    std = np.sqrt(share @ (x - mean) ** 2) + 1e-6
    z = (x - mean) / std
    dim = z.shape[1]
    # Softmax cross-entropy has a gradient Lipschitz constant of at most 0.5 * lambda_max(Z' diag(share) Z).
    step = 1.0 / (0.5 * float(np.linalg.eigvalsh(z.T @ (z * share[:, None]))[-1]) + l2)
    w = np.zeros((dim, len(classes)))
    b = np.zeros(len(classes))
    w_prev, b_prev = w, b
    for t in range(1, iterations + 1):
        momentum = (t - 1) / (t + 2)
        w_look = w + momentum * (w - w_prev)
        b_look = b + momentum * (b - b_prev)
        logits = z @ w_look + b_look
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        grad = (probs - y) * share[:, None]
        w_prev, b_prev = w, b
        w = w_look - step * (z.T @ grad + l2 * w_look)
        b = b_look - step * grad.sum(axis=0)
    # Fold the standardisation into the weights so inference is a single affine map.
    weights = w / std[:, None]
    bias = b - mean @ weights
    return LogisticHead(classes=tuple(classes), weights=weights, bias=bias, metadata=dict(metadata or {}))


def cross_entropy(head: LogisticHead, embeddings: NDArray[np.floating[Any]], labels: Sequence[str]) -> float:
    """Return the mean negative log-likelihood of ``labels`` under ``head``."""
    probs = head.probabilities(embeddings)
    index = {name: i for i, name in enumerate(head.classes)}
    picked = probs[np.arange(len(labels)), [index[label] for label in labels]]
    return float(-np.log(np.clip(picked, 1e-12, None)).mean())
