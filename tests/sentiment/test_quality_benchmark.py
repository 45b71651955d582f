"""benchmarks/sentiment_quality.py: metrics by hand, and one line per file on a tiny model."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "sentiment_quality.py"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """The script loaded as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("sentiment_quality", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve annotations through sys.modules while the module executes
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_neutral_predictions_count_as_misses(bench: ModuleType) -> None:
    gold = ["positive", "positive", "negative", "negative"]
    perfect = bench.quality(gold, gold)
    assert (perfect.accuracy, perfect.macro_f1, perfect.neutral_share) == (1.0, 1.0, 0.0)
    hedged = bench.quality(gold, ["positive", "neutral", "negative", "negative"])
    assert hedged.accuracy == 0.75
    assert hedged.neutral_share == 0.25
    # positive: precision 1, recall 1/2 -> F1 2/3; negative: F1 1
    assert hedged.macro_f1 == pytest.approx((2 / 3 + 1) / 2)


def test_prints_one_line_per_file(
    bench: ModuleType, tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "en_small.tsv").write_text("1\tgreat product i love it\n0\tterrible service\n", encoding="utf-8")
    (tmp_path / "fr_small.tsv").write_text("1\tsuper produit\n\n0\tc'est nul\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a data file", encoding="utf-8")
    assert bench.main(["--data", str(tmp_path), "--backend", "transformers", "--model", str(tiny_model_dir)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert [line.split("\t")[0] for line in lines] == ["en_small.tsv", "fr_small.tsv"]
    assert all("accuracy=" in line and "macro_f1=" in line and "rows=2" in line for line in lines)


def test_rejects_a_malformed_file(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "bad.tsv").write_text("positive\tgood\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:1"):
        bench.read_tsv(tmp_path / "bad.tsv")
