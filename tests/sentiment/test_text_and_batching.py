"""Text preparation and length-sorted batching, without any model."""

from __future__ import annotations

import random

from sentiment.batching import length_sorted_batches
from sentiment.text import clean_text


def test_html_is_reduced_to_its_text() -> None:
    raw = "<div><p>Tr&egrave;s <b>bon</b> produit&nbsp;!</p><script>alert('x')</script><br/>Livraison &amp; SAV</div>"
    assert clean_text(raw) == "Très bon produit ! Livraison & SAV"


def test_comparisons_and_hearts_are_not_taken_for_tags() -> None:
    assert clean_text("I <3 this, price < 20 and > 10") == "I <3 this, price < 20 and > 10"


def test_whitespace_is_folded_and_length_bounded() -> None:
    assert clean_text("  a \n\t b  ") == "a b"
    assert clean_text("", max_chars=5) == ""
    assert len(clean_text("word " * 30_000, max_chars=100)) == 100


def test_batches_cover_every_index_once_and_group_similar_lengths() -> None:
    rng = random.Random(4)
    lengths = [rng.randint(1, 500) for _ in range(103)]
    batches = length_sorted_batches(lengths, 8)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(103))
    assert all(len(batch) == 8 for batch in batches[:-1])
    assert [lengths[i] for i in flat] == sorted(lengths)


def test_no_texts_no_batches() -> None:
    assert length_sorted_batches([], 4) == []
