"""Recognise Instagram's "log in again" answers that come with a success or redirect status.

A checkpointed or logged-out session is not always answered with 400 ``checkpoint_required`` or a
redirect to ``/accounts/login/``, which instaloader knows. Instagram also answers a JSON query with

- a 302 to ``/challenge/?next=…`` (instaloader follows it, then fails to read the challenge page),
- a 200 ``{"status": "fail", "message": "login_required"}``,
- a 200 HTML login page,

all of which instaloader takes for a connection problem and retries; the collector would then call
them ``TransientError`` and the task would try eight more times. Retrying a checkpointed account is
what gets it locked, so ``CheckpointAwareContext`` checks every answer to a JSON query before
instaloader's retry loop sees it and raises ``ReloginRequired`` at the first one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from instaloader.instaloadercontext import InstaloaderContext

from collectors.errors import ReloginRequired

#: ``message`` values of a ``"status": "fail"`` body that mean the session no longer works.
LOGIN_MESSAGES = frozenset({"login_required", "checkpoint_required", "challenge_required"})
# Small enough to parse twice; the answers we look for are a few hundred bytes.
_MAX_FAIL_BODY = 64 * 1024
_LOGIN_PAGE = re.compile(
    rb"""id=["']loginForm["']|action=["'][^"']*/accounts/login|<title>\s*(?:Login|Log in)\b""", re.IGNORECASE
)


def checkpoint_problem(response: requests.Response) -> ReloginRequired | None:
    """Return the error a JSON query's answer stands for when it asks for a new login, else ``None``."""
    if response.is_redirect:
        # A redirect to /accounts/login/ is left to instaloader, which knows whether we were logged in.
        location = response.headers.get("location", "")
        if urlsplit(location).path.startswith("/challenge"):
            return _checkpoint(f"redirected to {location[:200]}")
        return None
    if response.status_code != 200:
        return None
    content_type = response.headers.get("Content-Type", "").lower()
    body = response.content
    if "json" in content_type and len(body) <= _MAX_FAIL_BODY and b'"fail"' in body:
        try:
            payload = response.json()
        except ValueError:
            return None
        if isinstance(payload, dict) and payload.get("status") == "fail" and payload.get("message") in LOGIN_MESSAGES:
            message = str(payload["message"])
            if message == "login_required":
                return ReloginRequired(f"Instagram logged the session out; re-import it ({message})")
            return _checkpoint(message)
    if content_type.startswith("text/html") and _LOGIN_PAGE.search(body[:_MAX_FAIL_BODY]):
        return ReloginRequired("Instagram logged the session out; re-import it (it answered with its login page)")
    return None


def _checkpoint(detail: str) -> ReloginRequired:
    return ReloginRequired(
        "Instagram asks the account to pass a security checkpoint; log in in a browser, then re-import the "
        f"session ({detail})"
    )


class CheckpointAwareContext(InstaloaderContext):
    """Instaloader's context, stopping at a checkpoint answer instead of retrying it.

    ``_raise_if_fatal_status`` is the hook instaloader 4.16 calls on each answer to ``get_json``
    (every iPhone, GraphQL and web JSON query) before it follows redirects, reads JSON or retries.
    """

    def _raise_if_fatal_status(self, resp: requests.Response, host: str, path: str) -> None:
        problem = checkpoint_problem(resp)
        if problem is not None:
            raise problem
        super()._raise_if_fatal_status(resp, host, path)
