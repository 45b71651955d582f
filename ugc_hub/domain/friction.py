"""Friction themes: which aspects of the brand a complaint is about, from French and English keywords.

Pure rules (no Flask, no database): a text in, the themes it mentions and the words that matched out.
A keyword ending in ``*`` matches any word it starts; others match whole words or phrases. Matching
is case-insensitive and keeps accents, so both spellings are listed where customers drop them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

# Written by us for the brand and product-review register; extend per brand with ``extra``.
THEMES: Mapping[str, Sequence[str]] = {
    "delivery": (
        # en
        "deliver*", "shipping", "shipped", "shipment*", "parcel*", "package*", "courier*", "tracking",
        "still waiting", "never arrived", "never received", "took forever", "lost in transit", "late",
        # fr
        "livraison*", "livreur*", "colis", "expédi*", "expedi*", "transporteur*", "retard*", "suivi",
        "jamais reçu*", "jamais recu*", "jamais arrivé*", "pas reçu*", "toujours pas reçu*",
    ),
    "price": (
        "price*", "pricey", "expensive", "overpriced", "cost*", "rip-off", "ripoff", "too much money",
        "prix", "cher", "chère", "chers", "chères", "tarif*", "coût*", "cout*", "arnaque*", "hors de prix",
    ),
    "quality": (
        "quality", "broke", "broken", "breaks", "ripped", "torn", "defect*", "flimsy", "damaged", "fell apart",
        "faulty", "cheaply made", "poor quality", "stopped working",
        "qualité", "qualite", "cassé*", "casse*", "déchir*", "dechir*", "défaut*", "defaut*", "défectu*",
        "defectu*", "abîm*", "abim*", "fragile", "usé*", "troué*", "ne marche plus", "ne fonctionne plus",
    ),
    "size_fit": (
        "size*", "sizing", "fit", "fits", "too small", "too big", "too tight", "too large", "too short",
        "too long", "tight", "loose", "tiny",
        "taille*", "pointure*", "trop petit*", "trop grand*", "trop serré*", "trop court*", "trop long*",
        "serré*", "ajust*",
    ),
    "customer_service": (
        "customer service", "customer care", "support", "no answer", "never answered", "answer*", "reply",
        "replied", "respond*", "refund*", "return*", "hotline", "agent*",
        "service client", "service après-vente", "sav", "réponse*", "reponse*", "répond*", "repond*",
        "rembours*", "retour*", "conseill*",
    ),
    "website_app": (
        "app", "apps", "website", "site", "checkout", "login", "log in", "logging", "logged out", "crash*",
        "bug*", "glitch*", "sync*", "payment page", "password",
        "appli*", "application*", "paiement", "plante*", "planté*", "connexion", "mot de passe", "en ligne",
    ),
    "availability": (
        "out of stock", "sold out", "unavailable", "restock*", "not available", "back in stock",
        "availability",
        "rupture*", "épuisé*", "epuise*", "indisponible*", "plus en stock", "pas en stock", "plus disponible*",
    ),
}  # fmt: skip

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


@dataclass(frozen=True)
class ThemeMatch:
    """A theme a text mentions and the words (as written, lower-cased) that said so."""

    theme: str
    words: tuple[str, ...]


def _pattern(keyword: str) -> str:
    """Turn ``deliver*`` into a regex matching words that start with it, else the exact word or phrase."""
    keyword = keyword.casefold().translate(_APOSTROPHES)
    if keyword.endswith("*"):
        return re.escape(keyword[:-1]) + r"[\w'-]*"
    return re.escape(keyword) + r"(?![\w])"


@cache
def _compiled(themes: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Longer keywords first, so "customer service" wins over "service" inside one alternation.
    return tuple(
        (name, re.compile(r"(?<![\w])(?:" + "|".join(_pattern(k) for k in sorted(words, key=len, reverse=True)) + ")"))
        for name, words in themes
    )


def theme_table(extra: Mapping[str, Sequence[str]] | None = None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return the themes with a brand's extra keywords (or extra themes) merged in, hashable."""
    merged: dict[str, list[str]] = {name: list(words) for name, words in THEMES.items()}
    for name, words in (extra or {}).items():
        merged.setdefault(name, []).extend(words)
    return tuple((name, tuple(words)) for name, words in merged.items())


def match_themes(text: str, *, themes: tuple[tuple[str, tuple[str, ...]], ...] | None = None) -> list[ThemeMatch]:
    """Return the themes ``text`` mentions, in the order of the theme table, with the words that matched."""
    folded = text.casefold().translate(_APOSTROPHES)
    found = []
    for name, pattern in _compiled(themes if themes is not None else theme_table()):
        words = tuple(match.group(0) for match in pattern.finditer(folded))
        if words:
            found.append(ThemeMatch(name, words))
    return found
