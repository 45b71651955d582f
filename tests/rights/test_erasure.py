"""Erasure: an author's posts, media files, handles and replies go; the ledger keeps hashes and verifies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.rights.support import ADMIN, HASHTAG, NOW, add_post, announcements, ask, prepare, reply_to
from ugc_hub.models import (
    AuditEvent,
    Author,
    ConsentEvent,
    MediaAsset,
    Post,
    PostHashtag,
    PostRights,
    RightsReply,
    RightsRequest,
    db,
)
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services.consent_ledger import verify_ledger
from ugc_hub.rights.services.erasure import erase_author
from ugc_hub.services import publication
from ugc_hub.services.storage import LocalStorage


def stored_asset(storage: LocalStorage, post_id: int, name: str) -> MediaAsset:
    storage.put(f"media/{name}.jpg", b"jpeg bytes " + name.encode())
    storage.put(f"thumbnails/{name}.jpg", b"thumb " + name.encode())
    asset = MediaAsset(
        post_id=post_id,
        url=f"https://cdn.example.com/{name}-{post_id}.jpg",
        url_hash=f"{name}-{post_id}",
        status="stored",
        storage_key=f"media/{name}.jpg",
        thumbnail_key=f"thumbnails/{name}.jpg",
        attempts=1,
    )
    db.session.add(asset)
    db.session.commit()
    return asset


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_erasing_an_author_removes_everything_of_theirs(app: Flask, workspace: Any, tmp_path: Path) -> None:
    prepare(workspace.id)
    storage = LocalStorage(tmp_path / "storage")
    mine, also_mine = add_post(workspace.id, 1), add_post(workspace.id, 8)  # both by user1
    other = add_post(workspace.id, 2)
    author_id = mine.author_id
    assert author_id is not None and also_mine.author_id == author_id and other.author_id != author_id
    stored_asset(storage, mine.id, "own")
    stored_asset(storage, mine.id, "shared")
    stored_asset(storage, other.id, "shared")  # the same bytes stored once, used by another author's post
    request = ask(mine.id)
    rights.record_reply(db.session, request.id, reply_to(request, f"ok {HASHTAG}"), now=NOW + timedelta(hours=1))
    theirs = ask(other.id)
    # user1 answers under someone else's post: a bystander reply, erased with them.
    bystander = reply_to(theirs, "nice photo", reply_id="b1", user_id=request.author_user_id, handle="user1")
    rights.record_reply(db.session, theirs.id, bystander, now=NOW + timedelta(hours=1))
    assert publication.is_shown(db.session, mine.id, NOW + timedelta(hours=2))
    events_before = count(ConsentEvent)
    mine_id, also_mine_id, other_id = mine.id, also_mine.id, other.id

    with announcements() as seen:
        report = erase_author(
            db.session, author_id=author_id, storage=storage, actor=ADMIN, now=NOW + timedelta(days=1)
        )

    assert sorted(report.post_ids) == sorted([mine_id, also_mine_id]) and sorted(seen.post_ids) == sorted(
        report.post_ids
    )
    db.session.expire_all()
    assert db.session.get(Author, author_id) is None
    assert db.session.scalar(select(Post).where(Post.author_id == author_id)) is None
    assert db.session.get(Post, mine_id) is None and db.session.get(Post, other_id) is not None
    for model in (MediaAsset, PostHashtag, PostRights, RightsRequest):
        column = model.post_id
        assert db.session.scalar(select(func.count()).where(column.in_(report.post_ids))) == 0
    assert (
        db.session.scalar(select(func.count()).select_from(RightsReply).where(RightsReply.author_handle == "user1"))
        == 0
    )
    assert not storage.exists("media/own.jpg") and not storage.exists("thumbnails/own.jpg")
    assert storage.exists("media/shared.jpg") and storage.exists("thumbnails/shared.jpg")
    assert report.files_deleted == 2
    assert not publication.is_shown(db.session, mine_id, NOW + timedelta(days=2))

    assert count(ConsentEvent) == events_before + 1
    for event in db.session.scalars(select(ConsentEvent).where(ConsentEvent.author_id == author_id)):
        assert event.payload is None or event.kind == "erased"
        assert "user1" not in (event.payload or "")
    check = verify_ledger(db.session)
    assert check.ok and check.redacted == report.events_redacted >= 2
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rights.erase"))
    assert audit is not None and audit.after == {"posts": 2, "files": 2, "events_redacted": report.events_redacted}


def test_the_cli_erases_and_says_what_it_did(app: Flask, workspace: Any, runner: Any) -> None:
    prepare(workspace.id)
    post = add_post(workspace.id, 3)
    ask(post.id)
    author_id = post.author_id
    out = runner.invoke(args=["rights", "erase", "--author", str(author_id), "--yes"])
    assert out.exit_code == 0, out.output
    assert f"erased author {author_id}: 1 posts, 0 files, 1 ledger payloads redacted" in out.output
    again = runner.invoke(args=["rights", "erase", "--author", str(author_id), "--yes"])
    assert again.exit_code == 1 and "already erased" in again.output
    verified = runner.invoke(args=["rights", "verify"])
    assert verified.exit_code == 0 and "1 redacted by erasure" in verified.output


def test_an_erased_author_is_never_collected_again(app: Flask, workspace: Any, tmp_path: Path) -> None:
    from tests.test_ingest import make_post
    from ugc_hub.domain.posts import NormalizedAuthor
    from ugc_hub.models import ErasedAuthor
    from ugc_hub.services.ingest import ingest_posts

    mine = add_post(workspace.id, 1)  # user1, account id 1001
    erase_author(
        db.session, author_id=mine.author_id, storage=LocalStorage(tmp_path), actor=ADMIN, now=NOW + timedelta(days=1)
    )
    assert all("user1" not in row.key_hash for row in db.session.scalars(select(ErasedAuthor)))

    again = make_post(1)  # the same post, collected again
    new_post_same_account = make_post(50, author=NormalizedAuthor(handle="user1_renamed", platform_user_id="1001"))
    handle_only = make_post(51, author=NormalizedAuthor(handle="@User1"))  # a source that gives no account id
    other_account_same_handle = make_post(52, author=NormalizedAuthor(handle="user1", platform_user_id="9999"))
    result = ingest_posts(
        db.session,
        [again, new_post_same_account, handle_only, other_account_same_handle],
        workspace_id=workspace.id,
    )
    assert (result.new, result.rejected) == (1, 3)
    assert [(r.index, r.reason) for r in result.rejections] == [
        (i, "the author asked to be forgotten") for i in range(3)
    ]
    assert db.session.scalars(select(Post.platform_id)).all() == ["sc52"]
