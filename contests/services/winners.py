"""Winners told of their prize, their answer through a signed link, and alternates when they do not answer.

A winner is reached by e-mail when the hub knows a verified address (upload entries), else by a reply
under their post through the rights workflow's send queue when the platform can post one, else they are
listed for staff to contact by hand with the same message. Each message holds a signed, single-use link
(itsdangerous; its nonce is the winner row's) to accept or decline within the contest's ``answer_days``.
Declining, or no answer by the deadline (``replace_lapsed``, run by Celery beat), promotes the next
alternate in the published order: on the draw's certificate for draws, in the published result otherwise.

Messages are written in the winner's language as far as the hub knows it: the language of the page
they entered through (upload form), else their post's language, else the contest's, else the brand's
first language, else the hub's default. Each language has its text in
``contests/templates/contests/mail/winner.<language>.txt`` (first line: the subject).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from contests.models import Contest, ContestEntry, ContestWinner
from contests.services import draws
from contests.services.contests import ContestError, get_contest
from ugc_hub.models import Post
from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import Customer
from ugc_hub.models.workspace import Workspace
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.services import audit
from ugc_hub.services.mail import MailError, MailSettings, send_mail

LINK_SALT = "ugc-hub.contests.prize"
WINNER_PURPOSE = "contest_win"
#: Reasons written on the certificate or the result: public, so they name no one.
DECLINED_REASON = "the winner declined the prize"
LAPSED_REASON = "no answer within {days} days"
MAIL_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "contests" / "mail"
DEADLINE_FORMATS = {"en": "%Y-%m-%d %H:%M", "fr": "%d/%m/%Y %H:%M"}


class PrizeLinkRefused(Exception):
    """A prize link that cannot be used; ``reason`` is tampered, expired, used or replaced."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Notifier:
    """How to reach winners: mail settings, the secret that signs links, and the link's public address."""

    mail: MailSettings
    secret: str
    link_for: Callable[[str], str]
    channel_lookup: rights_queue.ChannelLookup = rights_queue.default_channel_lookup
    #: The languages the hub writes in (app config LANGUAGES) and the last resort (BABEL_DEFAULT_LOCALE).
    languages: Sequence[str] = ("en", "fr")
    default_language: str = "en"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=LINK_SALT)


def make_token(secret: str, winner: ContestWinner) -> str:
    return str(_serializer(secret).dumps({"w": winner.id, "n": winner.nonce}))


def places(session: DbSession, contest: Contest) -> tuple[list[str], list[str]]:
    """The current winners and remaining alternates, in the published order."""
    if contest.result is not None:
        return list(contest.result.get("winners", [])), list(contest.result.get("alternates", []))
    draw = draws.draw_of(session, contest.id)
    if draw is None:
        return [], []
    status = draws.status_of(draw)
    return list(status.winners), list(status.alternates)


def substitutions(session: DbSession, contest: Contest) -> list[dict[str, str]]:
    """Every replacement made, for the public results page: entry ids and the reason, no personal data."""
    if contest.result is not None:
        return [dict(row) for row in contest.result.get("substitutions", [])]
    draw = draws.draw_of(session, contest.id)
    if draw is None:
        return []
    return [
        {"replaced": body["replaced"], "by": body["promoted"], "reason": body["reason"]}
        for body in draws.substitution_bodies(draw)
    ]


def winners_of(session: DbSession, contest_id: int) -> list[ContestWinner]:
    return list(
        session.scalars(select(ContestWinner).where(ContestWinner.contest_id == contest_id).order_by(ContestWinner.id))
    )


def _base_language(tag: str | None) -> str:
    return (tag or "").replace("_", "-").split("-")[0].strip().lower()


def winner_language(session: DbSession, contest: Contest, entry: ContestEntry | None, notifier: Notifier) -> str:
    """The language to write to a winner in: theirs if known, else the contest's, else the brand's."""
    post = session.get(Post, entry.post_id) if entry is not None and entry.post_id else None
    workspace = session.get(Workspace, contest.workspace_id)
    candidates = [
        entry.language if entry is not None else None,
        post.language if post is not None else None,
        contest.language,
        *(workspace.languages if workspace is not None else []),
    ]
    for candidate in candidates:
        language = _base_language(candidate)
        if language in notifier.languages and (MAIL_TEMPLATES / f"winner.{language}.txt").is_file():
            return language
    return notifier.default_language


