"""Check every URL a source's settings name against the address guard before a run requests anything.

Advanced settings let staff point a source at another host: a feed, a review store's base URL,
Reddit's OAuth and site URLs (praw), the Instagram Graph API URL. A source pointed at 127.0.0.1 or
169.254.169.254 must fail with a setting to change, before any client is built. Plugins name such
fields ``url`` or ``…_url`` in their settings schema; the clients' own sessions check each connection
again (a name whose DNS answer changed since), so this check is the clear message, not the only guard.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from collectors.base import SettingField
from collectors.errors import ConfigurationError
from ugc_hub import netguard


def url_fields(schema: Sequence[SettingField]) -> Iterator[SettingField]:
    """The settings of a plugin's schema that hold a URL the plugin will fetch."""
    for spec in schema:
        if spec.type == "str" and (spec.name == "url" or spec.name.endswith("_url")):
            yield spec


def check_source_urls(schema: Sequence[SettingField], settings: Mapping[str, Any], *, allow_private: bool) -> None:
    """Raise ``ConfigurationError`` naming the first URL setting whose host is not a public address.

    Only values set on the source are checked: a default is the platform's own public host.
    """
    for spec in url_fields(schema):
        value = settings.get(spec.name)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            netguard.check_url(value.strip(), allow_private=allow_private)
        except netguard.AddressRefused as exc:
            raise ConfigurationError(f"{spec.label}: {exc}; the hub only fetches from public addresses") from exc
