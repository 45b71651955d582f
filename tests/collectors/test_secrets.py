"""Source credentials at rest: encrypted in the database, plain to the collectors, never shown, rotatable."""

from __future__ import annotations

import io
import json
import pickle
from typing import Any

import pytest
from cryptography.fernet import InvalidToken
from flask import Flask
from sqlalchemy import select, text, update

from ugc_hub.models import AuditEvent, Source, db
from ugc_hub.models.secret_json import ENVELOPE, Keyring
from ugc_hub.services.audit import CLI
from ugc_hub.services.collection import collect_source
from ugc_hub.services.secrets import SecretError, import_instagram_session, read_session_upload, reseal_all
from ugc_hub.services.sources import create_source

CLIENT_SECRET = "s3cr3t-client-value"
PASSWORD = "correct horse battery"
COOKIES = {"sessionid": "abc%3Asession%3Avalue", "csrftoken": "csrf-token-value", "ds_user_id": "42"}


def reddit(**extra: Any) -> dict[str, Any]:
    return {
        "client_id": "id",
        "client_secret": CLIENT_SECRET,
        "user_agent": "python:ugc-hub-tests:0.1 (by /u/acme_brand)",
        "terms": ["#acme"],
        "oauth_url": "http://127.0.0.1:9",
        "reddit_url": "http://127.0.0.1:9",
        "short_url": "http://127.0.0.1:9",
        **extra,
    }


def stored_row(source_id: int) -> dict[str, Any]:
    """The settings as the database holds them, read without the ORM type."""
    db.session.expire_all()
    raw = db.session.execute(text("SELECT settings FROM sources WHERE id = :id"), {"id": source_id}).scalar_one()
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def test_secret_settings_are_encrypted_in_the_database_and_plain_in_python(app: Flask, workspace: Any) -> None:
    source = create_source(
        db.session, workspace_id=workspace.id, kind="reddit.search", name="r",
        settings=reddit(username="acme", password=PASSWORD), actor=CLI,
    )  # fmt: skip
    row = stored_row(source.id)
    assert set(row["client_secret"]) == {ENVELOPE} and set(row["password"]) == {ENVELOPE}
    assert CLIENT_SECRET not in json.dumps(row) and PASSWORD not in json.dumps(row)
    assert row["client_id"] == "id" and row["username"] == "acme"  # only secrets are sealed
    loaded = db.session.get(Source, source.id)
    assert loaded is not None
    assert loaded.settings["client_secret"] == CLIENT_SECRET and loaded.settings["password"] == PASSWORD
    events = db.session.scalars(select(AuditEvent)).all()
    assert all(CLIENT_SECRET not in json.dumps([e.before, e.after]) for e in events)


def test_clear_text_settings_from_before_keep_working_and_are_sealed_by_the_command(app: Flask, workspace: Any) -> None:
    source = create_source(
        db.session, workspace_id=workspace.id, kind="reddit.search", name="r", settings=reddit(), actor=CLI
    )
    legacy = json.dumps(reddit())  # as the hub stored it before encryption existed
    db.session.execute(text("UPDATE sources SET settings = :s WHERE id = :id"), {"s": legacy, "id": source.id})
    db.session.commit()
    assert stored_row(source.id)["client_secret"] == CLIENT_SECRET
    assert db.session.get(Source, source.id).settings["client_secret"] == CLIENT_SECRET  # type: ignore[union-attr]
    result = app.test_cli_runner().invoke(args=["sources", "encrypt-secrets"])
    assert result.exit_code == 0, result.output
    assert "1 source(s) re-encrypted" in result.output
    assert set(stored_row(source.id)["client_secret"]) == {ENVELOPE}
    assert db.session.get(Source, source.id).settings["client_secret"] == CLIENT_SECRET  # type: ignore[union-attr]


def test_every_credential_field_of_the_builtin_collectors_is_sealed() -> None:
    from ugc_hub.models.secret_json import secret_setting_names

    assert secret_setting_names() >= {"client_secret", "password", "session", "graph_access_token", "api_key"}


def test_rotation_old_key_as_fallback_decrypts_and_resealing_moves_to_the_new_key() -> None:
    old = Keyring()
    old.configure(["old instance key"])
    envelope = old.encrypt(CLIENT_SECRET)
    rotated = Keyring()
    rotated.configure(["new instance key", "old instance key"])  # SECRET_KEY + SECRET_KEY_FALLBACKS
    assert rotated.decrypt(envelope) == CLIENT_SECRET
    resealed = rotated.rotate(envelope)
    only_new = Keyring()
    only_new.configure(["new instance key"])
    assert only_new.decrypt(resealed) == CLIENT_SECRET
    with pytest.raises(InvalidToken):
        only_new.decrypt(envelope)


