"""Map a classifier's own labels (ids, names, star ratings) onto negative / neutral / positive."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sentiment.errors import LabelMapError
from sentiment.scores import LABELS, Label

_POLARITY: dict[Label, float] = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


@dataclass(frozen=True)
class LabelTarget:
    """Where one model output goes: our label, and its weight in the [-1, 1] polarity score."""

    label: Label
    polarity: float


def _targets(*pairs: tuple[Label, float]) -> tuple[LabelTarget, ...]:
    """Build a preset from (label, polarity) pairs, one per model output index."""
    return tuple(LabelTarget(label, polarity) for label, polarity in pairs)


# Presets are per output index (not per label name), so they also hold for a copy whose
# config.json renamed the labels to LABEL_0, LABEL_1, ...
PRESETS: dict[str, tuple[LabelTarget, ...]] = {
    "negative-neutral-positive": _targets(("negative", -1.0), ("neutral", 0.0), ("positive", 1.0)),
    "negative-positive": _targets(("negative", -1.0), ("positive", 1.0)),
    # 1-2 stars negative, 3 neutral, 4-5 positive; the polarity keeps the nuance between 4 and 5 stars.
    "stars-1-5": _targets(
        ("negative", -1.0), ("negative", -0.5), ("neutral", 0.0), ("positive", 0.5), ("positive", 1.0)
    ),
}

MODEL_PRESETS: dict[str, str] = {
    "cardiffnlp/twitter-xlm-roberta-base-sentiment": "negative-neutral-positive",
    "cardiffnlp/twitter-xlm-roberta-base-sentiment-multilingual": "negative-neutral-positive",
    "nlptown/bert-base-multilingual-uncased-sentiment": "stars-1-5",
}

_STARS = re.compile(r"^\s*([1-5])\s*stars?\s*$")


def resolve_label_map(
    *,
    model_ids: Sequence[str],
    id2label: Mapping[int, str],
    override: str | Mapping[str, str] | None = None,
) -> tuple[LabelTarget, ...]:
    """Return one target per model output index: the override, else a preset for the model, else id2label names."""
    count = len(id2label)
    if isinstance(override, str):
        targets = _preset(override)
    elif override is not None:
        targets = _from_override(override, id2label)
    else:
        preset = next((MODEL_PRESETS[m] for m in model_ids if m in MODEL_PRESETS), None)
        targets = _preset(preset) if preset else _from_names(id2label)
    if len(targets) != count:
        raise LabelMapError(f"the label map has {len(targets)} entries but the model has {count} outputs: {id2label}")
    return targets


def _preset(name: str) -> tuple[LabelTarget, ...]:
    """Look a preset up by its name or by a model id that has one."""
    key = MODEL_PRESETS.get(name, name)
    if key not in PRESETS:
        raise LabelMapError(f"unknown SENTIMENT_LABEL_MAP preset {name!r}; known presets: {sorted(PRESETS)}")
    return PRESETS[key]


def _from_override(override: Mapping[str, str], id2label: Mapping[int, str]) -> tuple[LabelTarget, ...]:
    """Apply an explicit mapping whose keys are model label names or output indices."""
    targets = []
    for index in sorted(id2label):
        name = id2label[index]
        value = override.get(name, override.get(str(index)))
        if value is None:
            raise LabelMapError(f"SENTIMENT_LABEL_MAP has no entry for model label {name!r} (index {index})")
        label = next((known for known in LABELS if known == str(value).strip().lower()), None)
        if label is None:
            raise LabelMapError(f"SENTIMENT_LABEL_MAP maps {name!r} to {value!r}; use one of {LABELS}")
        targets.append(LabelTarget(label, _POLARITY[label]))
    return tuple(targets)


def _from_names(id2label: Mapping[int, str]) -> tuple[LabelTarget, ...]:
    """Guess targets from label names such as "negative", "NEU", "4 stars"; refuse to guess from LABEL_0."""
    targets = []
    for index in sorted(id2label):
        name = id2label[index].lower()
        stars = _STARS.match(name)
        if stars:
            count = int(stars.group(1))
            label: Label = "negative" if count <= 2 else "neutral" if count == 3 else "positive"
            targets.append(LabelTarget(label, (count - 3) / 2))
        elif name.startswith("neg"):
            targets.append(LabelTarget("negative", -1.0))
        elif name.startswith("neu"):
            targets.append(LabelTarget("neutral", 0.0))
        elif name.startswith("pos"):
            targets.append(LabelTarget("positive", 1.0))
        else:
            raise LabelMapError(
                f"cannot tell what model label {id2label[index]!r} means (labels: {dict(id2label)}); "
                "set SENTIMENT_LABEL_MAP to a preset name or a mapping such as "
                '{"LABEL_0": "negative", "LABEL_1": "positive"}'
            )
    return tuple(targets)
