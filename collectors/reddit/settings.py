"""Reddit credential settings, shared by the search collector and the reply helpers (no praw here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collectors.base import SettingField, resolve_settings
from collectors.errors import ConfigurationError

DEFAULT_USER_AGENT = "python:ugc-hub-collector:0.1 (by /u/your_brand_account)"

CREDENTIAL_FIELDS: tuple[SettingField, ...] = (
    SettingField("client_id", "Client ID", "str", required=True, help="The app's id from reddit.com/prefs/apps."),
    SettingField("client_secret", "Client secret", "secret", required=True),
    SettingField(
        "user_agent",
        "User agent",
        "str",
        required=True,
        default=DEFAULT_USER_AGENT,
        help="Reddit asks for '<platform>:<app id>:<version> (by /u/<username>)'.",
    ),
    SettingField(
        "username",
        "Reddit username (script app)",
        "str",
        help="Only needed to post replies (the rights workflow). Leave empty for read-only collection.",
    ),
    SettingField("password", "Reddit password (script app)", "secret"),
    SettingField("timeout", "Request timeout (seconds)", "int", default=16, advanced=True),
    SettingField("oauth_url", "OAuth API URL", "str", default="https://oauth.reddit.com", advanced=True),
    SettingField("reddit_url", "Reddit URL", "str", default="https://www.reddit.com", advanced=True),
    SettingField("short_url", "Short link URL", "str", default="https://redd.it", advanced=True),
)


def credential_problems(values: Mapping[str, Any]) -> list[str]:
    """Return problems with the credential settings that the schema cannot express."""
    problems = []
    if bool(values.get("username")) != bool(values.get("password")):
        problems.append("a script app needs both the Reddit username and password (or neither, for read-only)")
    if int(values.get("timeout") or 0) <= 0:
        problems.append("the request timeout must be positive")
    return problems


def credentials(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The source's Reddit credential settings, resolved and checked; ConfigurationError says what is wrong."""
    values, problems = resolve_settings(CREDENTIAL_FIELDS, settings)
    problems = problems or credential_problems(values)
    if problems:
        raise ConfigurationError("; ".join(problems))
    return values
