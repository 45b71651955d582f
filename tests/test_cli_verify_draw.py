"""`ugc-hub verify-draw` recomputes published draws and refuses tampered ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent.parent / "contests" / "test_vectors"


def test_verify_draw_accepts_valid_and_refuses_tampered_certificates(runner: Any) -> None:
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    assert manifest
    ok = runner.invoke(args=["verify-draw", str(VECTORS / "valid-simple.json")])
    assert ok.exit_code == 0, ok.output
    assert "OK: the certificate verifies" in ok.output
    for name in ("tampered-seed.json", "tampered-entry-changed.json", "tampered-winners-order.json"):
        bad = runner.invoke(args=["verify-draw", str(VECTORS / name)])
        assert bad.exit_code == 1, (name, bad.output)
        assert "FAIL [" in bad.output
