"""Plain rules of galleries: colours and their contrast, labels, alt text, slugs. No Flask, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Font stacks a gallery may use: system fonts only, so the widget never fetches a font from anywhere.
FONTS = {
    "system": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "serif": "Georgia, 'Times New Roman', serif",
    "mono": "ui-monospace, Menlo, Consolas, monospace",
    "rounded": "ui-rounded, 'SF Pro Rounded', system-ui, sans-serif",
}
#: Defaults pass WCAG 2.1 AA (see tests/gallery/test_rules.py for the ratios).
DEFAULT_THEME = {"background": "#ffffff", "text": "#1a1a1a", "accent": "#0b5cad", "font": "system"}
AA_NORMAL_TEXT = 4.5
WIDTHS = (320, 640, 1080)
MAX_ITEMS = 60
LABELS = {
    "en": {
        "gallery": "Customer photos",
        "open": "Open photo by {credit}",
        "close": "Close",
        "previous": "Previous",
        "next": "Next",
        "original": "View original post",
        "empty": "No photos yet.",
    },
    "fr": {
        "gallery": "Photos de clients",
        "open": "Ouvrir la photo de {credit}",
        "close": "Fermer",
        "previous": "Précédente",
        "next": "Suivante",
        "original": "Voir la publication d'origine",
        "empty": "Pas encore de photos.",
    },
}


class GalleryRuleError(ValueError):
    """A gallery setting that cannot be accepted; the message says why, ``code`` lets the UI translate it."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of a ``#rrggbb`` colour (WCAG 2.1)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, from 1 to 21."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Theme:
    background: str
    text: str
    accent: str
    font: str

    def as_dict(self) -> dict[str, str]:
        return {"background": self.background, "text": self.text, "accent": self.accent, "font": self.font}

    def css(self) -> dict[str, str]:
        """The values the widget and the embed page put in CSS custom properties."""
        return {"bg": self.background, "fg": self.text, "accent": self.accent, "font": FONTS[self.font]}


def check_theme(values: dict[str, Any]) -> Theme:
    """Accept colours and a font only if text and credits stay readable (AA contrast for normal text)."""
    merged = {**DEFAULT_THEME, **{k: v for k, v in values.items() if v}}
    for key in ("background", "text", "accent"):
        if not HEX_COLOUR.match(str(merged[key])):
            raise GalleryRuleError(f"{key} must be a colour like #1a2b3c", "colour")
    if merged["font"] not in FONTS:
        raise GalleryRuleError(f"font must be one of {', '.join(FONTS)}", "font")
    theme = Theme(*(str(merged[k]).lower() if k != "font" else str(merged[k]) for k in DEFAULT_THEME))
    if contrast(theme.text, theme.background) < AA_NORMAL_TEXT:
        raise GalleryRuleError(
            "text and background colours need a contrast of at least 4.5:1 (WCAG AA)", "text_contrast"
        )
    # Links are accent on background and buttons background on accent: one ratio covers both.
    if contrast(theme.accent, theme.background) < AA_NORMAL_TEXT:
        raise GalleryRuleError(
            "the accent colour (links, buttons) needs a contrast of at least 4.5:1 with the background (WCAG AA)",
            "accent_contrast",
        )
    return theme


#: Paths of the public blueprint that a gallery's page (/g/<slug>) must not shadow.
RESERVED_SLUGS = frozenset({"oembed", "media", "static"})


def theme_css_text(css: dict[str, str]) -> str:
    """A theme's values as CSS custom properties, for pages whose CSP forbids inline styles.

    The values were checked (hex colours, a font stack from ``FONTS``), so nothing here can close the rule.
    """
    return ":root{" + "".join(f"--ugc-{k}:{v};" for k, v in sorted(css.items())) + "}\n"


def check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise GalleryRuleError(
            "slug: 1 to 64 lower-case letters, digits and dashes, not starting or ending with -", "slug"
        )
    if slug in RESERVED_SLUGS:
        raise GalleryRuleError(f"slug: {slug} is reserved", "slug_reserved")
    return slug


def labels_for(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


_TAGS_AND_LINKS = re.compile(r"(?:https?://\S+)|(?:[#@][\w.]+)")
_SPACES = re.compile(r"\s+")


def alt_text(*, accessibility_caption: str | None, media_alt: str | None, caption: str, credit: str) -> str:
    """The platform's accessibility caption when it has one, else the media's alt, else one from the caption."""
    for given in (accessibility_caption, media_alt):
        if given and given.strip():
            return _SPACES.sub(" ", given).strip()[:300]
    words = _SPACES.sub(" ", _TAGS_AND_LINKS.sub(" ", caption)).strip()
    if len(words) > 120:
        words = words[:119].rsplit(" ", 1)[0] + "…"
    return f"Photo by {credit}: {words}" if words else f"Photo by {credit}"


def likes_of(metrics: dict[str, Any] | None) -> int:
    """The like count a platform reported, 0 when it gave none or something that is not a number."""
    value = (metrics or {}).get("likes")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def widths_for(original_width: int | None) -> tuple[int, ...]:
    """Thumbnail widths for ``srcset``: never wider than the original, always at least one."""
    if not original_width:
        return WIDTHS[:1]
    fitting = tuple(w for w in WIDTHS if w <= original_width)
    return fitting or (original_width,)
