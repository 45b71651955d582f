"""The one place that decides which addresses the hub may connect to (SSRF guard).

Every URL the hub fetches comes from someone else: platform payloads, webhook records, feed and
review-source settings, workspace webhooks. Each hop resolves the host and refuses it when *any*
address is not a public unicast one (private, loopback, link-local, multicast, reserved,
unspecified, shared address space), also when an IPv6 address only wraps such an IPv4 one
(IPv4-mapped, 6to4, Teredo, NAT64). The connection then goes to the address that was checked, so a
DNS answer that changes between check and connect (DNS rebinding) cannot steer it.

``ugc_hub.services.media_fetch`` downloads media with these checks; ``guarded_session`` gives
``requests`` users (collectors, webhooks) the same checks at every connection, redirects included.
Tests whose fakes listen on 127.0.0.1 allow private addresses explicitly (``allowing_private_addresses``
or the ``allow_private`` argument; config ``ALLOW_PRIVATE_ADDRESSES``, off by default).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

# RFC 6598 carrier-grade NAT space is not "private" to ipaddress, but it is not the public internet either.
_SHARED_SPACE = ipaddress.ip_network("100.64.0.0/10")
# RFC 6052 NAT64: the last 32 bits are the IPv4 address a NAT64 gateway would connect to.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

Resolver = Callable[[str, int], Sequence[str]]
#: Why an address is refused, or None: ``refusal`` unless a test narrows it.
Policy = Callable[[str], str | None]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_allow_private: ContextVar[bool] = ContextVar("allow_private_addresses", default=False)


class FetchError(Exception):
    """The address could not be used (cannot resolve, no address); may work another time."""


class AddressRefused(FetchError):
    """The URL points somewhere the hub never connects to; retrying will not change that."""


@contextmanager
def allowing_private_addresses(allowed: bool = True) -> Iterator[None]:
    """Within this block, guarded connections may reach private addresses (tests' local fakes only).

    ``allowed=False`` keeps whatever an enclosing block allowed, so a caller passing its config's
    default does not undo a test fake's allowance.
    """
    token = _allow_private.set(allowed or _allow_private.get())
    try:
        yield
    finally:
        _allow_private.reset(token)


def private_addresses_allowed() -> bool:
    return _allow_private.get()


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror or exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and would reach (mapped, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in network for network in _NAT64):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _plain_refusal(ip: IPAddress) -> str | None:
    for flag, why in (
        # Most specific first: ipaddress also counts loopback and link-local ranges as "private".
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, flag):
            return why
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_SPACE:
        return "shared (carrier-grade NAT)"
    if not ip.is_global:
        return "not public"
    return None


def refusal(address: str) -> str | None:
    """Why an address is not a public unicast one, or ``None`` when it is."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded(ip)
        if ip.ipv4_mapped is not None or ip in _NAT64[0]:
            # Nothing but a way to reach that IPv4 address: exactly as public as it is.
            return _plain_refusal(embedded[0])
        for inner in embedded:
            why = _plain_refusal(inner)
            if why is not None:
                return why
    return _plain_refusal(ip)


def checked_address(
    host: str, port: int, *, allow_private: bool, resolver: Resolver = resolve, policy: Policy = refusal
) -> str:
    """Resolve ``host`` and return the address to connect to; refuse if any address is not public."""
    addresses = resolver(host, port)
    if not addresses:
        raise FetchError(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            why = policy(address)
            if why is not None:
                raise AddressRefused(f"refused: {host} resolves to the {why} address {address}")
    return addresses[0]


def check_url(url: str, *, allow_private: bool = False, resolver: Resolver = resolve, policy: Policy = refusal) -> None:
    """Refuse a URL that is not http(s) or whose host is not public; a host that does not resolve passes.

    For settings forms: a name that does not resolve today may tomorrow, and every connection is
    checked again anyway.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"refused: not an http(s) URL: {url[:200]}")
    try:
        checked_address(
            parts.hostname, _port(parts.scheme, parts.port), allow_private=allow_private, resolver=resolver,
            policy=policy,
        )  # fmt: skip
    except AddressRefused:
        raise
    except FetchError:
        return


def _port(scheme: str, port: int | None) -> int:
    return port or (443 if scheme == "https" else 80)


class GuardedAdapter(HTTPAdapter):
    """A ``requests`` transport that checks, then pins, the address of every connection it opens."""

    def __init__(
        self, *, allow_private: bool | None = None, resolver: Resolver = resolve, policy: Policy = refusal
    ) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._policy = policy
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ) -> Any:
        parts = urlsplit(request.url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AddressRefused(f"refused: not an http(s) URL: {(request.url or '')[:200]}")
        allow = private_addresses_allowed() if self._allow_private is None else self._allow_private
        host = parts.hostname
        address = checked_address(
            host, _port(parts.scheme, parts.port), allow_private=allow, resolver=self._resolver, policy=self._policy
        )
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = address
        if parts.scheme == "https":
            # The certificate must still name the host that was asked for, not the address.
            pool_kwargs["server_hostname"] = host
            pool_kwargs["assert_hostname"] = host
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        # The connection is to an address; the server still needs the name it was asked by.
        parts = urlsplit(request.url or "")
        if parts.hostname and "Host" not in request.headers:
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            request.headers["Host"] = host if parts.port is None else f"{host}:{parts.port}"


def guarded_session(
    *, allow_private: bool | None = None, resolver: Resolver = resolve, policy: Policy = refusal
) -> requests.Session:
    """A ``requests`` session whose every connection, redirects included, goes through the guard.

    ``allow_private=None`` follows ``allowing_private_addresses``. Environment proxies are ignored:
    a proxy would connect to addresses the guard never saw.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(allow_private=allow_private, resolver=resolver, policy=policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
