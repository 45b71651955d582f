"""Vote integrity, after UK e-petitions: silent rate limits, hourly burst flags, audited bulk invalidation.

* A support over a rate rule (per IP or per account, burst and sustained) is stored as ``quarantined``
  and the client sees exactly what a counted support shows: an attacker cannot tune a script against it.
  Quarantined supports never count towards a milestone.
* Bulk invalidation marks matching supports ``invalidated`` and recounts the idea. Milestones already
  reached stay reached (they are latched: the author was told, the next window started, supporters were
  locked in); the recount lowers only the progress towards the *next* milestone.
* Each idea publishes the number of supports set aside, by reason, never who or from where.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ScalarSelect, bindparam, func, literal, select

from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Customer, Idea, IntegrityFlag, InvalidationRun, Support
from ugc_hub.services import audit

#: Reasons staff may give to a bulk invalidation; shown publicly, in aggregate.
INVALIDATION_REASONS = ("duplicate_accounts", "automated", "bought", "other")
RULE = re.compile(r"^\s*(ip|account)_(burst|sustained)\s*=\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class RateRule:
    scope: str  # "ip" or "account"
    kind: str  # "burst" or "sustained"
    limit: int
    seconds: int

    @property
    def name(self) -> str:
        return f"{self.scope}_{self.kind}"


DEFAULT_RULES = (
    RateRule("ip", "burst", 20, 60),
    RateRule("ip", "sustained", 200, 3600),
    RateRule("account", "burst", 10, 60),
    RateRule("account", "sustained", 200, 86_400),
)


def parse_rules(text: str | None) -> tuple[RateRule, ...]:
    """``ip_burst=20/60,account_sustained=200/86400``: supports allowed per that many seconds."""
    if not text:
        return DEFAULT_RULES
    rules = []
    for part in text.split(","):
        match = RULE.match(part)
        if not match:
            raise ValueError(f"{part!r}: write e.g. ip_burst=20/60")
        rules.append(RateRule(match[1], match[2], int(match[3]), int(match[4])))
    return tuple(rules)


def recent_support_counts(rules: Sequence[RateRule], *, with_ip: bool) -> tuple[ScalarSelect[int], ...]:
    """One scalar subquery per rule: this account's (or address's) supports since ``:since_<n>``.

    Each count stops at the rule's limit (a LIMIT inside the count), so an address with thousands of recent
    supports costs no more than one at the limit, and each uses its own index ((customer_id, created_at) or
    (ip, created_at)). Parameters: ``rule_customer``, ``rule_ip``, and ``since_<n>`` from ``rule_parameters``.
    Built once per rule set and reused: the statement is a constant, only the parameters change.
    """
    return _recent_support_counts(tuple(rules), with_ip)


@lru_cache(maxsize=32)
def _recent_support_counts(rules: tuple[RateRule, ...], with_ip: bool) -> tuple[ScalarSelect[int], ...]:
    table = Support.__table__
    columns = []
    for n, rule in enumerate(rules):
        if rule.scope == "ip" and not with_ip:
            columns.append(select(literal(0)).scalar_subquery())
            continue
        mine = (
            table.c.customer_id == bindparam("rule_customer")
            if rule.scope == "account"
            else table.c.ip == bindparam("rule_ip")
        )
        capped = (
            select(literal(1)).where(mine, table.c.created_at >= bindparam(f"since_{n}")).limit(rule.limit).subquery()
        )
        columns.append(select(func.count()).select_from(capped).scalar_subquery())
    return tuple(columns)


def rule_parameters(rules: Sequence[RateRule], *, customer_id: int, ip: str | None, now: datetime) -> dict[str, Any]:
    parameters: dict[str, Any] = {"rule_customer": customer_id, "rule_ip": ip}
    for n, rule in enumerate(rules):
        parameters[f"since_{n}"] = now - timedelta(seconds=rule.seconds)
    return parameters


def first_broken(rules: Sequence[RateRule], counts: Sequence[int], *, ip: str | None) -> str | None:
    """The name of the first rule whose count of recent supports has reached its limit."""
    for rule, count in zip(rules, counts, strict=True):
        if rule.scope == "ip" and ip is None:
            continue
        if int(count) >= rule.limit:
            return rule.name
    return None


def rule_broken(
    session: DbSession, rules: Sequence[RateRule], *, customer_id: int, ip: str | None, now: datetime
) -> str | None:
    """The name of the first rule this support would break, counting recent supports in one query."""
    if not rules:
        return None
    columns = recent_support_counts(rules, with_ip=ip is not None)
    counts = session.execute(select(*columns), rule_parameters(rules, customer_id=customer_id, ip=ip, now=now)).one()
    return first_broken(rules, counts, ip=ip)


@dataclass(frozen=True)
class BurstThresholds:
    """Supports per idea in one hour above which staff should look (per idea, per IP, per e-mail domain)."""

    idea: int = 500
    ip: int = 20
    domain: int = 50


def _domain(email_canonical: str) -> str:
    return email_canonical.rpartition("@")[2]


def flag_bursts(
    session: DbSession, *, now: datetime | None = None, thresholds: BurstThresholds = BurstThresholds()
) -> list[IntegrityFlag]:
    """Flag, for the last full hour, ideas, IPs and e-mail domains with more supports than the thresholds.

    Idempotent: a flag is unique per (kind, value, idea, hour), so a re-run adds nothing.
    """
    now = now or utcnow()
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=1)
    rows = session.execute(
        select(Support.idea_id, Support.ip, Customer.email_canonical)
        .join(Customer, Customer.id == Support.customer_id)
        .where(Support.created_at >= start, Support.created_at < end)
    ).all()
    per_idea = Counter(row.idea_id for row in rows)
    per_ip = Counter((row.idea_id, row.ip) for row in rows if row.ip)
    per_domain = Counter((row.idea_id, _domain(row.email_canonical)) for row in rows)
    found: list[tuple[str, str, int, int]] = [
        ("idea", str(idea_id), idea_id, n) for idea_id, n in per_idea.items() if n > thresholds.idea
    ]
    found += [("ip", ip, idea_id, n) for (idea_id, ip), n in per_ip.items() if n > thresholds.ip]
    found += [("domain", d, idea_id, n) for (idea_id, d), n in per_domain.items() if n > thresholds.domain]
    flags = []
    for kind, value, idea_id, count in found:
        exists = session.scalar(
            select(IntegrityFlag.id).where(
                IntegrityFlag.kind == kind,
                IntegrityFlag.value == value,
                IntegrityFlag.idea_id == idea_id,
                IntegrityFlag.window_start == start,
            )
        )
        if exists is None:
            flag = IntegrityFlag(kind=kind, value=value, idea_id=idea_id, window_start=start, supports=count)
            session.add(flag)
            flags.append(flag)
    session.commit()
    return flags


def open_flags(session: DbSession) -> Sequence[IntegrityFlag]:
    return session.scalars(
        select(IntegrityFlag).where(IntegrityFlag.status == "open").order_by(IntegrityFlag.id.desc()).limit(200)
    ).all()


class InvalidationError(ValueError):
    pass


def invalidate_supports(
    session: DbSession,
    *,
    idea_id: int,
    reason: str,
    actor: audit.Actor,
    ip: str | None = None,
    domain: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    note: str = "",
    flag_id: int | None = None,
) -> InvalidationRun:
    """Invalidate the idea's supports matching every given condition, recount, audit; then commit.

    Reached milestones are not undone (see the module docstring).
    """
    if reason not in INVALIDATION_REASONS:
        raise InvalidationError(f"reason must be one of {', '.join(INVALIDATION_REASONS)}")
    if ip is None and domain is None and since is None and until is None:
        raise InvalidationError("give at least one condition (IP, e-mail domain or time range)")
    idea = session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )
    if idea is None:
        raise InvalidationError("no such idea")
    query = select(Support).where(Support.idea_id == idea_id, Support.state.in_(("counted", "quarantined")))
    if ip is not None:
        query = query.where(Support.ip == ip)
    if since is not None:
        query = query.where(Support.created_at >= since)
    if until is not None:
        query = query.where(Support.created_at < until)
    if domain is not None:
        query = query.join(Customer, Customer.id == Support.customer_id).where(
            Customer.email_canonical.like("%@" + domain.lower().strip())
        )
    matched = session.scalars(query).all()
    for support in matched:
        support.state = "invalidated"
        support.reason = reason
    session.flush()
    before = idea.supporters
    idea.supporters = (
        session.scalar(
            select(func.count()).select_from(Support).where(Support.idea_id == idea_id, Support.state == "counted")
        )
        or 0
    )
    conditions: dict[str, Any] = {
        "ip": ip,
        "domain": domain,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    if flag_id is not None:
        flag = session.get(IntegrityFlag, flag_id)
        if flag is not None:
            flag.status = "invalidated"
    run = record_invalidation(
        session,
        action="supports.invalidate",
        idea_id=idea_id,
        invalidated=len(matched),
        conditions=conditions,
        reason=reason,
        note=note,
        actor=actor,
        supporters=(before, idea.supporters),
    )
    session.commit()
    return run


def record_invalidation(
    session: DbSession,
    *,
    action: str,
    idea_id: int,
    invalidated: int,
    conditions: dict[str, Any],
    reason: str,
    note: str,
    actor: audit.Actor,
    supporters: tuple[int, int],
) -> InvalidationRun:
    """Write the invalidation run (public in aggregate) and its audit event; ``supporters`` is (before, after)."""
    run = InvalidationRun(
        idea_id=idea_id,
        conditions=conditions,
        reason=reason,
        note=note.strip()[:2000],
        invalidated=invalidated,
        actor_label=actor.label,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="idea",
        object_id=idea_id,
        before={"supporters": supporters[0]},
        after={"supporters": supporters[1], "invalidated": invalidated, "run": run.id, **conditions},
    )
    return run


def dismiss_flag(session: DbSession, *, flag_id: int, actor: audit.Actor) -> None:
    flag = session.get(IntegrityFlag, flag_id)
    if flag is None:
        return
    flag.status = "dismissed"
    audit.record(session, actor=actor, action="integrity_flag.dismiss", object_type="integrity_flag", object_id=flag_id)
    session.commit()


def transparency(session: DbSession, idea_id: int) -> dict[str, int]:
    """Supports set aside on this idea, by reason: ``quarantined`` (rate rules, in total) and each
    invalidation reason. Aggregates only: nothing about who or from where."""
    rows = session.execute(
        select(Support.state, Support.reason, func.count())
        .where(Support.idea_id == idea_id, Support.state != "counted")
        .group_by(Support.state, Support.reason)
    ).all()
    report: Counter[str] = Counter()
    for state, reason, count in rows:
        report["quarantined" if state == "quarantined" else (reason or "other")] += int(count)
    return dict(report)
