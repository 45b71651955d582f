"""Public idea list (sort, filters, search), "my ideas and supports", Open Graph tags, French pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.ideas.helpers import campaign, client_as, customer, published_idea
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea
from ugc_hub.services.supports import cast_support


def titles(html: str) -> list[str]:
    return re.findall(r'<p class="title" dir="auto"><a href="[^"]+">([^<]+)</a>', html)


def test_sort_filter_and_search_the_idea_list(app: Flask, workspace: Any) -> None:
    found = campaign(workspace)
    author = customer("author")
    now = datetime.now(UTC)
    old = published_idea(found, author, title="Old tent", category="Camping", published_at=now - timedelta(days=6))
    new = published_idea(found, author, title="New lamp", category="Light", published_at=now - timedelta(days=1))
    done = published_idea(found, author, title="Expired stove", published_at=now - timedelta(days=30))
    done.status = "expired"
    hidden = Idea(campaign_id=found.id, author_id=author.id, title="Secret draft", status="in_moderation")
    db.session.add(hidden)
    db.session.commit()
    cast_support(db.session, idea_id=new.id, customer_id=customer().id)
    base = f"/ideas/c/{found.slug}"
    client = app.test_client()
    assert titles(client.get(base).text) == ["New lamp", "Expired stove", "Old tent"]  # ties: newest id first
    assert titles(client.get(f"{base}?sort=newest").text) == ["New lamp", "Old tent", "Expired stove"]
    assert titles(client.get(f"{base}?sort=deadline").text) == ["Old tent", "New lamp", "Expired stove"]
    assert titles(client.get(f"{base}?status=open").text) == ["New lamp", "Old tent"]
    assert titles(client.get(f"{base}?status=expired").text) == ["Expired stove"]
    assert titles(client.get(f"{base}?category=Camping").text) == ["Old tent"]
    assert titles(client.get(f"{base}?q=LAMP").text) == ["New lamp"]
    assert titles(client.get(f"{base}?q=%25_").text) == ["New lamp", "Expired stove", "Old tent"]
    assert titles(client.get(f"{base}?status=bogus&sort=bogus").text) == ["New lamp", "Expired stove", "Old tent"]
    assert "Secret draft" not in client.get(base).text
    assert old.id != new.id


def test_my_ideas_and_supports(app: Flask, workspace: Any) -> None:
    found = campaign(workspace)
    me = customer("me")
    mine = published_idea(found, me, title="My lantern")
    theirs = published_idea(found, customer("other"), title="Their stove")
    cast_support(db.session, idea_id=theirs.id, customer_id=me.id)
    page = client_as(app, me).get("/ideas/me").text
    own_part, supported_part = page.split("Ideas I support")
    assert "My lantern" in own_part and "Their stove" in supported_part and "Supported on" in supported_part
    assert "Next milestone: 2" in own_part
    assert mine.id != theirs.id


def test_open_graph_tags_and_french(app: Flask, workspace: Any) -> None:
    found = campaign(workspace)
    idea = published_idea(found, customer("author"), title='Lantern "pro" <b>', description="Folds flat. " * 40)
    page = app.test_client().get(f"/ideas/i/{idea.id}").text
    assert '<meta property="og:title" content="Lantern &#34;pro&#34; &lt;b&gt;">' in page
    assert f'<meta property="og:url" content="http://localhost/ideas/i/{idea.id}">' in page
    assert '<meta property="og:type" content="article">' in page and 'name="twitter:card" content="summary"' in page
    description = re.search(r'<meta property="og:description" content="([^"]*)">', page)[1]
    assert description.startswith("Folds flat.") and len(description) <= 203
    french = app.test_client().get(f"/ideas/i/{idea.id}", headers={"Accept-Language": "fr"}).text
    assert '<html lang="fr">' in french and 'content="fr_FR"' in french
