"""Measure a sentiment backend on labelled TSV files: one line per file with accuracy and macro-F1.

    python benchmarks/sentiment_quality.py --data ../shared/benchmarks/sentiment
    python benchmarks/sentiment_quality.py --data DIR --backend transformers --model /srv/models/xlm-r-sentiment

Each ``*.tsv`` holds ``label<TAB>text`` lines, label 1 = positive and 0 = negative, no header.

How a neutral prediction counts against these binary gold labels: as an error. It is never a
correct answer, so it lowers accuracy and the recall of the gold class; it does not lower the
precision of either class (it predicted neither). Macro-F1 is the mean of the F1 of the two gold
classes, negative and positive. The ``neutral`` column says how often that happened, and the
``forced_*`` columns show the same texts decided by the sign of the polarity score alone (no
neutral), which is comparable with binary classifiers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Run as a script from a checkout: make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentiment import load_backend

GOLD = {"0": "negative", "1": "positive"}


@dataclass(frozen=True)
class Quality:
    """Metrics of one file."""

    rows: int
    accuracy: float
    macro_f1: float
    neutral_share: float


def read_tsv(path: Path) -> tuple[list[str], list[str]]:
    """Return (gold labels, texts) of a ``label<TAB>text`` file."""
    gold, texts = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        if not sep or label not in GOLD:
            raise ValueError(f"{path}:{number}: expected '0|1<TAB>text'")
        gold.append(GOLD[label])
        texts.append(text)
    return gold, texts


def quality(gold: Sequence[str], predicted: Sequence[str]) -> Quality:
    """Accuracy and macro-F1 over the gold classes; a neutral prediction is a miss (see the module doc)."""
    if len(gold) != len(predicted) or not gold:
        raise ValueError("gold and predicted must be non-empty and of the same length")
    f1s = []
    for cls in ("negative", "positive"):
        hits = sum(g == cls and p == cls for g, p in zip(gold, predicted, strict=True))
        predicted_as = sum(p == cls for p in predicted)
        actual = sum(g == cls for g in gold)
        precision = hits / predicted_as if predicted_as else 0.0
        recall = hits / actual if actual else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    neutral = sum(p == "neutral" for p in predicted)
    return Quality(len(gold), correct / len(gold), sum(f1s) / len(f1s), neutral / len(gold))


def main(argv: list[str] | None = None) -> int:
    """Score every *.tsv in --data with the configured backend and print one line per file."""
    parser = argparse.ArgumentParser(description="Accuracy and macro-F1 of a sentiment backend on *.tsv files.")
    parser.add_argument("--data", type=Path, required=True, help="folder of label<TAB>text .tsv files")
    parser.add_argument("--backend", default="default", help="SENTIMENT_BACKEND: default | transformers")
    parser.add_argument("--model", default=None, help="SENTIMENT_MODEL: model id or local directory")
    parser.add_argument("--label-map", default=None, help="SENTIMENT_LABEL_MAP preset name")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="SENTIMENT_TORCH_THREADS")
    parser.add_argument("--min-confidence", type=float, default=None, help="SENTIMENT_MIN_CONFIDENCE")
    args = parser.parse_args(argv)

    files = sorted(args.data.glob("*.tsv"))
    if not files:
        parser.error(f"no *.tsv file in {args.data}")
    config: dict[str, object] = {
        "SENTIMENT_BACKEND": args.backend,
        "SENTIMENT_MODEL": args.model,
        "SENTIMENT_LABEL_MAP": args.label_map,
        "SENTIMENT_BATCH_SIZE": args.batch_size,
        "SENTIMENT_TORCH_THREADS": args.threads,
    }
    if args.min_confidence is not None:
        config["SENTIMENT_MIN_CONFIDENCE"] = args.min_confidence
    started = time.perf_counter()
    backend = load_backend(config)
    print(f"# backend {backend.name} {backend.version} loaded in {time.perf_counter() - started:.2f}s")
    for path in files:
        gold, texts = read_tsv(path)
        started = time.perf_counter()
        scores = backend.score(texts)
        elapsed = time.perf_counter() - started
        strict = quality(gold, [s.label for s in scores])
        forced = quality(gold, ["positive" if s.score >= 0 else "negative" for s in scores])
        print(
            f"{path.name}\trows={strict.rows}\taccuracy={strict.accuracy:.3f}\tmacro_f1={strict.macro_f1:.3f}"
            f"\tneutral={strict.neutral_share:.1%}\tforced_accuracy={forced.accuracy:.3f}"
            f"\tforced_macro_f1={forced.macro_f1:.3f}\ttexts_per_s={len(texts) / elapsed:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
