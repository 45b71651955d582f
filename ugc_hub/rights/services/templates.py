"""What a workspace says when it asks: its approval hashtag and waiting times, versioned terms, and
request / reminder / thank-you templates rotated least recently used first."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select

from ugc_hub.models import MessageTemplate, RightsPolicy, TermsVersion, Workspace
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.rights.models import TEMPLATE_PURPOSES
from ugc_hub.rights.rules.ledger import sha256_text
from ugc_hub.services import audit

PLACEHOLDERS = ("author", "hashtag", "terms_link", "brand", "link")
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
# The approval hashtag: letters and digits of any script, no spaces or punctuation (no "#Yes Brand").
_HASHTAG = re.compile(r"^#\w{2,99}$")
MAX_TEMPLATE = 1000


class RightsSetupError(ValueError):
    """A template, terms version or policy that cannot be saved or used; the message is for the person."""


class TermsInUse(RightsSetupError):
    """A terms version that a request or grant pinned: it is kept for ever."""


def render(body: str, values: Mapping[str, str]) -> str:
    """Fill ``{author}``-style placeholders; only the known names, never attribute access."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def check_template(body: str) -> None:
    unknown = sorted({m for m in _PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})
    if unknown:
        raise RightsSetupError(f"unknown placeholder(s): {', '.join('{' + u + '}' for u in unknown)}")
    if not body.strip():
        raise RightsSetupError("a template needs some text")
    if len(body) > MAX_TEMPLATE:
        raise RightsSetupError(f"a template holds at most {MAX_TEMPLATE} characters")


def default_hashtag(workspace: Workspace) -> str:
    letters = re.sub(r"\W", "", workspace.name.title()) or "Brand"
    return f"#Yes{letters}"[:100]


def policy_for(session: DbSession, workspace_id: int) -> RightsPolicy:
    """The workspace's policy, created with defaults (``#Yes<Brand>``, 14 days, reminder at 7) the first time."""
    policy = session.get(RightsPolicy, workspace_id)
    if policy is None:
        workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            raise RightsSetupError(f"no workspace {workspace_id}")
        policy = RightsPolicy(
            workspace_id=workspace_id, approval_hashtag=default_hashtag(workspace), request_days=14, reminder_days=7
        )
        session.add(policy)
        session.flush()
    return policy


def update_policy(
    session: DbSession,
    *,
    workspace_id: int,
    approval_hashtag: str,
    request_days: int,
    reminder_days: int | None,
    licence_days: int | None,
    actor: audit.Actor,
) -> RightsPolicy:
    hashtag = approval_hashtag.strip()
    if not hashtag.startswith("#"):
        hashtag = "#" + hashtag
    if not _HASHTAG.match(hashtag):
        raise RightsSetupError("the approval hashtag is # followed by 2 to 99 letters or digits, without spaces")
    if request_days < 1 or (reminder_days is not None and not 0 < reminder_days < request_days):
        raise RightsSetupError("requests last at least a day, and the reminder comes before they expire")
    if licence_days is not None and licence_days < 1:
        raise RightsSetupError("a licence lasts at least a day (leave it empty for no end)")
    policy = policy_for(session, workspace_id)
    before = {"hashtag": policy.approval_hashtag, "request_days": policy.request_days}
    policy.approval_hashtag, policy.request_days = hashtag, request_days
    policy.reminder_days, policy.licence_days, policy.updated_at = reminder_days, licence_days, utcnow()
    audit.record(
        session,
        actor=actor,
        action="rights.policy",
        object_type="workspace",
        object_id=workspace_id,
        before=before,
        after={"hashtag": hashtag, "request_days": request_days, "licence_days": licence_days},
    )
    session.commit()
    return policy


