"""The widget file itself: small enough for any brand page, and no string replacement that expands `$` patterns."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import gallery

WIDGET = Path(gallery.__file__).parent / "static" / "gallery.js"
#: The gzipped budget docs/gallery.md and benchmarks/gallery.py promise.
BUDGET = 10_240


def test_widget_stays_under_its_gzipped_size_budget() -> None:
    assert len(gzip.compress(WIDGET.read_bytes(), 9)) <= BUDGET


def test_widget_never_passes_user_text_as_a_replacement_string() -> None:
    """``s.replace(pattern, text)`` expands "$&", "$`" and "$'" in ``text``; a handle may hold them."""
    code = re.sub(r"/\*.*?\*/", "", WIDGET.read_text(), flags=re.DOTALL)
    assert not re.search(r"\.replace(All)?\(\s*[^,]+,\s*(?!function)[A-Za-z_$]", code)
