"""Build an ``Instaloader`` for a source and turn instaloader failures into collector errors.

Imported only when an Instagram run starts. The loader never sleeps: ``sleep=False`` drops the
random pause before each request, and ``RaisingRateController.sleep`` raises ``RateLimited``
where instaloader would wait (its request budget per 11/30-minute window, or up to 30 minutes
after a 429), so a Celery worker retries later instead of blocking. ``fatal_status_codes``
makes 401 ("Please wait a few minutes") and 403 abort at once rather than being retried, which
Instagram punishes; so do the checkpoint answers with a 200 or 302 status that
``CheckpointAwareContext`` recognises.

Sessions are cookie dicts (``sessionid``, ``csrftoken``, ``ds_user_id``...), loaded with
``Instaloader.load_session``; an uploaded pickle is never read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import instaloader
from instaloader.exceptions import (
    AbortDownloadException,
    ConnectionException,
    InstaloaderException,
    LoginException,
    LoginRequiredException,
    ProfileNotExistsException,
    QueryReturnedNotFoundException,
    TooManyRequestsException,
)

from collectors.errors import CollectorError, ConfigurationError, RateLimited, ReloginRequired, TransientError
from collectors.instagram.checkpoint import CheckpointAwareContext

# A 401 "Please wait a few minutes" lasts hours in practice (instaloader issues #2426, #2501).
DEFAULT_WAIT_BACKOFF = 3 * 3600.0
# After a 429 or "feedback_required", back off for the length of instaloader's longest window.
DEFAULT_THROTTLE_BACKOFF = 1800.0
_STATUS_RE = re.compile(r'responded with "(\d{3})')


class RaisingRateController(instaloader.RateController):
    """Instaloader's rate controller, raising ``RateLimited`` where it would sleep."""

    def sleep(self, secs: float) -> None:
        """Raise instead of waiting ``secs`` seconds."""
        raise RateLimited(secs, f"Instagram request budget used up; instaloader would wait {secs:.0f} s")


def parse_session(raw: Any) -> dict[str, str]:
    """Return a session cookie dict from the stored secret (a dict or its JSON text)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"the Instagram session is not valid JSON: {exc.msg}") from None
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise ConfigurationError("the Instagram session must be a JSON object of cookies")
    missing = [name for name in ("sessionid", "csrftoken") if not raw.get(name)]
    if missing:
        raise ConfigurationError(f"the Instagram session lacks the cookie(s) {', '.join(missing)}")
    return {str(k): str(v) for k, v in raw.items()}


def session_problems(values: Mapping[str, Any], *, required: bool) -> list[str]:
    """Return problems with the username/session pair of the settings."""
    session, username = values.get("session"), values.get("username")
    if not session:
        return ["Instagram needs a logged-in session: import one (username + session cookies)"] if required else []
    problems = [] if username else ["the Instagram username of the imported session is required"]
    try:
        parse_session(session)
    except ConfigurationError as exc:
        problems.append(exc.message)
    return problems


def build_loader(values: Mapping[str, Any]) -> instaloader.Instaloader:
    """Return a quiet, non-sleeping loader, logged in when the settings carry a session."""
    loader = instaloader.Instaloader(
        sleep=False,
        quiet=True,
        download_pictures=False,
        download_videos=False,
        download_video_thumbnails=False,
        download_geotags=False,
        download_comments=False,
        save_metadata=False,
        compress_json=False,
        # One immediate retry for a dropped connection or a 5xx; a 429 reaches the rate
        # controller on that retry, which raises RateLimited.
        max_connection_attempts=2,
        request_timeout=float(values.get("timeout") or 30),
        rate_controller=RaisingRateController,
        fatal_status_codes=[401, 403],
    )
    # Instaloader builds its context itself; the subclass only adds a check to each JSON answer
    # (see collectors.instagram.checkpoint), so switching the class keeps every setting above.
    loader.context.__class__ = CheckpointAwareContext
    # Let errors inside instaloader's error_catcher blocks reach us instead of being printed.
    loader.context.raise_all_errors = True
    if values.get("session"):
        loader.load_session(str(values.get("username") or ""), parse_session(values["session"]))
    return loader


def _classify_abort(message: str, wait_backoff: float) -> CollectorError:
    lowered = message.lower()
    if "checkpoint_required" in lowered or "challenge_required" in lowered:
        return ReloginRequired(
            f"Instagram asks the account to pass a security checkpoint; log in in a browser, then re-import the session ({message})"
        )
    if "redirected to login page" in lowered or "accounts/login" in lowered:
        return ReloginRequired(f"Instagram logged the session out; re-import it ({message})")
    if "feedback_required" in lowered:
        return RateLimited(DEFAULT_THROTTLE_BACKOFF, f"Instagram says 'try again later' (feedback_required): {message}")
    status = _STATUS_RE.search(message)
    code = status.group(1) if status else ""
    if code == "401":
        return RateLimited(wait_backoff, f"Instagram answered 401 'Please wait a few minutes'; backing off: {message}")
    if code == "403":
        return ReloginRequired(f"Instagram refused the session (403); re-import a fresh session ({message})")
    if code == "429":
        return RateLimited(DEFAULT_THROTTLE_BACKOFF, f"Instagram answered 429 Too Many Requests: {message}")
    return TransientError(f"Instagram aborted the request: {message}")


@contextmanager
def instagram_errors(action: str, *, wait_backoff: float = DEFAULT_WAIT_BACKOFF) -> Iterator[None]:
    """Translate instaloader exceptions raised while doing ``action`` into collector errors."""
    try:
        yield
    except CollectorError:
        raise
    except AbortDownloadException as exc:
        raise _classify_abort(str(exc), wait_backoff) from exc
    except LoginRequiredException as exc:
        raise ReloginRequired(f"Instagram needs a logged-in session for {action}: {exc}") from exc
    except LoginException as exc:
        raise ReloginRequired(f"Instagram login failed while {action}: {exc}") from exc
    except (QueryReturnedNotFoundException, ProfileNotExistsException) as exc:
        raise ConfigurationError(f"Instagram has nothing at this address while {action}: {exc}") from exc
    except TooManyRequestsException as exc:
        raise RateLimited(DEFAULT_THROTTLE_BACKOFF, f"Instagram answered 429 while {action}: {exc}") from exc
    except ConnectionException as exc:
        message = str(exc)
        if "please wait a few minutes" in message.lower():
            raise RateLimited(wait_backoff, f"Instagram asks to wait while {action}: {message}") from exc
        if isinstance(exc.__cause__, TooManyRequestsException):
            raise RateLimited(DEFAULT_THROTTLE_BACKOFF, f"Instagram answered 429 while {action}: {message}") from exc
        raise TransientError(f"Instagram request failed while {action}: {message}") from exc
    except InstaloaderException as exc:
        raise TransientError(f"instaloader failed while {action}: {exc}") from exc
