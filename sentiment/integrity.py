"""Check model files against pinned sha256 digests before any of their bytes are loaded."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from sentiment.errors import ModelIntegrityError

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_files(directory: Path, expected: Mapping[str, str]) -> dict[str, Path]:
    """Check each ``name -> sha256`` under ``directory``; return the verified paths or raise ModelIntegrityError."""
    verified: dict[str, Path] = {}
    for name, want in expected.items():
        path = directory / name
        if not path.is_file():
            raise ModelIntegrityError(f"model file {path} is missing; reinstall the pinned package")
        got = sha256_file(path)
        if got != want:
            raise ModelIntegrityError(
                f"sha256 mismatch for model file {path}: expected {want}, got {got}. "
                "The file is corrupt or not the pinned version; reinstall the pinned package "
                "(pip install --force-reinstall) and do not load this file."
            )
        verified[name] = path
    return verified
