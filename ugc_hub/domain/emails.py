"""E-mail canonicalisation and disposable-domain checks, so one person is one supporter."""

from __future__ import annotations

from collections.abc import Iterable

from disposable_email_domains import blocklist

# Providers documented to ignore dots in the local part and everything after "+".
_DOTS_AND_TAGS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Providers that deliver "name+tag@" to "name@" but treat dots as significant.
_TAGS_ONLY = {
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "hotmail.fr",
    "live.fr",
    "outlook.fr",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "fastmail.fm",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "yahoo.com",
    "yahoo.fr",
    "ymail.com",
    "gmx.com",
    "gmx.fr",
    "laposte.net",
    "orange.fr",
    "free.fr",
}


class EmailError(ValueError):
    pass


def split_address(address: str) -> tuple[str, str]:
    value = address.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or " " in value or "." not in domain:
        raise EmailError(f"{address!r} is not an e-mail address")
    try:
        domain = domain.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError as exc:
        raise EmailError(f"{address!r} has an invalid domain") from exc
    return local, domain


def canonical_email(address: str) -> str:
    """The identity behind an address: lower case, and dots and +tags removed where the provider ignores them."""
    local, domain = split_address(address)
    local = local.lower()
    if domain in _DOTS_AND_TAGS:
        return local.split("+", 1)[0].replace(".", "") + "@" + _DOTS_AND_TAGS[domain]
    if domain in _TAGS_ONLY:
        return local.split("+", 1)[0] + "@" + domain
    return f"{local}@{domain}"


def is_disposable(address: str, extra_domains: Iterable[str] = ()) -> bool:
    """True for throwaway-mailbox domains (and their subdomains), from a maintained list plus the brand's own."""
    _local, domain = split_address(address)
    extra = {d.lower() for d in extra_domains}
    parts = domain.split(".")
    candidates = {".".join(parts[i:]) for i in range(len(parts) - 1)}
    return any(candidate in blocklist or candidate in extra for candidate in candidates)