def winner_message(contest: Contest, link: str, deadline: datetime, language: str) -> tuple[str, str]:
    """The subject and the body of the prize message in one language (English when it has no text)."""
    path = MAIL_TEMPLATES / f"winner.{language}.txt"
    if not path.is_file():
        language, path = "en", MAIL_TEMPLATES / "winner.en.txt"
    title = " ".join(contest.title.split())
    stamp = deadline.strftime(DEADLINE_FORMATS.get(language, DEADLINE_FORMATS["en"]))
    text = path.read_text(encoding="utf-8").format(title=title, deadline=stamp, link=link)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def _verified_email(session: DbSession, entry: ContestEntry) -> str | None:
    customer = session.get(Customer, entry.customer_id) if entry.customer_id else None
    if customer is None or customer.verified_at is None:
        return None
    return customer.email


def _deliver(
    session: DbSession,
    contest: Contest,
    entry: ContestEntry | None,
    row: ContestWinner,
    notifier: Notifier,
    now: datetime,
    subject: str,
) -> None:
    email = _verified_email(session, entry) if entry else None
    if email:
        try:
            send_mail(session, notifier.mail, to=email, subject=subject, body=row.message)
            row.channel = "email"
            return
        except MailError as exc:
            row.note = f"e-mail failed: {exc}"[:400]
    post = session.get(Post, entry.post_id) if entry and entry.post_id else None
    channel = notifier.channel_lookup(post.platform) if post is not None and entry and not entry.customer_id else None
    if post is not None and channel is not None and channel.can_send:
        message = rights_queue.queue(
            session, post=post, purpose=WINNER_PURPOSE, channel="api_reply", text=row.message, now=now
        )
        row.channel, row.rights_message_id = "reply", message.id
        return
    row.channel = "manual"
    row.note = row.note or "no address the hub can write to: contact them by hand with this message"


def _notify_one(
    session: DbSession, contest: Contest, uid: str, notifier: Notifier, actor: audit.Actor, now: datetime
) -> ContestWinner:
    entry = session.scalar(select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.uid == uid))
    deadline = now + timedelta(days=contest.answer_days)
    row = ContestWinner(
        contest_id=contest.id,
        entry_id=entry.id if entry else None,
        entry_uid=uid,
        channel="manual",
        nonce=secrets.token_urlsafe(24),
        status="awaiting",
        notified_at=now,
        answer_by=deadline,
        note="",
        message="",
    )
    session.add(row)
    session.flush()
    language = winner_language(session, contest, entry, notifier)
    subject, row.message = winner_message(
        contest, notifier.link_for(make_token(notifier.secret, row)), deadline, language
    )
    _deliver(session, contest, entry, row, notifier, now, subject)
    audit.record(
        session,
        actor=actor,
        action="contest.winner_notified",
        object_type="contest",
        object_id=contest.id,
        after={"entry": uid, "channel": row.channel, "answer_by": deadline.isoformat(), "language": language},
    )
    return row


def notify_winners(
    session: DbSession, *, contest_id: int, notifier: Notifier, actor: audit.Actor, now: datetime
) -> list[ContestWinner]:
    """Tell every current winner not told yet (idempotent); returns the newly notified."""
    contest = get_contest(session, contest_id)
    winners, _ = places(session, contest)
    if not winners:
        raise ContestError(_l("there are no winners to notify yet"))
    known = {row.entry_uid for row in winners_of(session, contest.id)}
    notified = [_notify_one(session, contest, uid, notifier, actor, now) for uid in winners if uid not in known]
    session.commit()
    return notified


def _replace_in_result(contest: Contest, uid: str, reason: str, now: datetime) -> str | None:
    result = dict(contest.result or {})
    winners, alternates = list(result.get("winners", [])), list(result.get("alternates", []))
    if uid not in winners or not alternates:
        return None
    promoted = alternates.pop(0)
    winners[winners.index(uid)] = promoted
    history = list(result.get("substitutions", []))
    history.append({"replaced": uid, "by": promoted, "reason": reason, "at": now.isoformat()})
    result.update(winners=winners, alternates=alternates, substitutions=history)
    contest.result = result
    return promoted