def publish_terms(
    session: DbSession, *, workspace_id: int, title: str, body: str, language: str, actor: audit.Actor
) -> TermsVersion:
    """Add a new terms version; requests made from now on pin it."""
    if not title.strip() or not body.strip():
        raise RightsSetupError("terms need a title and a text")
    last = session.scalar(select(func.max(TermsVersion.version)).where(TermsVersion.workspace_id == workspace_id))
    terms = TermsVersion(
        workspace_id=workspace_id,
        version=(last or 0) + 1,
        language=language[:8],
        title=title.strip()[:200],
        body=body,
        body_hash=sha256_text(body),
        created_by=actor.label[:255],
    )
    session.add(terms)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="rights.terms_publish",
        object_type="terms",
        object_id=terms.id,
        after={"version": terms.version, "body_hash": terms.body_hash},
    )
    session.commit()
    return terms


def current_terms(session: DbSession, workspace_id: int) -> TermsVersion | None:
    return session.scalar(
        select(TermsVersion).where(TermsVersion.workspace_id == workspace_id).order_by(TermsVersion.version.desc())
    )


def delete_terms(session: DbSession, *, terms_id: int, actor: audit.Actor) -> None:
    """Delete a terms version nobody was ever asked under; a pinned version raises ``TermsInUse``.

    The database refuses it too (trigger), so no other code path can lose the text a grant points to.
    """
    terms = session.get(TermsVersion, terms_id)
    if terms is None:
        raise RightsSetupError(f"no terms version {terms_id}")
    if terms.used_at is not None:
        raise TermsInUse(
            f"terms version {terms.version} was shown to authors on {terms.used_at:%Y-%m-%d}; it is kept for ever "
            "as evidence. Publish a new version instead."
        )
    audit.record(
        session,
        actor=actor,
        action="rights.terms_delete",
        object_type="terms",
        object_id=terms.id,
        before={"version": terms.version, "body_hash": terms.body_hash},
    )
    session.delete(terms)
    session.commit()


def pin_terms(terms: TermsVersion, now: datetime) -> None:
    if terms.used_at is None:
        terms.used_at = now


def add_template(
    session: DbSession, *, workspace_id: int, purpose: str, language: str, name: str, body: str, actor: audit.Actor
) -> MessageTemplate:
    if purpose not in TEMPLATE_PURPOSES:
        raise RightsSetupError(f"purpose must be one of {', '.join(TEMPLATE_PURPOSES)}")
    check_template(body)
    template = MessageTemplate(
        workspace_id=workspace_id,
        purpose=purpose,
        language=(language or "en")[:8],
        name=(name.strip() or f"{purpose} {language}")[:200],
        body=body.strip(),
        active=True,
        use_count=0,
    )
    session.add(template)
    session.flush()
    audit.record(session, actor=actor, action="rights.template_add", object_type="template", object_id=template.id)
    session.commit()
    return template


def set_template_active(session: DbSession, *, template_id: int, active: bool, actor: audit.Actor) -> None:
    template = session.get(MessageTemplate, template_id)
    if template is None:
        raise RightsSetupError(f"no template {template_id}")
    template.active = active
    audit.record(
        session,
        actor=actor,
        action="rights.template_" + ("enable" if active else "disable"),
        object_type="template",
        object_id=template_id,
    )
    session.commit()


def next_template(
    session: DbSession, *, workspace_id: int, purpose: str, language: str, template_id: int | None = None
) -> MessageTemplate:
    """The chosen template, or the least recently used active one in that language (else any language).

    Rotating keeps identical comments from piling up, which gets brand accounts flagged as spam.
    """
    if template_id is not None:
        chosen = session.get(MessageTemplate, template_id)
        if chosen is None or chosen.workspace_id != workspace_id or chosen.purpose != purpose or not chosen.active:
            raise RightsSetupError("that template cannot be used here")
        return chosen
    base = select(MessageTemplate).where(
        MessageTemplate.workspace_id == workspace_id, MessageTemplate.purpose == purpose, MessageTemplate.active
    )
    order = (MessageTemplate.last_used_at.is_not(None), MessageTemplate.last_used_at, MessageTemplate.id)
    template = session.scalar(base.where(MessageTemplate.language == language).order_by(*order).limit(1))
    template = template or session.scalar(base.order_by(*order).limit(1))
    if template is None:
        raise RightsSetupError(f"add an active {purpose} template first")
    return template


def mark_used(template: MessageTemplate, now: datetime) -> None:
    template.last_used_at = now
    template.use_count = (template.use_count or 0) + 1
