"""Download a post's image without letting its URL reach the hub's own network (SSRF guard).

Image URLs come from platform payloads and webhooks, so anyone can make the hub request one. Each
hop resolves the host, refuses it when *any* address is not a public unicast one (private, loopback,
link-local, multicast, reserved, unspecified, shared address space), then connects to the address it
checked (the connection is pinned, so a DNS answer that changes between check and connect — DNS
rebinding — cannot steer it), sending the original Host header and, for https, checking the
certificate against the original host name. Redirects are followed by hand, each one checked again.

The address checks live in ``ugc_hub.netguard``, shared with every other URL the hub fetches. Tests
that serve images from 127.0.0.1 pass ``allow_private=True`` (config ``MEDIA_ALLOW_PRIVATE_ADDRESSES``,
off by default).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import certifi
import urllib3

from ugc_hub.netguard import AddressRefused, FetchError, Policy, Resolver, checked_address, refusal, resolve

MAX_REDIRECTS = 5
USER_AGENT = "ugc-hub media fetcher"

#: The file could not be downloaded (network, status, size); worth another attempt later.
MediaFetchError = FetchError
#: The URL points somewhere the hub never fetches from; retrying will not change that.
MediaRefused = AddressRefused

__all__ = ["MediaFetchError", "MediaRefused", "checked_address", "fetch_public", "refusal", "resolve"]


def _pool(scheme: str, host: str, address: str, port: int, timeout: float) -> urllib3.HTTPConnectionPool:
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, server_hostname=host, assert_hostname=host,
            cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def fetch_public(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int,
    allow_private: bool = False,
    resolver: Resolver = resolve,
    policy: Policy = refusal,
) -> bytes:
    """GET ``url`` (following checked redirects) and return the body, at most ``max_bytes`` long."""
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaRefused(f"refused: not an http(s) URL: {url[:200]}")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = checked_address(host, port, allow_private=allow_private, resolver=resolver, policy=policy)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        pool = _pool(parts.scheme, host, address, port, timeout)
        try:
            response = pool.urlopen(
                "GET", target, headers={"Host": host_header, "User-Agent": USER_AGENT},
                redirect=False, preload_content=False, assert_same_host=False,
            )  # fmt: skip
            try:
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise MediaFetchError(f"HTTP {response.status} without a Location for {url[:200]}")
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise MediaFetchError(f"HTTP {response.status} for {url[:200]}")
                return _read_limited(response, max_bytes, url)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise MediaFetchError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            pool.close()
    raise MediaFetchError(f"more than {MAX_REDIRECTS} redirects from {url[:200]}")


def _read_limited(response: urllib3.BaseHTTPResponse, max_bytes: int, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise MediaFetchError(f"larger than {max_bytes} bytes: {url[:200]}")
        chunks.append(chunk)
    return b"".join(chunks)
