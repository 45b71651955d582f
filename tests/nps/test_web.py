"""NPS pages through the Flask client on SQLite and PostgreSQL: staff pages, personal links, the embed, import."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_from
from ugc_hub.models import NpsResponse, NpsSurvey, db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def no_script_or_inline_style(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert " style=" not in html and "<style" not in html


def create_survey(client: Any, title: str = "Autumn NPS") -> NpsSurvey:
    page = client.get("/nps/")
    response = client.post(
        "/nps/surveys",
        data={"title": title, "question": "Would you recommend Lumen?", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    return db.session.scalars(select(NpsSurvey).order_by(NpsSurvey.id.desc()).limit(1)).one()


def test_a_customer_answers_once_by_personal_link_and_edits_the_comment_until_closed(
    app: Flask, auth: Any, client: Any, workspace: Any
) -> None:
    auth.as_role("moderator")
    survey = create_survey(client, title=HOSTILE)
    page = client.get(f"/nps/surveys/{survey.id}")
    assert ESCAPED in page.text
    # The iframe snippet staff copy is itself HTML: the title is escaped in it, and again on this page.
    assert 'title="&amp;lt;script&amp;gt;alert(&amp;#34;x&amp;#34;)' in page.text
    no_script_or_inline_style(page.text)
    invited = client.post(
        f"/nps/surveys/{survey.id}/invite",
        data={"respondents": f"ana@example.com\n{HOSTILE}", "csrf_token": csrf_from(page.text)},
    )
    no_script_or_inline_style(invited.text)
    links = re.findall(r'<code class="invitation-link">http://localhost(/survey/r/[^<]+)</code>', invited.text)
    assert len(links) == 2

    customer = app.test_client()
    form = customer.get(links[0])
    assert form.status_code == 200 and form.text.count('type="radio" name="score"') == 11
    assert "<script" not in form.text  # works without JavaScript
    assert customer.post(links[0], data={"comment": "no score"}).status_code == 200  # error shown, nothing stored
    assert db.session.scalar(select(NpsResponse)) is None
    answered = customer.post(links[0], data={"score": "4", "comment": HOSTILE}, follow_redirects=True)
    assert "Your score: 4 out of 10." in answered.text and ESCAPED in answered.text
    no_script_or_inline_style(answered.text)
    # A second score is not possible: the form now only edits the comment.
    customer.post(links[0], data={"score": "10", "comment": "Le colis est arrivé en retard"})
    response = db.session.scalars(select(NpsResponse)).one()
    db.session.refresh(response)
    assert (response.score, response.comment) == (4, "Le colis est arrivé en retard")

    dashboard = client.get("/nps/")
    assert "Le colis est arrivé en retard" in dashboard.text and f'id="response-{response.id}"' in dashboard.text
    assert "<svg" in dashboard.text
    no_script_or_inline_style(dashboard.text)
    client.post(f"/nps/surveys/{survey.id}/close", data={"csrf_token": csrf_from(dashboard.text)})
    closed = customer.get(links[0])
    assert "can no longer be changed" in closed.text and 'name="comment"' not in closed.text
    assert customer.get("/survey/r/forged-token").status_code == 404


def test_the_embedded_question_may_be_framed_has_no_script_and_works_as_a_plain_form(
    app: Flask, auth: Any, client: Any, workspace: Any
) -> None:
    auth.as_role("moderator")
    survey = create_survey(client)
    visitor = app.test_client()
    page = visitor.get(f"/survey/e/{survey.slug}")
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert "X-Frame-Options" not in page.headers
    assert "<script" not in page.text and "csrf_token" not in page.text
    assert page.text.count('type="radio" name="score"') == 11
    missing = visitor.post(f"/survey/e/{survey.slug}", data={"comment": HOSTILE})
    assert missing.status_code == 422 and "Choose a score from 0 to 10." in missing.text and ESCAPED in missing.text
    sent = visitor.post(f"/survey/e/{survey.slug}", data={"score": "9", "comment": "great"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/survey/e/{survey.slug}/thanks")
    assert "Thank you" in visitor.get(sent.headers["Location"]).text
    assert db.session.scalars(select(NpsResponse)).one().channel == "embed"
    # Staff pages still refuse framing.
    assert client.get("/nps/").headers["X-Frame-Options"] == "DENY"
    assert visitor.get("/survey/e/unknown").status_code == 404


def test_the_import_page_reports_bad_lines_and_duplicates(app: Flask, auth: Any, client: Any, workspace: Any) -> None:
    auth.as_role("moderator")
    page = client.get("/nps/import")
    data = f'score,responded_at,comment\n10,2026-11-02,"{HOSTILE.replace(chr(34), chr(34) * 2)}"\n12,2026-11-02,\n10,2026-11-02,"{HOSTILE.replace(chr(34), chr(34) * 2)}"\n'
    result = client.post(
        "/nps/import",
        data={
            "file": (io.BytesIO(data.encode()), "answers.csv"),
            "source": "Typeform",
            "csrf_token": csrf_from(page.text),
        },
        content_type="multipart/form-data",
    )
    assert "1 answer imported." in result.text
    assert "score must be from 0 to 10, not 12" in result.text and "same answer as line 2" in result.text
    assert db.session.scalars(select(NpsResponse)).one().comment == HOSTILE
    bad = client.post(
        "/nps/import",
        data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv"), "csrf_token": csrf_from(page.text)},
        content_type="multipart/form-data",
    )
    assert "missing column(s): score, responded_at" in bad.text
    auth.client.post("/logout", data={"csrf_token": csrf_from(page.text)})


def test_viewers_see_but_cannot_change(app: Flask, auth: Any, client: Any, workspace: Any) -> None:
    auth.as_role("viewer")
    assert client.get("/nps/").status_code == 200
    token = csrf_from(client.get("/nps/").text)
    assert client.post("/nps/surveys", data={"title": "t", "question": "q", "csrf_token": token}).status_code == 403
    assert client.get("/nps/import").status_code == 403


def test_french_pages(app: Flask, auth: Any, client: Any, workspace: Any) -> None:
    auth.as_role("moderator")
    survey = create_survey(client)
    page = app.test_client().get(f"/survey/e/{survey.slug}", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in page.text


def test_a_fresh_install_without_workspace_explains_instead_of_failing(app: Flask, auth: Any, client: Any) -> None:
    auth.as_role("admin")
    missing = client.get("/nps/")
    assert missing.status_code == 404 and "Create a workspace first." in missing.text
    assert client.get("/insights/").status_code == 200
    assert client.get("/insights/settings").status_code == 302
