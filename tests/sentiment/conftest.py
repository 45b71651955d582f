"""Fixtures of the sentiment tests: tiny models saved to disk and loaded through the production code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.sentiment.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A negative/neutral/positive tiny model folder, built once per session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-3way"), ["negative", "neutral", "positive"])


@pytest.fixture(scope="session")
def tiny_stars_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model whose labels are "1 star" ... "5 stars", like nlptown's."""
    labels = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    return build_tiny_model(tmp_path_factory.mktemp("tiny-stars"), labels)


@pytest.fixture()
def tiny_config(tiny_model_dir: Path) -> dict[str, Any]:
    """Configuration that selects the tiny model through the transformers backend."""
    return {"SENTIMENT_BACKEND": "transformers", "SENTIMENT_MODEL": str(tiny_model_dir), "SENTIMENT_BATCH_SIZE": 2}
