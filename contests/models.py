"""Contests: settings, versioned rules, entries, logged exclusions, draws and recurring draws.

Entries point at a ``Post`` (collected, or created from an upload) so that public pages show them
only through the publication gate. A draw keeps its certificate as the JSON text verifiers read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow

CONTEST_STATUSES = ("draft", "open", "closed", "frozen", "drawn")
SELECTIONS = ("draw", "jury", "vote", "mix")
ROUND_KINDS = ("yes_no", "rating", "ranking")
ENTRY_STATUSES = ("pending_rights", "eligible", "excluded")
ENTRY_CHANNELS = ("hashtag", "upload")


class Contest(db.Model):  # type: ignore[name-defined]
    """One contest; its settings are frozen once it opens (rules change only by a new version)."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The brand's IANA time zone: start and end are typed and shown in it, stored in UTC.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Required hashtags, all of them, normalised (lower-case, no '#').
    hashtags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: [{"name", "label", "pattern"}]: read from the caption by pattern, or typed on the upload form.
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    exclude_staff: Mapped[bool] = mapped_column(Boolean, default=True)
    entries_per_person: Mapped[int] = mapped_column(Integer, default=1)
    prizes: Mapped[str] = mapped_column(Text, default="")
    winners: Mapped[int] = mapped_column(Integer, default=1)
    alternates: Mapped[int] = mapped_column(Integer, default=0)
    uploads_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Entries count only once their post's rights are granted; recurring prize draws (nothing shown) turn it off.
    rights_required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The public randomness round named in advance (e.g. "drand-quicknet", 1234); None = no beacon.
    beacon_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    beacon_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The language winners are written to when their own is unknown ("en", "fr"); None = the brand's first.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: How winners are chosen: "draw" (verifiable), "jury", "vote" or "mix" (weights in the rules).
    selection: Mapped[str] = mapped_column(String(8), default="draw")
    #: For "mix": the jury's share in percent; the public vote has the rest.
    jury_weight: Mapped[int] = mapped_column(Integer, default=50)
    #: Days a notified winner has to accept through their signed link before the next alternate replaces them.
    answer_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    #: Public vote: totals are hidden during the last hours before voting closes (None = always shown).
    hide_totals_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Judged or voted result, published: {"method", "weights", "ranking": [...], "winners", "alternates"}.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    recurring_id: Mapped[int | None] = mapped_column(
        ForeignKey("contest_recurring.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ContestRules(db.Model):  # type: ignore[name-defined]
    """One version of a contest's official rules; never edited, a change is a new dated version."""

    __tablename__ = "contest_rules"
    __table_args__ = (UniqueConstraint("contest_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255), default="")


class ContestEntry(db.Model):  # type: ignore[name-defined]
    """An accepted entry; ``uid`` is the opaque id the draw uses (never a database id or a handle)."""

    __tablename__ = "contest_entries"
    __table_args__ = (
        UniqueConstraint("contest_id", "post_id"),
        Index("ix_contest_entries_person", "contest_id", "person_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    #: Who the entrant is, as far as the hub can tell: "email:<canonical>" or "<platform>:<platform key>".
    person_key: Mapped[str] = mapped_column(String(400))
    fields: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    #: The entrant's language when the hub knows it (the upload form's page language); winners are written in it.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending_rights")
    rules_version_id: Mapped[int | None] = mapped_column(ForeignKey("contest_rules.id"), nullable=True)
    #: Upload form: when the rules were accepted, from where (IP, user agent).
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acceptance: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestExclusion(db.Model):  # type: ignore[name-defined]
    """Why a post or an entry was left out; ``subject`` ("post:12", "entry:<uid>") makes scans idempotent."""

    __tablename__ = "contest_exclusions"
    __table_args__ = (UniqueConstraint("contest_id", "subject", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(100))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestDraw(db.Model):  # type: ignore[name-defined]
    """The verifiable draw of a contest. ``seed_hex`` stays secret until the reveal; ``freeze_anchor``
    is the head published at entry close."""

    __tablename__ = "contest_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), unique=True)
    draw_uid: Mapped[str] = mapped_column(String(128), unique=True)
    certificate: Mapped[str] = mapped_column(Text)
    seed_hex: Mapped[str] = mapped_column(String(64))
    freeze_anchor: Mapped[str] = mapped_column(String(64))
    head: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When the beacon round named at the freeze is published (sources with a clock); the draw waits for it.
    beacon_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RecurringDraw(db.Model):  # type: ignore[name-defined]
    """A draw repeated every month among the people who posted with a hashtag that month."""

    __tablename__ = "contest_recurring"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    hashtag: Mapped[str] = mapped_column(String(160))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    winners: Mapped[int] = mapped_column(Integer, default=1)
    alternates: Mapped[int] = mapped_column(Integer, default=0)
    rules: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The last month drawn, "YYYY-MM" in the brand's time zone.
    last_period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestVote(db.Model):  # type: ignore[name-defined]
    """A public vote: one per verified customer per entry, held by the unique constraint."""

    __tablename__ = "contest_votes"
    __table_args__ = (UniqueConstraint("entry_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The voter's address (for the rate rules); quarantined and invalidated votes never count.
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quarantine_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


WINNER_STATUSES = ("awaiting", "accepted", "declined", "lapsed")
WINNER_CHANNELS = ("email", "reply", "manual")


class ContestWinner(db.Model):  # type: ignore[name-defined]
    """A winner told of their prize, and their answer; ``nonce`` makes their signed link single use."""

    __tablename__ = "contest_winners"
    __table_args__ = (UniqueConstraint("contest_id", "entry_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("contest_entries.id", ondelete="SET NULL"), nullable=True)
    entry_uid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    #: The message as sent (or to send by hand, for "manual"): it holds the answer link.
    message: Mapped[str] = mapped_column(Text, default="")
    #: Why the hub could not reach them itself ("manual"), or what failed.
    note: Mapped[str] = mapped_column(String(400), default="")
    rights_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("rights_messages.id", ondelete="SET NULL"), nullable=True
    )
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="awaiting")
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replaced_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ContestJuror(db.Model):  # type: ignore[name-defined]
    """A staff member on a contest's jury."""

    __tablename__ = "contest_jurors"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestConflict(db.Model):  # type: ignore[name-defined]
    """A juror's declared conflict of interest with one entry: they are never assigned it, nor may score it."""

    __tablename__ = "contest_conflicts"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JuryRound(db.Model):  # type: ignore[name-defined]
    """One jury round; ``seed_hex`` (published) lets anyone recompute who was assigned which entry."""

    __tablename__ = "contest_jury_rounds"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    jurors_per_entry: Mapped[int] = mapped_column(Integer)
    #: Rating rounds: [{"name", "weight"}]; the weights are published with the rules.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: How many entries go on to the next round (rating rounds); yes/no rounds keep the majority-yes ones.
    advance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seed_hex: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JuryAssignment(db.Model):  # type: ignore[name-defined]
    """An entry given to a juror in a round; ``score`` is their judgement once given."""

    __tablename__ = "contest_jury_assignments"
    __table_args__ = (UniqueConstraint("round_id", "entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_jury_rounds.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
