"""The consent ledger in the database: append-only by trigger, verified by `ugc-hub rights verify`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from tests.rights.support import ADMIN, HASHTAG, NOW, add_post, ask, prepare, reply_to
from ugc_hub.models import db
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services.consent_ledger import evidence_document, verify_ledger


@pytest.fixture
def ledger(workspace: Any) -> list[int]:
    """A real ledger: two posts asked, one granted by reply then revoked, one declined."""
    prepare(workspace.id)
    first, second = add_post(workspace.id, 1), add_post(workspace.id, 2)
    one, two = ask(first.id), ask(second.id)
    rights.record_reply(db.session, one.id, reply_to(one, f"yes {HASHTAG}"), now=NOW + timedelta(hours=1))
    rights.decide(db.session, request_id=two.id, grant=False, actor=ADMIN, now=NOW + timedelta(hours=2))
    rights.revoke(db.session, post_id=first.id, actor=ADMIN, now=NOW + timedelta(days=2))
    return [first.id, second.id]


def _tamper(sql: str, **params: Any) -> None:
    """Edit the ledger as an attacker with the database owner's rights would: without the trigger."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE consent_events DISABLE TRIGGER consent_events_no_change"))
    else:
        db.session.execute(text("DROP TRIGGER consent_events_no_update"))
    db.session.execute(text(sql), params)
    db.session.commit()


def test_a_real_ledger_verifies(ledger: list[int], runner: Any) -> None:
    result = verify_ledger(db.session)
    assert result.ok and result.events == 5
    out = runner.invoke(args=["rights", "verify"])
    assert out.exit_code == 0, out.output
    assert "ledger OK: 5 events" in out.output


def test_the_database_refuses_edits_and_deletions(ledger: list[int]) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE consent_events SET payload = '{}' WHERE seq = 2"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM consent_events WHERE seq = 5"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE consent_events SET payload = NULL, kind = 'x' WHERE seq = 2"))
    db.session.rollback()
    assert verify_ledger(db.session).ok


def test_an_edit_made_in_the_database_is_detected_and_named(ledger: list[int], runner: Any) -> None:
    _tamper("UPDATE consent_events SET payload = replace(payload, 'yes #YesLumen', 'no') WHERE seq = 3")
    result = verify_ledger(db.session)
    assert result.problem is not None and result.problem.seq == 3
    out = runner.invoke(args=["rights", "verify"])
    assert out.exit_code == 1
    assert "ledger BROKEN at event 3: payload does not match its hash" in out.output


def test_a_recomputed_payload_hash_breaks_the_chain(ledger: list[int]) -> None:
    import hashlib

    _tamper("UPDATE consent_events SET kind = 'declined' WHERE seq = 3")
    problem = verify_ledger(db.session).problem
    assert problem is not None and problem.seq == 3 and "chain hash" in problem.reason
    forged = '{"kind":"granted"}'
    db.session.execute(
        text("UPDATE consent_events SET payload = :p, payload_hash = :h WHERE seq = 2"),
        {"p": forged, "h": hashlib.sha256(forged.encode()).hexdigest()},
    )
    db.session.commit()
    problem = verify_ledger(db.session).problem
    assert problem is not None and problem.seq == 2


def test_a_deleted_event_is_detected(ledger: list[int]) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE consent_events DISABLE TRIGGER consent_events_no_change"))
    else:
        db.session.execute(text("DROP TRIGGER consent_events_no_delete"))
    db.session.execute(text("DELETE FROM consent_events WHERE seq = 4"))
    db.session.commit()
    problem = verify_ledger(db.session).problem
    assert problem is not None and problem.seq == 5 and "sequence gap" in problem.reason


def test_evidence_export_per_post_and_per_author(ledger: list[int], runner: Any) -> None:
    document = evidence_document(db.session, post_ids=[ledger[0]])
    assert document["ledger"]["verified"] is True
    assert [e["kind"] for e in document["events"]] == ["requested", "granted", "revoked"]
    assert all(e["payload_matches_hash"] for e in document["events"])
    assert document["events"][1]["payload"]["evidence"]["reply"]["text"] == f"yes {HASHTAG}"
    author_id = document["events"][0]["author_id"]
    by_author = evidence_document(db.session, author_id=author_id)
    assert {e["post_id"] for e in by_author["events"]} == {ledger[0]}
    out = runner.invoke(args=["rights", "export", "--post", str(ledger[1])])
    assert out.exit_code == 0, out.output
    assert [e["kind"] for e in json.loads(out.output)["events"]] == ["requested", "declined"]


def test_concurrent_appends_keep_one_chain(app: Any) -> None:
    """Two workers appending at once never fork the chain: PostgreSQL serialises them (advisory lock);
    on SQLite the loser fails (locked database or taken ``seq``) and its transaction is retried whole."""
    import threading

    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm import Session

    from ugc_hub.rights.services import consent_ledger

    engine = db.engine
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        with Session(engine) as session:
            for i in range(10):
                for _attempt in range(50):
                    try:
                        consent_ledger.append(session, kind="note", payload={"worker": name, "i": i}, at=NOW)
                        session.commit()
                        break
                    except (OperationalError, IntegrityError):  # SQLite: locked, or the other took this seq
                        session.rollback()
                else:
                    errors.append(RuntimeError(f"{name} could not append"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify_ledger(db.session)
    assert result.ok and result.events == 20
