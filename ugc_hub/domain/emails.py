"""E-mail canonicalisation and disposable-domain checks, so one person is one supporter."""

from __future__ import annotations

from collections.abc import Iterable

from disposable_email_domains import blocklist

# Providers documented to ignore dots in the local part and everything after "+".
_DOTS_AND_TAGS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Fastmail domains (fastmail.help "Plus addressing and subdomain addressing"; sent.com and the FAQ hosts
# ftml.net, warpmail.net, realemail.net, emailplus.org and reallyfast.info serve Fastmail accounts).
# Besides +tags they deliver anything@USER.DOMAIN to USER@DOMAIN ("subdomain addressing").
_FASTMAIL = {
    "fastmail.com",
    "fastmail.fm",
    "sent.com",
    "ftml.net",
    "warpmail.net",
    "realemail.net",
    "emailplus.org",
    "reallyfast.info",
}
# Yahoo disposable addresses are BASENAME-KEYWORD@: the dash is reserved as their separator (a Yahoo ID
# holds letters, digits, "_" and ".", never "-"), and every keyword reaches the account that owns BASENAME.
_YAHOO = {
    "yahoo.com",
    "yahoo.fr",
    "yahoo.co.uk",
    "yahoo.de",
    "yahoo.es",
    "yahoo.it",
    "yahoo.ca",
    "ymail.com",
    "rocketmail.com",
}
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
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.fr",
    "laposte.net",
    "orange.fr",
    "free.fr",
    *_FASTMAIL,
    *_YAHOO,
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


def _before(local: str, separator: str) -> str:
    """The part of ``local`` before ``separator``; all of it when nothing would be left."""
    return local.split(separator, 1)[0] or local


def canonical_email(address: str) -> str:
    """The identity behind an address: lower case, and dots, +tags, Fastmail subdomains and Yahoo
    disposable keywords removed where the provider delivers the variants to one mailbox."""
    local, domain = split_address(address)
    local = local.lower()
    user, _dot, parent = domain.partition(".")
    if parent in _FASTMAIL:
        local, domain = user, parent
    if domain in _DOTS_AND_TAGS:
        return _before(local, "+").replace(".", "") + "@" + _DOTS_AND_TAGS[domain]
    if domain in _YAHOO:
        local = _before(local, "-")
    if domain in _TAGS_ONLY:
        return _before(local, "+") + "@" + domain
    return f"{local}@{domain}"


def is_disposable(address: str, extra_domains: Iterable[str] = ()) -> bool:
    """True for throwaway-mailbox domains (and their subdomains), from a maintained list plus the brand's own."""
    _local, domain = split_address(address)
    extra = {d.lower() for d in extra_domains}
    parts = domain.split(".")
    candidates = {".".join(parts[i:]) for i in range(len(parts) - 1)}
    return any(candidate in blocklist or candidate in extra for candidate in candidates)
