"""One-time codes: the terms page shows one, the author posts it as a reply from their own account.

That proves the web visitor owns the handle without any account: the reply sync reads the reply, and
``rights.record_reply`` matches the code (only replies the author wrote are looked at). Only the
code's sha256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ugc_hub.models import OwnershipCode
from ugc_hub.models.base import DbSession

# No 0/O or 1/I/L: codes are read on a phone and typed into a comment.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE = re.compile(r"(?<![0-9A-Za-z])([A-Za-z2-9]{4})-([A-Za-z2-9]{4})(?![0-9A-Za-z])")
LIFETIME = timedelta(days=2)
PURPOSES = ("approve", "withdraw")


def _digest(code: str) -> str:
    return hashlib.sha256(code.upper().encode()).hexdigest()


def issue_code(
    session: DbSession, *, request_id: int, purpose: str, now: datetime, ip: str | None, user_agent: str | None
) -> str:
    """A new code for this request (the visitor's IP and browser are kept as web evidence); commits."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    session.add(
        OwnershipCode(
            request_id=request_id,
            purpose=purpose,
            code_hash=_digest(code),
            issued_at=now,
            expires_at=now + LIFETIME,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:400] or None,
        )
    )
    session.commit()
    return code


def match_code(session: DbSession, request_id: int, text: str, now: datetime) -> OwnershipCode | None:
    """The unused, unexpired code of this request that ``text`` contains, if any."""
    digests = [_digest(f"{a}-{b}") for a, b in CODE.findall(text)]
    if not digests:
        return None
    return session.scalar(
        select(OwnershipCode)
        .where(
            OwnershipCode.request_id == request_id,
            OwnershipCode.code_hash.in_(digests),
            OwnershipCode.used_at.is_(None),
            OwnershipCode.expires_at > now,
        )
        .order_by(OwnershipCode.id.desc())
    )


def code_facts(code: OwnershipCode) -> dict[str, Any]:
    """The web half of the evidence: when the code was shown, to which address and browser."""
    return {
        "purpose": code.purpose,
        "code_sha256": code.code_hash,
        "issued_at": code.issued_at,
        "ip": code.ip,
        "user_agent": code.user_agent,
    }
