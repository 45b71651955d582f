"""The transformers backend, on tiny random models loaded through the production loading code."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import pytest

from sentiment import LABELS, ModelNotAvailableError, SentimentBackend, SentimentScore, load_backend
from sentiment.transformers_backend import TransformersBackend

TEXTS = [
    "great product i love it",
    "terrible service never again, the parcel arrived late and the box was crushed",
    "c'est nul",
    "le colis est arrivé mardi et le produit est super, je recommande à tout le monde",
    "ok",
]


def test_tiny_model_loads_fast_and_meets_the_contract(tiny_config: dict[str, Any]) -> None:
    backend = load_backend(tiny_config)
    assert isinstance(backend, SentimentBackend)
    assert backend.name == Path(tiny_config["SENTIMENT_MODEL"]).name
    assert backend.version.startswith(backend.name + "@")
    scores = backend.score(TEXTS)
    assert len(scores) == len(TEXTS)
    for score in scores:
        assert score.label in LABELS
        assert -1.0 <= score.score <= 1.0
        assert sum(score.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert backend.score([]) == []


def _log_probs(score: SentimentScore) -> list[float]:
    return [math.log(max(score.probabilities[label], 1e-30)) for label in LABELS]


def test_length_sorted_batches_give_each_text_its_own_result(tiny_config: dict[str, Any]) -> None:
    backend = load_backend(tiny_config)  # batch size 2, so the texts are split and reordered
    alone = [_log_probs(backend.score([text])[0]) for text in TEXTS]
    # the check below only means something if the texts get clearly different outputs
    for i, j in itertools.combinations(range(len(TEXTS)), 2):
        assert max(abs(a - b) for a, b in zip(alone[i], alone[j], strict=True)) > 0.1
    for texts, expected in ((TEXTS, alone), (TEXTS[::-1], alone[::-1])):
        got = [_log_probs(score) for score in backend.score(texts)]
        for row, want in zip(got, expected, strict=True):
            assert row == pytest.approx(want, abs=1e-3)


def test_a_100_kb_text_is_truncated(tiny_config: dict[str, Any]) -> None:
    backend = load_backend({**tiny_config, "SENTIMENT_MAX_LENGTH": 1000})
    assert isinstance(backend, TransformersBackend)
    assert backend.max_length == 64  # capped by the model's own limit
    huge = "great product i love it " * 4200
    assert len(huge) > 100_000
    scores = backend.score([huge, "ok", "great product i love it " * 30])
    assert scores[0].label in LABELS
    # Only the first 64 tokens are read: the 100 kB text scores exactly like a 150-word prefix of it.
    assert scores[0].probabilities == pytest.approx(scores[2].probabilities, abs=1e-5)


def test_empty_whitespace_and_markup_only_texts_are_neutral(tiny_config: dict[str, Any]) -> None:
    backend = load_backend(tiny_config)
    scores = backend.score(["", "   \n", "<p></p>", "great product"])
    assert [s.label for s in scores[:3]] == ["neutral"] * 3
    assert all(s.score == 0.0 for s in scores[:3])
    assert scores[3].probabilities["neutral"] < 1.0
    assert [s.label for s in backend.score(["", ""])] == ["neutral", "neutral"]


def test_emoji_and_html_texts_are_scored(tiny_config: dict[str, Any]) -> None:
    backend = load_backend(tiny_config)
    html = "<p>Super <b>produit</b> &amp; livraison rapide&nbsp;!</p>"
    scores = backend.score(["😍😍😍", "🤬", html, "👍 great"])
    assert len(scores) == 4
    # markup must not change what the model reads
    plain = backend.score(["Super produit & livraison rapide !"])[0]
    assert _log_probs(scores[2]) == pytest.approx(_log_probs(plain), abs=1e-3)


def test_star_model_gets_the_stars_label_map(tiny_stars_dir: Path) -> None:
    backend = load_backend({"SENTIMENT_BACKEND": "transformers", "SENTIMENT_MODEL": str(tiny_stars_dir)})
    score = backend.score(["super produit"])[0]
    assert set(score.probabilities) == set(LABELS)
    assert sum(score.probabilities.values()) == pytest.approx(1.0, abs=1e-5)


def test_label_map_override_changes_the_version(tiny_config: dict[str, Any]) -> None:
    plain = load_backend(tiny_config)
    flipped = load_backend(
        {**tiny_config, "SENTIMENT_LABEL_MAP": {"negative": "positive", "neutral": "neutral", "positive": "negative"}}
    )
    assert plain.version == load_backend(tiny_config).version
    assert flipped.version != plain.version
    a, b = plain.score(["great product"])[0], flipped.score(["great product"])[0]
    assert a.probabilities["positive"] == pytest.approx(b.probabilities["negative"])


def test_torch_threads_come_from_config(tiny_config: dict[str, Any]) -> None:
    import torch

    before = torch.get_num_threads()
    try:
        load_backend({**tiny_config, "SENTIMENT_TORCH_THREADS": 1})
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_missing_model_is_a_clear_error_without_download(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="hf download"):
        load_backend({"SENTIMENT_BACKEND": "transformers", "SENTIMENT_MODEL": str(tmp_path / "absent")})
    with pytest.raises(ModelNotAvailableError, match="SENTIMENT_MODEL=/path/to/model"):
        load_backend({"SENTIMENT_BACKEND": "transformers", "SENTIMENT_MODEL": "ugc-hub-tests/no-such-model"})
