"""Graph sources through the runner and the health page: the hashtag budget is shared per account."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.fakes.instagram_graph_media import sample_account
from ugc_hub.models import Post, Source, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.collection import RetryLater, collect_source
from ugc_hub.services.sources import create_source, source_health


def test_two_sources_of_one_account_share_its_budget_and_the_page_says_so(
    client: Any, auth: Any, workspace: Any
) -> None:
    auth.as_role("viewer")
    with sample_account() as fake:
        fake.token_expires_at = time.time() + 2 * 86400 + 600
        first = create_source(
            db.session, workspace_id=workspace.id, kind="instagram_graph.hashtag", name="graph acme",
            settings=fake.settings(hashtags=["acme"]), actor=CLI,
        )  # fmt: skip
        second = create_source(
            db.session, workspace_id=workspace.id, kind="instagram_graph.hashtag", name="graph camp",
            settings=fake.settings(hashtags=["acmecamp"], hashtag_budget="1"), actor=CLI,
        )  # fmt: skip
        assert collect_source(db.session, first.id).status == "succeeded"
        assert db.session.scalar(select(func.count()).select_from(Post)) == 9  # 7 recent + 2 top
        with pytest.raises(RetryLater) as later:
            collect_source(db.session, second.id)
        assert later.value.result.status == "rate_limited"
        assert [r.query["q"] for r in fake.requests if r.path.endswith("ig_hashtag_search")] == ["acme"]
    db.session.expire_all()
    refused = db.session.get(Source, second.id)
    assert refused is not None and refused.status == "rate_limited"
    assert "weekly hashtag budget" in (refused.status_message or "")
    notes = {n.code: n for n in source_health(db.session, refused).notes}
    assert notes["hashtag_budget"].params == {"used": 1, "limit": 1}
    assert notes["token_expires_soon"].params["days"] == 2
    page = client.get(f"/sources/{second.id}").text
    assert "Hashtags queried by this account in the last 7 days: 1 of 1." in page
    assert "#acmecamp was not queried" in page and "renew it now" in page
    assert fake.token not in page
    listing = client.get("/sources/").text
    assert "#acmecamp was not queried" in listing and "1 of 1" in listing  # warnings and errors only
    assert "1 of 1" in listing and "Graph API token valid until" not in listing
