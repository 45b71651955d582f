"""The public gate: the domain rule and its SQL twin agree on every combination of facts, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from tests.test_ingest import make_post
from ugc_hub.domain.publication import PublicationFacts, may_show
from ugc_hub.models import MODERATION_STATUSES, RIGHTS_STATES, Post, PostRights, db
from ugc_hub.services import publication
from ugc_hub.services.ingest import ingest_posts

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Instants around NOW, including NOW itself, so both edges of the licence window are exercised.
instants = st.sampled_from([None, *(NOW + timedelta(seconds=s) for s in (-86400, -1, 0, 1, 86400))])
facts = st.builds(
    PublicationFacts,
    moderation_status=st.sampled_from(MODERATION_STATUSES),
    has_author=st.booleans(),
    rights_state=st.sampled_from([None, *RIGHTS_STATES]),
    licence_start=instants,
    licence_end=instants,
    granted_by_author=st.booleans(),
    removed_on_platform=st.booleans(),
    nsfw=st.booleans(),
)


def test_the_rule_shows_only_an_approved_credited_post_inside_its_granted_window() -> None:
    shown = PublicationFacts("approved", True, "granted", NOW - timedelta(days=1), None, True)
    assert may_show(shown, NOW)
    assert not may_show(PublicationFacts("new", True, "granted", NOW - timedelta(days=1), None, True), NOW)
    assert not may_show(PublicationFacts("approved", False, "granted", NOW - timedelta(days=1), None, True), NOW)
    assert not may_show(PublicationFacts("approved", True, "revoked", NOW - timedelta(days=1), None, True), NOW)
    assert not may_show(PublicationFacts("approved", True, "granted", NOW + timedelta(seconds=1), None, True), NOW)
    assert not may_show(PublicationFacts("approved", True, "granted", NOW - timedelta(days=1), NOW, True), NOW)
    assert not may_show(PublicationFacts("approved", True, None, None, None, True), NOW)
    # Re-collected under another account than the one that granted.
    assert not may_show(PublicationFacts("approved", True, "granted", NOW - timedelta(days=1), None, False), NOW)
    assert not may_show(PublicationFacts("approved", True, "author_changed", NOW - timedelta(days=1), None, True), NOW)
    # Removed on its platform.
    assert not may_show(PublicationFacts("approved", True, "granted", NOW - timedelta(days=1), None, True, True), NOW)


def test_a_post_marked_adult_is_shown_only_where_a_gallery_opted_in() -> None:
    adult = PublicationFacts("approved", True, "granted", NOW - timedelta(days=1), None, True, nsfw=True)
    assert not may_show(adult, NOW)
    assert may_show(adult, NOW, allow_nsfw=True)
    assert not may_show(
        PublicationFacts("new", True, "granted", NOW - timedelta(days=1), None, True, nsfw=True), NOW, allow_nsfw=True
    )


def test_sql_gate_agrees_with_the_rule(workspace: Any) -> None:
    ingest_posts(db.session, [make_post(n) for n in range(8)], workspace_id=workspace.id)
    post_ids = [p.id for p in db.session.query(Post).order_by(Post.id)]
    authors = {p.id: p.author_id for p in db.session.query(Post)}

    # Random facts rarely line up every other condition, so each single refusal is also tried on a post
    # that would otherwise be shown.
    shown = PublicationFacts("approved", True, "granted", NOW - timedelta(days=1), None, True)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(facts, min_size=len(post_ids), max_size=len(post_ids)), st.booleans())
    @example([replace(shown, removed_on_platform=n % 2 == 0) for n in range(len(post_ids))], False)
    @example([replace(shown, granted_by_author=n % 2 == 0) for n in range(len(post_ids))], False)
    @example([replace(shown, nsfw=n % 2 == 0) for n in range(len(post_ids))], False)
    def agree(all_facts: list[PublicationFacts], allow_nsfw: bool) -> None:
        db.session.execute(delete(PostRights))
        for post_id, f in zip(post_ids, all_facts, strict=True):
            post = db.session.get(Post, post_id)
            assert post is not None
            post.moderation_status = f.moderation_status
            post.author_id = authors[post_id] if f.has_author else None
            post.removed_on_platform_at = NOW - timedelta(hours=1) if f.removed_on_platform else None
            post.nsfw = f.nsfw
            if f.rights_state is not None:
                # Not granted by this post's author: another account of the batch granted it.
                other = next(a for a in authors.values() if a != authors[post_id])
                db.session.add(
                    PostRights(
                        post_id=post_id,
                        state=f.rights_state,
                        licence_start=f.licence_start,
                        licence_end=f.licence_end,
                        granted_author_id=authors[post_id] if f.granted_by_author else other,
                    )
                )
        db.session.commit()
        expected = {pid for pid, f in zip(post_ids, all_facts, strict=True) if may_show(f, NOW, allow_nsfw=allow_nsfw)}
        listed = {
            p.id for p in publication.public_posts(db.session, NOW, workspace_id=workspace.id, allow_nsfw=allow_nsfw)
        }
        assert listed == expected
        assert {
            pid for pid in post_ids if publication.is_shown(db.session, pid, NOW, allow_nsfw=allow_nsfw)
        } == expected

    agree()


def test_public_records_carry_the_author_credit(workspace: Any) -> None:
    ingest_posts(db.session, [make_post(1)], workspace_id=workspace.id)
    post = db.session.query(Post).one()
    post.moderation_status = "approved"
    db.session.add(
        PostRights(
            post_id=post.id, state="granted", licence_start=NOW - timedelta(days=1), granted_author_id=post.author_id
        )
    )
    db.session.commit()
    [shown] = publication.public_posts(db.session, NOW)
    assert shown.credit == "@user1"
    assert shown.permalink == "https://www.instagram.com/p/sc1/"
    assert publication.public_posts(db.session, NOW - timedelta(days=2)) == []


def test_moderation_announces_the_posts_whose_visibility_may_change(workspace: Any) -> None:
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.moderation import moderate

    ingest_posts(db.session, [make_post(n) for n in range(3)], workspace_id=workspace.id)
    ids = sorted(p.id for p in db.session.query(Post))
    heard: list[list[int]] = []

    def listener(sender: object, post_ids: list[int]) -> None:
        heard.append(sorted(post_ids))

    with publication.visibility_changed.connected_to(listener):
        moderate(db.session, post_ids=ids[:2], status="approved", actor=CLI)
        moderate(db.session, post_ids=ids[:2], status="approved", actor=CLI)
    assert heard == [ids[:2]]


def test_the_sql_gate_hides_a_post_marked_adult_unless_the_surface_opted_in(workspace: Any) -> None:
    ingest_posts(db.session, [make_post(n) for n in range(2)], workspace_id=workspace.id)
    adult, ordinary = db.session.query(Post).order_by(Post.id).all()
    for post in (adult, ordinary):
        post.moderation_status = "approved"
        db.session.add(
            PostRights(
                post_id=post.id,
                state="granted",
                licence_start=NOW - timedelta(days=1),
                granted_author_id=post.author_id,
            )
        )
    adult.nsfw = True
    db.session.commit()
    assert [p.id for p in publication.public_posts(db.session, NOW)] == [ordinary.id]
    assert not publication.is_shown(db.session, adult.id, NOW)
    assert {p.id for p in publication.public_posts(db.session, NOW, allow_nsfw=True)} == {adult.id, ordinary.id}
    assert publication.is_shown(db.session, adult.id, NOW, allow_nsfw=True)
