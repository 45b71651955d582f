"""Author permissions: requests, the send queue, terms versions, templates, the consent ledger, erased authors.

``PostRights`` is where each post stands (the public gate reads it); every change to it is also
appended to ``ConsentEvent``, the hash-chained ledger that database triggers keep append-only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db, utcnow

#: ``author_changed``: the post was re-collected under another author account than the one that granted.
RIGHTS_STATES = ("requested", "author_replied", "granted", "declined", "expired", "revoked", "author_changed")
#: How a request reached the author (or how permission was proven).
REQUEST_CHANNELS = ("api_reply", "manual_comment", "direct_message", "terms_page", "manual_proof")
TEMPLATE_PURPOSES = ("request", "reminder", "thanks")
MESSAGE_STATUSES = ("queued", "awaiting_manual", "sent", "failed", "cancelled")


class PostRights(db.Model):  # type: ignore[name-defined]
    """One row per post whose author has been asked; no row means nobody asked yet."""

    __tablename__ = "post_rights"
    __table_args__ = (Index("ix_post_rights_state_licence", "state", "licence_start", "licence_end"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    licence_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    licence_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The terms version the author agreed to (set with the grant, kept after a revocation).
    terms_version_id: Mapped[int | None] = mapped_column(ForeignKey("rights_terms.id"), nullable=True)
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The request behind the current state.
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The author account that granted; a grant is shown only while the post is still theirs. No foreign
    #: key: the ledger, not this row, is the record, and erasing an author deletes their posts anyway.
    granted_author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RightsPolicy(db.Model):  # type: ignore[name-defined]
    """A workspace's rules for asking: the approval hashtag, how long to wait, how long a licence lasts."""

    __tablename__ = "rights_policies"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    approval_hashtag: Mapped[str] = mapped_column(String(100))
    request_days: Mapped[int] = mapped_column(Integer, default=14)
    #: Days after the request when the one reminder goes out; None sends no reminder.
    reminder_days: Mapped[int | None] = mapped_column(Integer, nullable=True, default=7)
    #: Length of a licence; None means it runs until revoked.
    licence_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TermsVersion(db.Model):  # type: ignore[name-defined]
    """One version of the terms authors agree to. Its text never changes; once a request pins it
    (``used_at`` set) it can never be deleted either: database triggers refuse both."""

    __tablename__ = "rights_terms"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MessageTemplate(db.Model):  # type: ignore[name-defined]
    """A request, reminder or thank-you text; several per language are rotated, least recently used first."""

    __tablename__ = "rights_templates"
    __table_args__ = (Index("ix_rights_templates_pick", "workspace_id", "purpose", "language", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RightsRequest(db.Model):  # type: ignore[name-defined]
    """One ask for permission (or for its renewal): the exact text, the terms shown, who asked, the outcome."""

    __tablename__ = "rights_requests"
    __table_args__ = (Index("ix_rights_requests_open", "closed_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    #: "permission" or "renewal" (a renewal never hides a post that is still granted).
    purpose: Mapped[str] = mapped_column(String(16), default="permission")
    channel: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("rights_templates.id", ondelete="SET NULL"), nullable=True
    )
    language: Mapped[str] = mapped_column(String(8))
    hashtag: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    terms_version_id: Mapped[int] = mapped_column(ForeignKey("rights_terms.id"))
    #: The short link's code: /t/<short_code> opens the hosted terms page for this request.
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    author_user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    author_handle: Mapped[str] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    request_comment_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: Storage key of a screenshot or contract uploaded as proof (channel manual_proof).
    proof_key: Mapped[str | None] = mapped_column(String(255), nullable=True)


class RightsMessage(db.Model):  # type: ignore[name-defined]
    """The send queue: one outgoing request, reminder or thank-you, sent by the API or posted by a person."""

    __tablename__ = "rights_messages"
    __table_args__ = (
        Index("ix_rights_messages_status", "status", "queued_at"),
        Index("ix_rights_messages_account_sent", "account_key", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("rights_requests.id", ondelete="CASCADE"), nullable=True, index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("rights_templates.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    #: The platform account that sends it; the hourly budget is counted per account.
    account_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    platform_comment_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RightsReply(db.Model):  # type: ignore[name-defined]
    """A reply read under a requested post and how it was judged; makes ``record_reply`` idempotent."""

    __tablename__ = "rights_replies"
    __table_args__ = (UniqueConstraint("request_id", "reply_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("rights_requests.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    reply_id: Mapped[str] = mapped_column(String(255))
    author_user_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    author_handle: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    permalink: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OwnershipCode(db.Model):  # type: ignore[name-defined]
    """A one-time code shown on the terms page that the author posts as a reply to prove the handle is theirs."""

    __tablename__ = "rights_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("rights_requests.id", ondelete="CASCADE"), index=True)
    #: "approve" or "withdraw".
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(400), nullable=True)


class UsedLink(db.Model):  # type: ignore[name-defined]
    """The nonce of every signed link already used: a second use is refused."""

    __tablename__ = "rights_used_links"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentEvent(db.Model):  # type: ignore[name-defined]
    """One event of the consent ledger.

    ``payload`` is canonical JSON; ``payload_hash`` its sha256; ``chain_hash`` links the event to the
    previous one (see ``ugc_hub.rights.rules.ledger``). Ids of posts, authors and requests are plain integers,
    not foreign keys: the ledger outlives the rows it speaks of. Triggers refuse UPDATE and DELETE,
    except the erasure redaction, which sets ``payload`` to NULL and keeps every hash.
    """

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    post_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64), unique=True)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ErasedAuthor(db.Model):  # type: ignore[name-defined]
    """One row per identity key of an erased author (``domain.posts.identity_hashes``); no handle in clear.

    Authors who asked to be forgotten are kept only as hashes, so collectors never bring their posts back.
    """

    __tablename__ = "erased_authors"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
