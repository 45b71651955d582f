"""Pictures on ideas: checked with Pillow, re-encoded from their pixels (so no EXIF, GPS or other
metadata survives), then stored through the hub's storage.

Nothing is stored until every picture of a submission passed: a refused file never leaves half an idea.
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import IdeaImage
from ugc_hub.services.storage import Storage

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGES = 6
MAX_PIXELS = 40_000_000
#: Longest side after re-encoding: enough for a detail view, small enough for a phone.
MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class ImageRejected(ValueError):
    """``code``: too_large, not_an_image, unsupported, too_many_pixels, too_many."""

    def __init__(self, code: str, filename: str) -> None:
        super().__init__(f"{filename}: {code}")
        self.code = code
        self.filename = filename


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def clean_image(data: bytes, filename: str, *, max_bytes: int = MAX_IMAGE_BYTES, fmt: str = "JPEG") -> CleanImage:
    """Verify an upload and re-encode it as ``fmt`` (JPEG or WEBP) without any metadata."""
    if len(data) > max_bytes:
        raise ImageRejected("too_large", filename)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()  # structure check; a verified image must be reopened before use
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise ImageRejected("unsupported", filename)
                if image.width * image.height > MAX_PIXELS:
                    raise ImageRejected("too_many_pixels", filename)
                image.load()
                # Apply the EXIF orientation to the pixels before the EXIF itself is dropped.
                upright = ImageOps.exif_transpose(image) or image
                rgb = upright.convert("RGB")
        except ImageRejected:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError):
            raise ImageRejected("not_an_image", filename) from None
        except (SyntaxError, ValueError):  # Pillow's verify() reports some broken files this way
            raise ImageRejected("not_an_image", filename) from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image built from pixel data carries no info dict: no EXIF, XMP, ICC comments or GPS.
    bare = Image.new("RGB", rgb.size)
    bare.paste(rgb)
    out = io.BytesIO()
    bare.save(out, fmt, quality=85)
    return CleanImage(out.getvalue(), "image/webp" if fmt == "WEBP" else "image/jpeg", bare.width, bare.height)


def check_uploads(
    uploads: Sequence[tuple[str, bytes]], *, max_bytes: int = MAX_IMAGE_BYTES, already: int = 0
) -> list[CleanImage]:
    """Clean every (filename, bytes) upload, or refuse the lot with the first problem found."""
    uploads = [(name, data) for name, data in uploads if data]
    if already + len(uploads) > MAX_IMAGES:
        raise ImageRejected("too_many", "")
    return [clean_image(data, name, max_bytes=max_bytes) for name, data in uploads]


def store_images(session: DbSession, storage: Storage, *, idea_id: int, images: Sequence[CleanImage]) -> None:
    """Write cleaned images to storage and record them; the caller commits."""
    position = session.scalar(select(func.count()).select_from(IdeaImage).where(IdeaImage.idea_id == idea_id)) or 0
    for image in images:
        extension = "webp" if image.content_type == "image/webp" else "jpg"
        key = f"ideas/{idea_id}/{uuid.uuid4().hex}.{extension}"
        storage.put(key, image.data, image.content_type)
        session.add(
            IdeaImage(
                idea_id=idea_id,
                key=key,
                content_type=image.content_type,
                width=image.width,
                height=image.height,
                position=position,
            )
        )
        position += 1


def images_of(session: DbSession, idea_id: int) -> Sequence[IdeaImage]:
    return session.scalars(select(IdeaImage).where(IdeaImage.idea_id == idea_id).order_by(IdeaImage.position)).all()
