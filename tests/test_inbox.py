"""The moderation inbox: filters, pagination, actions, audit, escaping and languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.test_ingest import make_post
from ugc_hub.models import AuditEvent, Post, Source, db
from ugc_hub.services.ingest import ingest_posts


def seed(workspace: Any) -> None:
    source = Source(workspace_id=workspace.id, kind="reddit.search", name="Reddit r/hiking")
    db.session.add(source)
    db.session.commit()
    base = datetime(2026, 11, 1, 12, tzinfo=UTC)
    posts = [
        make_post(1, text="Love my #lumen jacket", language="en", posted_at=base),
        make_post(2, text="Livraison en retard #lumen #colis", language="fr", posted_at=base - timedelta(days=3)),
        make_post(3, text='<script>alert("pwned")</script> #xss', language="en", posted_at=base - timedelta(days=10)),
    ]
    ingest_posts(db.session, posts, workspace_id=workspace.id)
    ingest_posts(
        db.session,
        [make_post(4, text="from reddit", platform="reddit", posted_at=base - timedelta(days=1))],
        workspace_id=workspace.id,
        source_id=source.id,
    )


def ids_in(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-post-id="(\d+)"', html)]


def pid(platform_id: str) -> int:
    return db.session.scalar(select(Post.id).where(Post.platform_id == platform_id))


def test_filters(auth: Any, client: Any, workspace: Any) -> None:
    seed(workspace)
    auth.as_role("viewer")
    assert len(ids_in(client.get("/inbox/").text)) == 4
    assert ids_in(client.get("/inbox/?status=&language=fr").text) == [pid("sc2")]
    assert ids_in(client.get("/inbox/?status=&hashtag=%23Colis").text) == [pid("sc2")]
    assert ids_in(client.get("/inbox/?status=&q=retard").text) == [pid("sc2")]
    assert ids_in(client.get("/inbox/?status=&q=jacket love").text) == [pid("sc1")]
    assert ids_in(client.get('/inbox/?status=&q="unbalanced quote').text) == []
    source_id = db.session.scalar(select(Source.id))
    assert ids_in(client.get(f"/inbox/?status=&source={source_id}").text) == [pid("sc4")]
    dated = client.get("/inbox/?status=&date_from=2026-10-25&date_to=2026-10-31").text
    assert ids_in(dated) == [pid("sc4"), pid("sc2")]
    assert ids_in(client.get("/inbox/?status=approved").text) == []


def test_the_nsfw_filter_and_badge(auth: Any, client: Any, workspace: Any) -> None:
    seed(workspace)
    ingest_posts(
        db.session,
        [make_post(5, text="marked adult on reddit", platform="reddit", posted_at=datetime(2026, 11, 2, tzinfo=UTC))],
        workspace_id=workspace.id,
    )
    adult = pid("sc5")
    db.session.get(Post, adult).nsfw = True  # type: ignore[union-attr]
    db.session.commit()
    auth.as_role("viewer")
    everything = client.get("/inbox/").text
    assert len(ids_in(everything)) == 5 and everything.count('class="badge nsfw"') == 1
    assert ids_in(client.get("/inbox/?nsfw=only").text) == [adult]
    assert (
        adult not in ids_in(client.get("/inbox/?nsfw=hide").text)
        and len(ids_in(client.get("/inbox/?nsfw=hide").text)) == 4
    )
    assert 'class="badge nsfw"' in client.get(f"/inbox/posts/{adult}").text
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    french = client.get("/inbox/?nsfw=only").text
    assert "Contenu pour adultes (NSFW)" in french and "uniquement les publications marquées NSFW" in french


def test_hostile_text_is_escaped(auth: Any, client: Any, workspace: Any) -> None:
    seed(workspace)
    auth.as_role("viewer")
    for url in ("/inbox/?status=", f"/inbox/posts/{pid('sc3')}"):
        html = client.get(url).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html
    response = client.get("/inbox/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_pagination_walks_every_post_once(auth: Any, client: Any, workspace: Any, app: Any) -> None:
    app.config["INBOX_PAGE_SIZE"] = 7
    ingest_posts(
        db.session,
        [make_post(n, posted_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n % 5)) for n in range(30)],
        workspace_id=workspace.id,
    )
    auth.as_role("viewer")
    seen: list[int] = []
    url: str | None = "/inbox/?status=new"
    while url:
        html = client.get(url).text
        seen.extend(ids_in(html))
        match = re.search(r'class="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert len(seen) == 30 and len(set(seen)) == 30
    assert client.get("/inbox/?cursor=!!notacursor").status_code == 400


def test_approve_reject_and_bulk_are_audited(auth: Any, client: Any, workspace: Any) -> None:
    seed(workspace)
    user = auth.as_role("moderator")
    token = auth.csrf()
    one = client.post("/inbox/posts/moderate", data={"csrf_token": token, "action": "approved", "post_id": pid("sc1")})
    assert one.status_code == 302
    bulk = client.post(
        "/inbox/posts/moderate", data={"csrf_token": token, "action": "rejected", "post_id": [pid("sc2"), pid("sc3")]}
    )
    assert bulk.status_code == 302
    statuses = dict(db.session.execute(select(Post.platform_id, Post.moderation_status)).all())
    assert statuses == {"sc1": "approved", "sc2": "rejected", "sc3": "rejected", "sc4": "new"}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "post")).all()
    assert [(e.action, e.actor_id, e.before, e.after) for e in events if e.object_id == str(pid("sc1"))] == [
        ("post.approved", user.id, {"moderation_status": "new"}, {"moderation_status": "approved"})
    ]
    assert len(events) == 3
    log = client.get("/audit?action=post.rejected").text
    assert log.count('data-action="post.rejected"') == 2


def test_french_interface_per_user(auth: Any, client: Any, workspace: Any) -> None:
    auth.as_role("viewer")
    assert "Inbox" in client.get("/inbox/").text
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    html = client.get("/inbox/").text
    assert "Boîte de réception" in html
    assert 'lang="fr"' in html


def test_browser_language_is_used_before_choosing(client: Any) -> None:
    html = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    assert "Se connecter" in html


def test_errors_are_pages_for_people_and_json_for_the_api(auth: Any, client: Any) -> None:
    auth.as_role("viewer")
    page = client.get("/inbox/posts/999999")
    assert page.status_code == 404
    assert page.mimetype == "text/html" and "404 · Not Found" in page.text
    api = client.get("/api/v1/posts/1")
    assert api.status_code == 401 and api.mimetype == "application/json"
