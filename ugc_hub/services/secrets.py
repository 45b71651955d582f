"""Source credentials at rest: the key setup, re-encryption (rotation) and the Instagram session import.

The encryption itself is transparent (``ugc_hub.models.secret_json``): this module configures its keys
from the app config, re-seals every source after a key rotation, and imports an instaloader session.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from collectors.errors import ConfigurationError
from ugc_hub.models import Source
from ugc_hub.models.base import DbSession
from ugc_hub.models.secret_json import is_envelope, keyring, secret_setting_names, unreadable_secrets
from ugc_hub.services import audit
from ugc_hub.services.sources import secret_names

#: An instaloader session is a few cookies; anything this large is not one.
MAX_SESSION_BYTES = 64 * 1024
#: The first byte of a pickle (protocol 2+), as instaloader's ``save_session_to_file`` writes.
_PICKLE_MAGIC = b"\x80"
PICKLE_HINT = (
    "this looks like the pickle file instaloader writes; the hub never opens pickles. Convert it on your own "
    "machine: python -c \"import json,pickle,sys; print(json.dumps(pickle.load(open(sys.argv[1],'rb'))))\" "
    "SESSIONFILE > session.json, then upload session.json"
)


class SecretError(ValueError):
    """An upload or request about stored secrets that cannot be done; the message is for a person."""


def configure_keys(config: Mapping[str, Any]) -> None:
    """Derive the settings keys from SECRET_KEY (encrypts) and SECRET_KEY_FALLBACKS (still decrypt)."""
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    keyring.configure([config["SECRET_KEY"], *fallbacks])


def secret_states(source: Source | None) -> dict[str, str]:
    """For each secret setting of a source: ``stored`` or ``unreadable`` (never the value)."""
    if source is None:
        return {}
    names = secret_setting_names()
    return {
        name: "unreadable" if is_envelope(value) else "stored"
        for name, value in (source.settings or {}).items()
        if name in names and value not in (None, "")
    }


@dataclass(frozen=True)
class ResealReport:
    sources: int
    unreadable: dict[int, list[str]]


def reseal_all(session: DbSession) -> ResealReport:
    """Write every source's settings again: clear-text secrets get encrypted, old-key ones re-encrypted."""
    count = 0
    unreadable: dict[int, list[str]] = {}
    for source in session.scalars(select(Source).order_by(Source.id)):
        stuck = unreadable_secrets(source.settings or {})
        if stuck:
            unreadable[source.id] = stuck
        source.settings = dict(source.settings or {})
        flag_modified(source, "settings")
        count += 1
    audit.record(
        session, actor=audit.CLI, action="sources.reseal", object_type="source", object_id=None,
        after={"sources": count, "unreadable": {str(k): v for k, v in unreadable.items()}},
    )  # fmt: skip
    session.commit()
    return ResealReport(count, unreadable)


def read_session_upload(data: bytes) -> dict[str, str]:
    """Return the cookie dict of an uploaded session JSON; refuse pickles and anything else unreadable."""
    from collectors.instagram.client import parse_session

    if not data.strip():
        raise SecretError("the session file is empty")
    if len(data) > MAX_SESSION_BYTES:
        raise SecretError(f"the session file is larger than {MAX_SESSION_BYTES // 1024} KB; it is not a session")
    if data.startswith(_PICKLE_MAGIC):
        raise SecretError(PICKLE_HINT)
    try:
        text = data.decode("utf-8-sig")
        parsed = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SecretError("the session file is not JSON text; " + PICKLE_HINT) from None
    try:
        return parse_session(parsed)
    except ConfigurationError as exc:
        raise SecretError(exc.message) from None


def import_instagram_session(
    session: DbSession, source: Source, *, username: str, data: bytes, actor: audit.Actor
) -> None:
    """Store an instaloader session dict on an Instagram source, encrypted; audited without the cookies."""
    if "session" not in secret_names(source.kind):
        raise SecretError("this source's collector takes no Instagram session")
    cookies = read_session_upload(data)
    username = username.strip().lstrip("@")
    if not username:
        raise SecretError("give the Instagram username the session belongs to")
    settings = dict(source.settings or {})
    replaced = bool(settings.get("session"))
    settings["session"] = cookies
    settings["username"] = username
    source.settings = settings
    if source.status == "relogin_required":
        # A fresh session is what the source was waiting for.
        source.status, source.status_message, source.next_run_at = "active", None, None
    audit.record(
        session, actor=actor, action="source.session_import", object_type="source", object_id=source.id,
        after={"username": username, "cookies": sorted(cookies), "replaced": replaced},
    )  # fmt: skip
    session.commit()
