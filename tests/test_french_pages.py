"""Every area of the staff UI speaks French when the user picks it (the catalogue is compiled by scripts/install)."""

from __future__ import annotations

from typing import Any

import pytest

PAGES = [
    ("/rights/", ["Droits", "Hashtag, modèles et conditions", "À envoyer"]),
    ("/staff/galleries/", ["Galeries", "Nouvelle galerie"]),
    ("/staff/contests/", ["Concours", "Nouveau concours"]),
    ("/nps/", ["Net Promoter Score (NPS)", "Par semaine"]),
    ("/staff/ideas/integrity", ["Intégrité"]),
    ("/staff/ideas/quarantine", ["Soutiens mis en quarantaine"]),
    ("/insights/", ["Boîte de réception", "Points de friction"]),
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_staff_pages_of_every_area_are_in_french(auth: Any, client: Any, workspace: Any) -> None:
    auth.as_role("admin")
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    for url, phrases in PAGES:
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        assert 'lang="fr"' in page.text, url
        for phrase in phrases:
            assert phrase in page.text, (url, phrase)
