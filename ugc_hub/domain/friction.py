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

# NPS answers from 0 to this score are detractors; their comments count as negative texts.
DETRACTOR_MAX = 6

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


# Words that say nothing about a theme, written by us: function words, the verbs and adjectives of any
# complaint, and web noise. Keywords of a theme found by the model come from the other words.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": _words(
        """a about above after again against all almost also am an and any are aren't as at be because been
        before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
        don't down during each even ever every few for from further get got had hadn't has hasn't have haven't
        having he her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its
        itself just let's like me more most much must my myself no nor not now of off on once one only or other
        our ours ourselves out over own same she should shouldn't so some still such than that that's the their
        theirs them themselves then there there's these they they're this those through to too under until up
        us very was wasn't we we're were weren't what when where which while who whom why will with won't would
        wouldn't you you're your yours yourself yourselves really never again ever anyone lol omg thanks please
        already since back come came coming first new
        bad terrible awful worst disappointed disappointing disappointment horrible poor sad angry annoyed
        fail failed shame seriously honestly literally just time times day days week weeks year years
        thing things way lot bit make made go going gone get getting got want wanted need needed know think
        said say says told tell use used buy bought order ordered http https www com"""
    ),
    "fr": _words(
        """a à ai aie aient aies ait alors as au aucun aucune aujourd'hui aussi autre aux avec avez avoir avons
        ayant bon c ça car ce ceci cela celle celles celui cependant ces cet cette ceux chaque chez ci comme
        comment d dans de des depuis deux donc dont du elle elles en encore es est et étaient était été être eu
        eux fait faire fais font hier il ils j je jamais juste l la le les leur leurs lui m ma mais me même mes
        moi mon n ne ni nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi qu quand que quel
        quelle quelles quels qui quoi s sa sans se sera ses si sien son sont sous suis sur t ta te tes toi ton
        toujours tous tout toute toutes très tu un une vers via voici voilà vos votre vous y
        déçu déçue déçus déçues nul nulle nuls honte honteux horrible mauvais mauvaise pire vraiment franchement
        merci svp stp mdr bien trop rien personne fois jour jours semaine semaines an ans mois chose choses
        truc trucs vais va vont veux voulais besoin sais dit dire acheté achat commande commandé http https www
        com"""
    ),
}
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_ELISION = re.compile(r"^(?:qu|[cdjlmnst])'")
_NOISE = re.compile(r"https?://\S+|www\.\S+|[#@][\w.-]+")


def content_words(text: str, language: str | None, *, exclude: frozenset[str] = frozenset()) -> list[str]:
    """The words of ``text`` worth showing as a theme's keywords: lower-cased, without stopwords of its
    language (both lists when it is unknown), hashtags, mentions, links, French elisions or ``exclude``."""
    stop = STOPWORDS.get(language or "") or STOPWORDS["en"] | STOPWORDS["fr"]
    folded = _NOISE.sub(" ", text.casefold().translate(_APOSTROPHES))
    words = []
    for raw in _WORD.findall(folded):
        word = _ELISION.sub("", raw).strip("'-")
        if len(word) >= 3 and word not in stop and word not in exclude:
            words.append(word)
    return words
