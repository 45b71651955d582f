"""A fake Trustpilot Business Units API on 127.0.0.1: one business unit's reviews, newest first.

``GET /v1/business-units/{id}/reviews?orderBy=createdat.desc&perPage=&page=`` with an ``apikey`` header
answers ``{"reviews": [...], "links": [{"href", "method", "rel": "next-page"}]}`` in Trustpilot's shape.
A wrong key is a 401; unknown business units a 404. Faults: ``429`` (Retry-After), ``500``, ``truncated``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import Fault, JsonServer, RecordedRequest, Response
from ugc_hub.netguard import allowing_private_addresses


def review(n: int, *, at: float, stars: int = 4, text: str | None = None) -> dict[str, Any]:
    """One review as the API returns it."""
    return {
        "id": f"6750{n:020x}",
        "consumer": {"id": f"5a1b{n:020x}", "displayName": f"Reviewer {n}", "displayLocation": "Lyon",
                     "numberOfReviews": 3},
        "businessUnit": {"id": "4f1a2b3c4d5e6f7a8b9c0d1e", "identifyingName": "acme.example", "displayName": "Acme"},
        "stars": stars,
        "title": f"Review {n}",
        "text": text if text is not None else f"The tent held up in the rain, night {n}.",
        "language": "en",
        "createdAt": datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "updatedAt": None,
        "isVerified": n % 2 == 0,
        "numberOfLikes": n % 3,
        "status": "active",
        "companyReply": None,
        "links": [{"href": f"https://api.trustpilot.com/v1/reviews/6750{n:020x}", "method": "GET", "rel": "reviews"}],
    }  # fmt: skip


@dataclass
class FakeTrustpilot:
    business_unit_id: str = "4f1a2b3c4d5e6f7a8b9c0d1e"
    api_key: str = "tp-key-123"
    reviews: list[dict[str, Any]] = field(default_factory=list)  # newest first

    def __post_init__(self) -> None:
        self._http = JsonServer(self.handle)

    def __enter__(self) -> FakeTrustpilot:
        self._http.start()
        # The fake listens on 127.0.0.1, which the hub's address guard refuses outside tests.
        self._loopback = allowing_private_addresses()
        self._loopback.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.__exit__(None, None, None)
        self._http.stop()

    @property
    def url(self) -> str:
        return f"{self._http.url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._http.requests

    def add_fault(self, kind: str, **kwargs: Any) -> Fault:
        fault = Fault(kind, **kwargs)
        self._http.add_fault(fault)
        return fault

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"business_unit_id": self.business_unit_id, "api_key": self.api_key, "base_url": self.url, **extra}

    def handle(self, request: RecordedRequest) -> Response:
        if request.headers.get("apikey") != self.api_key:
            return 401, {}, {"fault": {"faultstring": "Invalid ApiKey", "detail": {"errorcode": "InvalidApiKey"}}}
        if request.path != f"/v1/business-units/{self.business_unit_id}/reviews":
            return 404, {}, {"message": "Not found"}
        per_page = int(request.query.get("perPage") or 20)
        page = int(request.query.get("page") or 1)
        chunk = self.reviews[(page - 1) * per_page : page * per_page]
        links = []
        if page * per_page < len(self.reviews):
            links.append({"href": f"{self.url}/business-units/{self.business_unit_id}/reviews?page={page + 1}"
                                  f"&perPage={per_page}", "method": "GET", "rel": "next-page"})  # fmt: skip
        return 200, {}, {"reviews": chunk, "links": links}


def sample_business(count: int = 12) -> FakeTrustpilot:
    now = time.time()
    return FakeTrustpilot(reviews=[review(n, at=now - 3600 * (n + 1), stars=1 + n % 5) for n in range(count)])
