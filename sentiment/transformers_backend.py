"""Any Hugging Face sequence-classification model, from a model id or a local directory.

This module imports torch and transformers at import time; the registry imports it only when
SENTIMENT_BACKEND = "transformers", so the rest of the hub never pays for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from sentiment.batching import length_sorted_batches
from sentiment.config import SentimentConfig
from sentiment.errors import ModelNotAvailableError
from sentiment.labels import LabelTarget, resolve_label_map
from sentiment.scores import DEFAULT_MIN_CONFIDENCE, LABELS, SentimentScore, blank_score, decide
from sentiment.text import clean_text

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx", ".json", ".model", ".txt")
_NO_LIMIT = 100_000  # tokenizers without a limit report a huge model_max_length


class TransformersBackend:
    """Score texts with a sequence-classification model, in length-sorted batches under inference_mode."""

    def __init__(
        self,
        *,
        model: Any,
        tokenizer: Any,
        targets: Sequence[LabelTarget],
        name: str,
        version: str,
        batch_size: int = 32,
        max_length: int = 512,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        self._model = model
        self._tokenizer = tokenizer
        self._targets = tuple(targets)
        self._batch_size = batch_size
        self._max_length = max_length
        self._min_confidence = min_confidence
        self._pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
        self._pad_left = getattr(tokenizer, "padding_side", "right") == "left"
        self._input_names = set(getattr(tokenizer, "model_input_names", ["input_ids", "attention_mask"]))
        self.name = name
        self.version = version

    @property
    def max_length(self) -> int:
        """Tokens per text, special tokens included, after truncation."""
        return self._max_length

    def score(self, texts: Sequence[str]) -> list[SentimentScore]:
        """Tokenise once, run batches of similar length, and put each result back at its text's index."""
        results: list[SentimentScore] = [blank_score()] * len(texts)
        cleaned = [clean_text(text, max_chars=self._max_length * 16) for text in texts]
        todo = [i for i, text in enumerate(cleaned) if text]
        if not todo:
            return results
        encoded = self._tokenizer(
            [cleaned[i] for i in todo], truncation=True, max_length=self._max_length, padding=False
        )
        # Only what the model takes: some tokenizers also return e.g. token_type_ids it would reject.
        keys = [key for key in encoded if key in self._input_names]
        features = [{key: encoded[key][row] for key in keys} for row in range(len(todo))]
        lengths = [len(feature["input_ids"]) for feature in features]
        for batch in length_sorted_batches(lengths, self._batch_size):
            probabilities = self._forward([features[row] for row in batch])
            for row, probs in zip(batch, probabilities, strict=True):
                results[todo[row]] = self._to_score(probs)
        return results

    def _forward(self, features: list[dict[str, list[int]]]) -> list[list[float]]:
        """Pad one batch on the tokenizer's side, run the model, return softmax probabilities per row."""
        width = max(len(feature["input_ids"]) for feature in features)
        tensors = {}
        for key in features[0]:
            pad = self._pad_id if key == "input_ids" else 0
            rows = [
                [pad] * (width - len(f[key])) + f[key] if self._pad_left else f[key] + [pad] * (width - len(f[key]))
                for f in features
            ]
            tensors[key] = torch.tensor(rows, dtype=torch.long)
        with torch.inference_mode():
            logits = self._model(**tensors).logits
        probs: list[list[float]] = torch.softmax(logits.float(), dim=-1).tolist()
        return probs

    def _to_score(self, probs: Sequence[float]) -> SentimentScore:
        """Sum the model's outputs into our three labels; the polarity keeps finer targets (e.g. 4 vs 5 stars)."""
        merged: dict[str, float] = dict.fromkeys(LABELS, 0.0)
        polarity = 0.0
        for target, p in zip(self._targets, probs, strict=True):
            merged[target.label] += p
            polarity += target.polarity * p
        return decide(merged, polarity=polarity, min_confidence=self._min_confidence)


def load_transformers_backend(config: SentimentConfig) -> TransformersBackend:
    """Load tokenizer and model (from disk only unless SENTIMENT_ALLOW_DOWNLOAD), then wrap them."""
    source = config.model
    if not source:
        raise ModelNotAvailableError("SENTIMENT_MODEL is not set")
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    local_only = not config.allow_download
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
        model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=local_only)
    except OSError as error:
        raise ModelNotAvailableError(
            f"cannot load sentiment model {source!r} from local files ({error}). On a connected machine run "
            f"`hf download {source} --local-dir /path/to/model`, copy that directory to this "
            "server and set SENTIMENT_MODEL=/path/to/model "
            "(or set SENTIMENT_ALLOW_DOWNLOAD=1 where downloads are fine)."
        ) from error
    model.eval()
    directory = _model_directory(source)
    name = _model_name(source, directory)
    targets = resolve_label_map(
        model_ids=[source, name, str(getattr(model.config, "_name_or_path", ""))],
        id2label={int(k): str(v) for k, v in model.config.id2label.items()},
        override=config.label_map,
    )
    max_length = min(config.max_length, _model_limit(tokenizer, model))
    return TransformersBackend(
        model=model,
        tokenizer=tokenizer,
        targets=targets,
        name=name,
        version=f"{name}@{_weights_digest(directory, targets, config.min_confidence)}",
        batch_size=config.batch_size,
        max_length=max_length,
        min_confidence=config.min_confidence,
    )


def _model_limit(tokenizer: Any, model: Any) -> int:
    """Return the longest input the model accepts, from the tokenizer or else the position embeddings."""
    limit = int(getattr(tokenizer, "model_max_length", _NO_LIMIT) or _NO_LIMIT)
    if limit >= _NO_LIMIT:
        # RoBERTa-style models reserve two positions for the padding offset; staying 2 below is safe for all.
        positions = getattr(model.config, "max_position_embeddings", None)
        limit = int(positions) - 2 if positions else 512
    return limit


def _model_directory(source: str) -> Path | None:
    """Return the directory the weights came from: the given folder, or the hub cache snapshot."""
    path = Path(source)
    if path.is_dir():
        return path
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(source, "config.json")
    except (ImportError, ValueError):
        return None
    return Path(cached).parent if isinstance(cached, str) else None


def _model_name(source: str, directory: Path | None) -> str:
    """Return a stable name: the hub id, also for a hub-cache snapshot, else the folder's name."""
    if directory is None or not Path(source).is_dir():
        return source
    parts = directory.resolve().parts
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        return parts[-3].removeprefix("models--").replace("--", "/")
    return directory.resolve().name


def _weights_digest(directory: Path | None, targets: Sequence[LabelTarget], min_confidence: float) -> str:
    """Hash what identifies the weights (hub commit, or config plus weight file names and sizes) and the labels."""
    digest = hashlib.sha256()
    if directory is not None:
        parts = directory.resolve().parts
        if len(parts) >= 2 and parts[-2] == "snapshots":
            digest.update(parts[-1].encode())  # the hub commit names the exact files
        else:
            config_file = directory / "config.json"
            if config_file.is_file():
                digest.update(config_file.read_bytes())
            for file in sorted(directory.iterdir()):
                if file.is_file() and file.suffix in _WEIGHT_SUFFIXES:
                    digest.update(f"{file.name}:{file.stat().st_size}\n".encode())
    # Labels depend on the map and the neutral threshold as much as on the weights.
    digest.update(json.dumps([[t.label, t.polarity] for t in targets]).encode())
    digest.update(f"{min_confidence:g}".encode())
    return digest.hexdigest()[:12]