def _replace(
    session: DbSession,
    contest: Contest,
    row: ContestWinner,
    reason: str,
    notifier: Notifier,
    actor: audit.Actor,
    now: datetime,
) -> str | None:
    """Promote the next alternate in the published order and notify them; None when none is left."""
    promoted: str | None
    if contest.result is not None:
        promoted = _replace_in_result(contest, row.entry_uid, reason, now)
    else:
        before = set(places(session, contest)[0])
        try:
            draws.substitute(
                session, contest_id=contest.id, winner_uid=row.entry_uid, reason=reason, actor=actor, now=now
            )
        except ContestError:
            promoted = None
        else:
            promoted = next((uid for uid in places(session, contest)[0] if uid not in before), None)
    row.replaced_by = promoted
    audit.record(
        session,
        actor=actor,
        action="contest.winner_replaced" if promoted else "contest.winner_unreplaced",
        object_type="contest",
        object_id=contest.id,
        after={"replaced": row.entry_uid, "by": promoted, "reason": reason},
    )
    if promoted is not None:
        _notify_one(session, contest, promoted, notifier, actor, now)
    return promoted


def replace_lapsed(session: DbSession, *, now: datetime, notifier: Notifier) -> list[ContestWinner]:
    """Beat task: every winner whose deadline passed without an answer gives way to the next alternate."""
    lapsed: list[ContestWinner] = []
    due = session.scalars(
        select(ContestWinner.id).where(ContestWinner.status == "awaiting", ContestWinner.answer_by <= now)
    ).all()
    for winner_id in due:
        # Claim the row, so that a second worker or a late click cannot act on it too.
        claimed = session.execute(
            update(ContestWinner)
            .where(ContestWinner.id == winner_id, ContestWinner.status == "awaiting")
            .values(status="lapsed")
            .execution_options(synchronize_session=False)
        )
        if not getattr(claimed, "rowcount", 0):
            session.rollback()
            continue
        row = session.get(ContestWinner, winner_id)
        assert row is not None
        session.refresh(row)
        contest = get_contest(session, row.contest_id)
        reason = LAPSED_REASON.format(days=contest.answer_days)
        _replace(session, contest, row, reason, notifier, audit.SYSTEM, now)
        session.commit()
        lapsed.append(row)
    return lapsed


def read_link(session: DbSession, secret: str, token: str, *, now: datetime) -> ContestWinner:
    """The winner a genuine link speaks of, while it may still be answered."""
    try:
        data = _serializer(secret).loads(token, max_age=91 * 86400)
    except SignatureExpired as exc:
        raise PrizeLinkRefused("expired") from exc
    except BadSignature as exc:
        raise PrizeLinkRefused("tampered") from exc
    if not isinstance(data, dict) or not isinstance(data.get("w"), int) or not isinstance(data.get("n"), str):
        raise PrizeLinkRefused("tampered")
    row = session.get(ContestWinner, data["w"], populate_existing=True)
    if row is None or not secrets.compare_digest(row.nonce, data["n"]):
        raise PrizeLinkRefused("tampered")
    if row.status in ("accepted", "declined"):
        raise PrizeLinkRefused("used")
    if row.status == "lapsed":
        raise PrizeLinkRefused("replaced")
    if row.answer_by <= now:
        raise PrizeLinkRefused("expired")
    return row


def answer(
    session: DbSession, *, secret: str, token: str, accept: bool, notifier: Notifier, ip: str | None, now: datetime
) -> ContestWinner:
    """The winner accepts or declines (the link is then used up); declining promotes the next alternate."""
    row = read_link(session, secret, token, now=now)
    status = "accepted" if accept else "declined"
    claimed = session.execute(
        update(ContestWinner)
        .where(ContestWinner.id == row.id, ContestWinner.status == "awaiting")
        .values(status=status, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        session.rollback()
        raise PrizeLinkRefused("used")
    session.refresh(row)
    actor = audit.Actor(type="public", label=f"winner {row.entry_uid}")
    contest = get_contest(session, row.contest_id)
    audit.record(
        session,
        actor=actor,
        action=f"contest.winner_{status}",
        object_type="contest",
        object_id=contest.id,
        after={"entry": row.entry_uid, "ip": (ip or "")[:64] or None},
    )
    if not accept:
        _replace(session, contest, row, DECLINED_REASON, notifier, actor, now)
    session.commit()
    return row
