"""Settings and token bookkeeping shared by the Graph API collectors.

The field names match ``collectors.instagram_graph.client.GRAPH_FIELDS``, so the rights workflow can post its
permission requests through the same account a Graph source collects with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.base import HealthNote, SettingField
from collectors.errors import CollectorError, ReloginRequired
from collectors.incremental import as_float
from collectors.instagram_graph.client import DEFAULT_GRAPH_URL, GraphReader

#: Warn this long before the token expires (long-lived user tokens last 60 days).
EXPIRY_WARNING_SECONDS = 7 * 86400
#: ``debug_token`` is asked at most this often.
TOKEN_CHECK_SECONDS = 6 * 3600

GRAPH_COLLECTOR_FIELDS: tuple[SettingField, ...] = (
    SettingField(
        "graph_access_token",
        "Instagram Graph API access token",
        "secret",
        required=True,
        help="A long-lived token of the brand's professional account (instagram_basic, "
        "instagram_manage_comments; pages_read_engagement for hashtags). Stored encrypted.",
    ),
    SettingField("graph_user_id", "Instagram professional account id (Graph API)", "str", required=True),
    SettingField(
        "graph_token_expires_on",
        "Token expiry date (YYYY-MM-DD), if known",
        "str",
        advanced=True,
        help="Used when the API cannot tell (debug_token refused); the health page warns a week before.",
    ),
    SettingField("graph_url", "Graph API URL", "str", default=DEFAULT_GRAPH_URL, advanced=True),
    SettingField("graph_timeout", "Graph API timeout (seconds)", "int", default=20, advanced=True),
)


def graph_account_key(settings: Mapping[str, Any]) -> str:
    return f"instagram-graph:{settings.get('graph_user_id') or 'unset'}"


def manual_expiry(values: Mapping[str, Any]) -> float | None:
    text = values.get("graph_token_expires_on")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def expiry_problems(values: Mapping[str, Any]) -> list[str]:
    text = values.get("graph_token_expires_on")
    if isinstance(text, str) and text.strip() and manual_expiry(values) is None:
        return ["Token expiry date: expected YYYY-MM-DD"]
    return []


def refresh_token_facts(reader: GraphReader, token: Mapping[str, Any] | None, now: float) -> dict[str, Any]:
    """Return the token facts kept in the cursor, asking ``debug_token`` when the last answer is old.

    An invalid token raises ``ReloginRequired``; a refused ``debug_token`` (some tokens may not
    inspect themselves) keeps what was known and records why.
    """
    known = dict(token or {})
    checked = as_float(known.get("checked_at"))
    if checked is not None and now - checked < TOKEN_CHECK_SECONDS:
        return known
    try:
        facts = reader.token_facts()
    except ReloginRequired:
        raise
    except CollectorError as exc:
        return {**known, "checked_at": now, "check_error": exc.message[:300]}
    if facts.get("is_valid") is False:
        raise ReloginRequired("the Instagram Graph API token is no longer valid; reconnect the account")
    expires = as_float(facts.get("expires_at"))
    return {
        "checked_at": now,
        "expires_at": expires if expires else None,  # 0 means "never"
        "data_access_expires_at": as_float(facts.get("data_access_expires_at")) or None,
        "scopes": [s for s in facts.get("scopes") or [] if isinstance(s, str)],
    }


def token_notes(values: Mapping[str, Any], token: Mapping[str, Any] | None, now: float) -> list[HealthNote]:
    """Warn before the token expires; say so when it has."""
    token = token or {}
    expires = as_float(token.get("expires_at")) or manual_expiry(values)
    if expires is None:
        if token.get("check_error"):
            error = str(token["check_error"])
            return [HealthNote("info", "token_expiry_unknown", f"Token expiry unknown: {error}", {"error": error})]
        return []
    when = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if expires <= now:
        return [
            HealthNote(
                "error",
                "token_expired",
                f"The Graph API token expired on {when}; reconnect the account.",
                {"when": when},
            )
        ]
    if expires - now <= EXPIRY_WARNING_SECONDS:
        days = max(1, int((expires - now) // 86400))
        message = f"The Graph API token expires on {when} (in {days} day(s)); renew it now."
        return [HealthNote("warning", "token_expires_soon", message, {"when": when, "days": days})]
    return [HealthNote("info", "token_valid_until", f"Graph API token valid until {when}.", {"when": when})]
