"""E-mail canonicalisation and disposable domains (pure, no app)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ugc_hub.domain.emails import EmailError, canonical_email, is_disposable


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Jane.Doe+ideas@GMail.com", "janedoe@gmail.com"),
        ("j.a.n.e.doe@googlemail.com", "janedoe@gmail.com"),
        ("Jane.Doe+x@outlook.com", "jane.doe@outlook.com"),
        ("jean.dupont+lego@laposte.net", "jean.dupont@laposte.net"),
        ("Jane.Doe+tag@brand.example", "jane.doe+tag@brand.example"),
        ("  marie@Exemple.FR ", "marie@exemple.fr"),
        ("josé@bücher.de", "josé@xn--bcher-kva.de"),
    ],
)
def test_canonical_email(address: str, canonical: str) -> None:
    assert canonical_email(address) == canonical


@pytest.mark.parametrize("address", ["", "no-at-sign", "@example.com", "a@b", "a b@example.com"])
def test_invalid_addresses_are_refused_clearly(address: str) -> None:
    with pytest.raises(EmailError):
        canonical_email(address)


def test_disposable_domains_from_the_maintained_list_and_the_brand() -> None:
    assert is_disposable("x@mailinator.com")
    assert is_disposable("x@sub.mailinator.com")
    assert not is_disposable("x@gmail.com")
    assert is_disposable("x@throwaway.example", extra_domains=["throwaway.example"])


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        # Fastmail subdomain addressing: anything@USER.DOMAIN is delivered to USER@DOMAIN (as USER+anything).
        ("dave@dave.fastmail.com", "dave@fastmail.com"),
        ("x@dave.fastmail.com", "dave@fastmail.com"),
        ("Shop+tag@Dave.FastMail.com", "dave@fastmail.com"),
        ("dave+x@fastmail.com", "dave@fastmail.com"),
        ("news@joe.fastmail.fm", "joe@fastmail.fm"),
        ("news@alice.sent.com", "alice@sent.com"),
        # Two labels above the Fastmail domain is not subdomain addressing: left as it is.
        ("x@a.b.fastmail.com", "x@a.b.fastmail.com"),
        # Yahoo disposable addresses: BASENAME-KEYWORD@ belong to the account that chose BASENAME.
        ("dave-shop@yahoo.com", "dave@yahoo.com"),
        ("Dave-Shop-2024@Yahoo.com", "dave@yahoo.com"),
        ("marie-lego@yahoo.fr", "marie@yahoo.fr"),
        ("dave@yahoo.com", "dave@yahoo.com"),
        # Elsewhere a hyphen is part of the name.
        ("jean-pierre@laposte.net", "jean-pierre@laposte.net"),
        ("jean-pierre@brand.example", "jean-pierre@brand.example"),
    ],
)
def test_provider_aliases_are_one_person(address: str, canonical: str) -> None:
    assert canonical_email(address) == canonical


LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)


@given(user=LABEL, anything=LABEL, tag=LABEL, keyword=LABEL)
def test_every_fastmail_and_yahoo_variant_of_one_mailbox_is_one_supporter(
    user: str, anything: str, tag: str, keyword: str
) -> None:
    assert canonical_email(f"{anything}@{user}.fastmail.com") == canonical_email(f"{user}+{tag}@fastmail.com")
    assert canonical_email(f"{anything}@{user}.fastmail.com") == canonical_email(f"{user}@fastmail.com")
    assert canonical_email(f"{user}-{keyword}@yahoo.com") == canonical_email(f"{user}@yahoo.com")


@given(address=st.emails())
def test_canonical_form_is_stable(address: str) -> None:
    """Canonicalising twice changes nothing: what is stored is already its own canonical form."""
    try:
        once = canonical_email(address)
    except EmailError:
        return
    assert canonical_email(once) == once
