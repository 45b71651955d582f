"""E-mail canonicalisation and disposable domains (pure, no app)."""

from __future__ import annotations

import pytest

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
