"""Every string the code marks for translation has a French translation in the shipped catalogue.

Extraction uses the same keywords as ``scripts/translations``: lazy strings (``_l``) declared at import
time (form labels, choices, service errors) were once missed by pybabel's default keywords and showed
in English to French-speaking staff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "ugc_hub/translations/fr/LC_MESSAGES/messages.po"


def _extract(target: Path) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2",
         "-k", "N_", "-o", str(target), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip


def _translated(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, str):
        return bool(string)
    return bool(string) and all(string)


def test_every_marked_string_has_a_french_translation(tmp_path: Path) -> None:
    _extract(tmp_path / "messages.pot")
    with (tmp_path / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with CATALOGUE.open("rb") as handle:
        french = read_po(handle, locale="fr")
    assert len(template) > 500, "extraction found too few strings: is babel.cfg still covering the code?"
    missing = [message.id for message in template if message.id and not (
        (entry := french.get(message.id)) is not None and _translated(entry.string) and not entry.fuzzy
    )]  # fmt: skip
    assert missing == [], (
        f"{len(missing)} strings have no French translation (run scripts/translations): {missing[:15]}"
    )


def test_placeholders_survive_translation() -> None:
    with CATALOGUE.open("rb") as handle:
        french = read_po(handle, locale="fr")
    errors = [(message.id, error) for message, errors in french.check() for error in errors]  # type: ignore[misc]
    assert errors == []
