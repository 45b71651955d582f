"""Plain gallery rules: readable colours, alt text, slugs, srcset widths."""

from __future__ import annotations

import pytest

from gallery.rules import (
    DEFAULT_THEME,
    GalleryRuleError,
    alt_text,
    check_slug,
    check_theme,
    contrast,
    theme_css_text,
    widths_for,
)


def test_default_colours_pass_wcag_aa() -> None:
    assert contrast(DEFAULT_THEME["text"], DEFAULT_THEME["background"]) >= 4.5
    assert contrast(DEFAULT_THEME["accent"], DEFAULT_THEME["background"]) >= 4.5
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    check_theme({})


@pytest.mark.parametrize(
    "theme",
    [
        {"text": "#777777"},  # 4.48:1 on white
        {"accent": "#ffd166"},
        {"background": "red"},
        {"text": "#fff;}body{display:none"},
        {"font": "Comic Sans; background:url(//evil)"},
    ],
)
def test_unreadable_or_injected_themes_are_refused(theme: dict[str, str]) -> None:
    with pytest.raises(GalleryRuleError):
        check_theme(theme)


def test_theme_css_holds_only_checked_values() -> None:
    css = theme_css_text(check_theme({"background": "#101010", "text": "#FAFAFA", "accent": "#8ecae6"}).css())
    assert css.startswith(":root{--ugc-accent:#8ecae6;--ugc-bg:#101010;--ugc-fg:#fafafa;--ugc-font:")


def test_alt_text_prefers_the_platform_caption_then_derives_one() -> None:
    given = alt_text(accessibility_caption="Photo of a red tent", media_alt=None, caption="x", credit="@a")
    assert given == "Photo of a red tent"
    derived = alt_text(
        accessibility_caption=None, media_alt=" ", caption="Rainy hike https://t.co/x #lumen @friend", credit="@kate"
    )
    assert derived == "Photo by @kate: Rainy hike"
    assert alt_text(accessibility_caption=None, media_alt=None, caption="#lumen", credit="@kate") == "Photo by @kate"
    long = alt_text(accessibility_caption=None, media_alt=None, caption="word " * 100, credit="@k")
    assert len(long) < 140 and long.endswith("…")


@pytest.mark.parametrize("slug", ["", "-a", "a-", "A B", "oembed", "media", "x" * 65, "../x"])
def test_bad_slugs_are_refused(slug: str) -> None:
    with pytest.raises(GalleryRuleError):
        check_slug(slug)


def test_srcset_widths_never_upscale() -> None:
    assert widths_for(4000) == (320, 640, 1080)
    assert widths_for(700) == (320, 640)
    assert widths_for(200) == (200,)
