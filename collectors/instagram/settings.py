"""Instagram session settings shared by the instaloader collectors (no instaloader import here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collectors.base import SettingField

SESSION_FIELDS: tuple[SettingField, ...] = (
    SettingField(
        "username", "Instagram username of the session", "str", help="The account the imported session belongs to."
    ),
    SettingField(
        "session",
        "Session cookies (JSON)",
        "secret",
        help="Exported once by an admin (sessionid, csrftoken, ds_user_id...); stored encrypted. Never a pickle file.",
    ),
    SettingField("timeout", "Request timeout (seconds)", "int", default=30, advanced=True),
    SettingField(
        "wait_backoff_seconds",
        "Back-off after 'Please wait a few minutes' (seconds)",
        "int",
        default=10800,
        advanced=True,
        help="Instagram's 401 'Please wait' usually lasts hours.",
    ),
)


def account_key(settings: Mapping[str, Any]) -> str:
    """Return the Instagram account a run uses (the session's username), or 'anonymous'."""
    username = settings.get("username") if settings.get("session") else None
    return f"instagram:{username or 'anonymous'}"