def test_a_secret_no_key_opens_fails_the_run_with_a_clear_message(app: Flask, workspace: Any) -> None:
    source = create_source(
        db.session, workspace_id=workspace.id, kind="reddit.search", name="r", settings=reddit(), actor=CLI
    )
    stranger = Keyring()
    stranger.configure(["a key this instance never had"])
    foreign = {**reddit(), "client_secret": stranger.encrypt(CLIENT_SECRET)}
    db.session.execute(
        update(Source.__table__).where(Source.__table__.c.id == source.id).values(settings=foreign)
    )  # core update with the plain JSON column type: the envelope is written as is
    db.session.commit()
    db.session.expire_all()
    result = collect_source(db.session, source.id)
    assert result.status == "failed"
    assert result.error is not None and "client_secret cannot be decrypted" in result.error
    assert "SECRET_KEY_FALLBACKS" in result.error
    report = reseal_all(db.session)
    assert report.unreadable == {source.id: ["client_secret"]}
    assert set(stored_row(source.id)["client_secret"]) == {ENVELOPE}


def test_session_upload_accepts_json_and_refuses_pickles_and_garbage() -> None:
    assert read_session_upload(json.dumps(COOKIES).encode()) == COOKIES
    assert read_session_upload(b"\xef\xbb\xbf" + json.dumps(COOKIES).encode()) == COOKIES  # BOM from Notepad
    with pytest.raises(SecretError, match="never opens pickles"):
        read_session_upload(pickle.dumps(COOKIES))
    with pytest.raises(SecretError, match="csrftoken"):
        read_session_upload(json.dumps({"sessionid": "x"}).encode())
    with pytest.raises(SecretError, match="not JSON"):
        read_session_upload(b"sessionid=x; csrftoken=y")
    with pytest.raises(SecretError, match="empty"):
        read_session_upload(b"  ")
    with pytest.raises(SecretError, match="larger"):
        read_session_upload(b"{" + b" " * 70_000 + b"}")


def test_importing_a_session_encrypts_it_and_unblocks_a_relogin_source(app: Flask, workspace: Any) -> None:
    source = create_source(
        db.session, workspace_id=workspace.id, kind="instagram.hashtag", name="ig",
        settings={"hashtags": ["acme"], "username": "old", "session": json.dumps(COOKIES)}, actor=CLI,
    )  # fmt: skip
    source.status, source.status_message = "relogin_required", "logged out"
    db.session.commit()
    fresh = {**COOKIES, "sessionid": "fresh-session-id"}
    import_instagram_session(db.session, source, username="@acme_brand", data=json.dumps(fresh).encode(), actor=CLI)
    row = stored_row(source.id)
    assert set(row["session"]) == {ENVELOPE} and "fresh-session-id" not in json.dumps(row)
    loaded = db.session.get(Source, source.id)
    assert loaded is not None and loaded.settings["session"] == fresh and loaded.settings["username"] == "acme_brand"
    assert loaded.status == "active"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "source.session_import")).one()
    assert event.after == {
        "username": "acme_brand",
        "cookies": ["csrftoken", "ds_user_id", "sessionid"],
        "replaced": True,
    }
    reddit_source = create_source(
        db.session, workspace_id=workspace.id, kind="reddit.search", name="r", settings=reddit(), actor=CLI
    )
    with pytest.raises(SecretError, match="no Instagram session"):
        import_instagram_session(db.session, reddit_source, username="x", data=json.dumps(COOKIES).encode(), actor=CLI)


def test_the_session_page_imports_a_file_and_never_shows_it(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("admin")
    source = create_source(
        db.session, workspace_id=workspace.id, kind="instagram.hashtag", name="ig",
        settings={"hashtags": ["acme"], "username": "old", "session": {"sessionid": "old-id", "csrftoken": "old"}},
        actor=CLI,
    )  # fmt: skip
    url = f"/sources/{source.id}/session"
    page = client.get(url).text
    assert "A session is stored" in page and "old-id" not in page
    token = auth.csrf(url)
    refused = client.post(
        url,
        data={"csrf_token": token, "username": "acme", "session_file": (io.BytesIO(pickle.dumps(COOKIES)), "s")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200 and "never opens pickles" in refused.text
    assert db.session.get(Source, source.id).settings["session"]["sessionid"] == "old-id"  # type: ignore[union-attr]
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "username": "acme",
            "session_file": (io.BytesIO(json.dumps(COOKIES).encode()), "s.json"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Source, source.id).settings["session"] == COOKIES  # type: ignore[union-attr]
    for shown in (
        client.get(url).text,
        client.get(f"/sources/{source.id}/edit").text,
        client.get(f"/sources/{source.id}").text,
    ):
        assert COOKIES["sessionid"] not in shown and COOKIES["csrftoken"] not in shown
    assert "Stored encrypted; leave empty to keep it." in client.get(f"/sources/{source.id}/edit").text
