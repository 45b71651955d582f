"""Language detection with lingua, as a plain function."""

from __future__ import annotations

import pytest

from sentiment import detect_language, detect_languages


def test_french_and_english_posts() -> None:
    assert detect_language("Le service client a réglé mon problème en cinq minutes, merci !") == "fr"
    assert detect_language("The delivery was fast and the shoes fit perfectly.") == "en"


@pytest.mark.parametrize("text", ["", "   ", "😍😍🔥", "ok", "!!!", "<p></p>", "https://example.com/abc"])
def test_empty_short_or_emoji_only_text_has_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_markup_and_links_do_not_mislead() -> None:
    text = '<p>Très <b>bon</b> produit, livraison rapide &amp; soignée</p> <a href="https://shop.example">lien</a>'
    assert detect_language(text) == "fr"


def test_batch_keeps_order() -> None:
    texts = ["Livraison rapide et produit conforme.", "", "Great value for the price.", "👍"]
    assert detect_languages(texts) == ["fr", None, "en", None]


def test_languages_can_be_restricted() -> None:
    text = "Die Lieferung war schnell und die Qualität ist sehr gut."
    assert detect_language(text) == "de"
    assert detect_language(text, languages=("en", "fr")) in {"en", "fr", None}


def test_unknown_language_code_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO 639-1"):
        detect_language("hello there friend", languages=("en", "zz"))
