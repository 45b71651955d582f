"""Serve bytes from storage so that nothing in them can run on the hub's origin.

Every route that answers with a stored file goes through ``stored_file``: the type is the one the
bytes are (``ugc_hub.domain.files``), anything that is not an image is an attachment, browsers may
not sniff another type, and a sandboxing CSP keeps a document opened directly from reaching the
hub's cookies, scripts or forms.
"""

from __future__ import annotations

from flask import Response

from ugc_hub.domain.files import OPAQUE, sniff

STORED_FILE_POLICY = "default-src 'none'; sandbox"


def stored_file(data: bytes, *, cache_control: str, name: str = "file") -> Response:
    """A response carrying ``data``; ``name`` (no extension) names the download."""
    kind = sniff(data) or OPAQUE
    response = Response(data, mimetype=kind.mimetype)
    if not kind.image:
        response.headers["Content-Disposition"] = f"attachment; filename={name}.{kind.extension}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = STORED_FILE_POLICY
    response.headers["Cache-Control"] = cache_control
    return response
