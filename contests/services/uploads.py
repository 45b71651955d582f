"""The upload form's entries: picture cleaned (no EXIF), fields checked, the current rules accepted and
the post's rights granted, all in one transaction (docs/contests.md §2).

The rights service offers no public function for a web acceptance outside a signed link, so this
builds a ``terms_page`` request pinned to the current terms and grants it through ``rights_state``:
the acceptance (time, IP, user agent, rules version and hash) lands in the consent ledger.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from contests.entry_rules import person_exclusion, typed_fields
from contests.models import Contest, ContestEntry
from contests.services.contests import ContestError, accepting_entries, current_rules, get_contest
from contests.services.entries import UPLOAD_PLATFORM, entries_of, log_exclusion, rules_of
from ugc_hub.domain.emails import canonical_email
from ugc_hub.models import Author, Post, RightsRequest, User
from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import Customer
from ugc_hub.rights.services import state as rights_state
from ugc_hub.rights.services.templates import current_terms, pin_terms
from ugc_hub.services import audit, publication
from ugc_hub.services.ideas_images import ImageRejected, clean_image
from ugc_hub.services.storage import Storage

MAX_CREDIT = 60
MAX_CAPTION = 2000


class EntryRefused(ValueError):
    """An upload that cannot enter; ``code`` is a reason code or a form problem (``rules_not_accepted``…)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _is_staff(session: DbSession, customer: Customer) -> bool:
    emails = session.scalars(select(User.email)).all()
    canonical = customer.email_canonical
    for email in emails:
        try:
            if canonical_email(email) == canonical:
                return True
        except ValueError:
            continue
    return False


def _short_code(session: DbSession) -> str:
    while True:
        code = secrets.token_urlsafe(6)
        if not session.scalar(select(exists().where(RightsRequest.short_code == code))):
            return code


def _upload_author(session: DbSession, customer: Customer, credit: str) -> Author:
    key = f"customer:{customer.id}"
    author = session.scalar(select(Author).where(Author.platform == UPLOAD_PLATFORM, Author.platform_key == key))
    if author is None:
        author = Author(platform=UPLOAD_PLATFORM, platform_key=key)
        session.add(author)
    author.handle = credit
    author.display_name = credit
    return author


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    caption: str
    credit: str
    fields: Mapping[str, str]
    rules_accepted: bool
    rules_version: int | None
    ip: str | None
    user_agent: str | None
    #: The language of the page the entrant used ("en", "fr"): prize messages are written in it.
    language: str | None = None


def _refuse(session: DbSession, contest: Contest, customer: Customer, code: str, detail: str = "") -> EntryRefused:
    log_exclusion(session, contest.id, f"customer:{customer.id}", code, detail)
    session.commit()
    return EntryRefused(code, detail)


def submit_upload(
    session: DbSession,
    *,
    contest_id: int,
    customer_id: int,
    upload: Upload,
    storage: Storage,
    media_url: Callable[[str], str],
    now: datetime,
) -> ContestEntry:
    """Enter through the form: picture cleaned (no EXIF), fields checked, rules accepted and rights
    granted in one transaction. ``media_url(storage_key)`` is the public address of the picture."""
    contest = get_contest(session, contest_id)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.verified_at is None:
        raise EntryRefused("not_signed_in")
    if not contest.uploads_allowed or not accepting_entries(contest, now):
        raise EntryRefused("closed")
    rules = current_rules(session, contest.id)
    if rules is None or not upload.rules_accepted or upload.rules_version != rules.version:
        raise EntryRefused("rules_not_accepted")
    credit = " ".join(upload.credit.split())[:MAX_CREDIT].lstrip("@")
    if not credit:
        raise EntryRefused("credit_missing")
    terms = current_terms(session, contest.workspace_id)
    if terms is None:
        raise ContestError(_l("the brand has not published the terms authors agree to"))
    reason = person_exclusion(
        min_age=contest.min_age,
        countries=contest.countries,
        birth_date=customer.birth_date,
        country=customer.country,
        is_staff=_is_staff(session, customer),
        exclude_staff=contest.exclude_staff,
        on=now.date(),
    )
    if reason is not None:
        raise _refuse(session, contest, customer, reason)
    person = f"email:{customer.email_canonical}"
    if entries_of(session, contest.id, person) >= contest.entries_per_person:
        raise _refuse(session, contest, customer, "duplicate_person")
    values, missing = typed_fields(rules_of(contest), upload.fields)
    if missing:
        raise EntryRefused("missing_field", ", ".join(missing))
    try:
        image = clean_image(upload.data, upload.filename)
    except ImageRejected as exc:
        raise EntryRefused("image_" + exc.code) from exc
    uid = str(uuid.uuid4())
    key = f"contests/{contest.id}/{uid}.jpg"
    storage.put(key, image.data, image.content_type)
    author = _upload_author(session, customer, credit)
    session.flush()
    post = Post(
        workspace_id=contest.workspace_id,
        platform=UPLOAD_PLATFORM,
        platform_id=uid,
        author_id=author.id,
        text=upload.caption.strip()[:MAX_CAPTION],
        media=[{"url": media_url(key), "type": "image", "storage_key": key}],
        posted_at=now,
        collected_at=now,
        updated_at=now,
        raw={"contest_id": contest.id, "fields": values},
    )
    session.add(post)
    session.flush()
    acceptance: dict[str, Any] = {
        "accepted_at": now.isoformat(),
        "ip": (upload.ip or "")[:64] or None,
        "user_agent": (upload.user_agent or "")[:400] or None,
        "rules_version": rules.version,
        "rules_hash": rules.body_hash,
    }
    request = RightsRequest(
        post_id=post.id,
        workspace_id=contest.workspace_id,
        purpose="permission",
        channel="terms_page",
        language=terms.language,
        hashtag="",
        text=f"Contest entry form: official rules v{rules.version} and the terms accepted",
        terms_version_id=terms.id,
        short_code=_short_code(session),
        author_handle=credit,
        requested_at=now,
        requested_by="entrant (contest form)",
        expires_at=now,
    )
    session.add(request)
    session.flush()
    pin_terms(terms, now)
    rights_state.grant(
        session, request, now, proof="contest entry form", evidence={"web": acceptance, "contest_id": contest.id}
    )
    entry = ContestEntry(
        contest_id=contest.id,
        uid=uid,
        channel="upload",
        post_id=post.id,
        customer_id=customer.id,
        person_key=person,
        fields=values,
        status="eligible",
        rules_version_id=rules.id,
        accepted_at=now,
        acceptance=acceptance,
        language=(upload.language or "")[:8] or None,
        created_at=now,
    )
    session.add(entry)
    audit.record(
        session,
        actor=audit.Actor(type="customer", id=customer.id, label=f"customer {customer.id}"),
        action="contest.enter",
        object_type="contest",
        object_id=contest.id,
        after={"entry": uid},
    )
    session.commit()
    publication.announce_change([post.id])
    return entry
