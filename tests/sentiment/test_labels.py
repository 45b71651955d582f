"""Label maps: presets for known models, names from id2label, explicit overrides."""

from __future__ import annotations

import pytest

from sentiment.errors import LabelMapError
from sentiment.labels import LabelTarget, resolve_label_map

STARS = {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}


def _labels(targets: tuple[LabelTarget, ...]) -> list[str]:
    return [t.label for t in targets]


def test_cardiffnlp_preset_is_negative_neutral_positive_even_with_generic_names() -> None:
    targets = resolve_label_map(
        model_ids=["cardiffnlp/twitter-xlm-roberta-base-sentiment"],
        id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
    )
    assert _labels(targets) == ["negative", "neutral", "positive"]
    assert [t.polarity for t in targets] == [-1.0, 0.0, 1.0]


def test_nlptown_preset_maps_one_to_five_stars() -> None:
    targets = resolve_label_map(model_ids=["nlptown/bert-base-multilingual-uncased-sentiment"], id2label=STARS)
    assert _labels(targets) == ["negative", "negative", "neutral", "positive", "positive"]
    assert [t.polarity for t in targets] == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_star_names_are_understood_without_a_preset() -> None:
    targets = resolve_label_map(model_ids=["/srv/models/reviews"], id2label=STARS)
    assert _labels(targets) == ["negative", "negative", "neutral", "positive", "positive"]


def test_names_from_id2label() -> None:
    targets = resolve_label_map(model_ids=["x"], id2label={0: "NEG", 1: "NEU", 2: "POS"})
    assert _labels(targets) == ["negative", "neutral", "positive"]


def test_generic_names_without_override_are_refused_clearly() -> None:
    with pytest.raises(LabelMapError, match="SENTIMENT_LABEL_MAP"):
        resolve_label_map(model_ids=["x"], id2label={0: "LABEL_0", 1: "LABEL_1"})


def test_override_by_name_or_index_wins_over_preset() -> None:
    by_name = resolve_label_map(
        model_ids=["cardiffnlp/twitter-xlm-roberta-base-sentiment"],
        id2label={0: "LABEL_0", 1: "LABEL_1"},
        override={"LABEL_0": "positive", "LABEL_1": "Negative"},
    )
    assert _labels(by_name) == ["positive", "negative"]
    by_index = resolve_label_map(
        model_ids=["x"], id2label={0: "a", 1: "b"}, override={"0": "negative", "1": "positive"}
    )
    assert _labels(by_index) == ["negative", "positive"]


def test_override_with_a_preset_name_or_model_id() -> None:
    two = resolve_label_map(model_ids=["x"], id2label={0: "LABEL_0", 1: "LABEL_1"}, override="negative-positive")
    assert _labels(two) == ["negative", "positive"]
    stars = resolve_label_map(
        model_ids=["x"], id2label=STARS, override="nlptown/bert-base-multilingual-uncased-sentiment"
    )
    assert len(stars) == 5


@pytest.mark.parametrize(
    "override",
    ["no-such-preset", {"LABEL_0": "negative"}, {"LABEL_0": "bad", "LABEL_1": "positive"}],
)
def test_bad_overrides_are_refused(override: object) -> None:
    with pytest.raises(LabelMapError):
        resolve_label_map(model_ids=["x"], id2label={0: "LABEL_0", 1: "LABEL_1"}, override=override)  # type: ignore[arg-type]


def test_preset_size_must_match_the_model() -> None:
    with pytest.raises(LabelMapError, match="outputs"):
        resolve_label_map(model_ids=["nlptown/bert-base-multilingual-uncased-sentiment"], id2label={0: "a", 1: "b"})
