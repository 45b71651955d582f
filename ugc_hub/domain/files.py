"""Which stored files the hub will serve as what: the type comes from the bytes, never from a name.

A file's name and a browser's guess are both attacker-controlled: ``contract.html`` uploaded as a
"proof" would run on the hub's own origin. Only these few formats are recognised, by their magic
bytes; anything else is an opaque download.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    mimetype: str
    extension: str
    image: bool


JPEG = FileKind("image/jpeg", "jpg", image=True)
PNG = FileKind("image/png", "png", image=True)
GIF = FileKind("image/gif", "gif", image=True)
WEBP = FileKind("image/webp", "webp", image=True)
PDF = FileKind("application/pdf", "pdf", image=False)
#: What a file of no recognised kind is served as: bytes to save, never to render.
OPAQUE = FileKind("application/octet-stream", "bin", image=False)


def sniff(data: bytes) -> FileKind | None:
    """The kind the bytes are, among the allowed ones, or ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None
