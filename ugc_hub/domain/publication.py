"""The one rule that decides whether a post may be shown to the public.

Every public surface (gallery API and snapshots, embeds, oEmbed, contest pages) asks this rule, through
the SQL mirror in ``ugc_hub.services.publication``; a property test keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

GRANTED = "granted"


@dataclass(frozen=True)
class PublicationFacts:
    """What the rule needs to know about one post."""

    moderation_status: str
    has_author: bool
    rights_state: str | None
    licence_start: datetime | None
    licence_end: datetime | None
    #: Whether the post's current author is the account that granted (a grant belongs to an account).
    granted_by_author: bool
    #: Deleted or removed on its platform (found by the scheduled check); defaulted so the other
    #: conditions' call sites need not name it.
    removed_on_platform: bool = False
    #: Marked adult by its platform (Reddit's ``over_18``).
    nsfw: bool = False


def may_show(facts: PublicationFacts, now: datetime, *, allow_nsfw: bool = False) -> bool:
    """Approved by a moderator, credited to a known author, inside a granted, unrevoked licence window,
    and still up on its platform.

    A post without an author cannot carry its "@author" credit, so it is never shown; nor is a post
    re-collected under another account than the one that granted, since that account never agreed. A
    post its author deleted (or the platform removed) is gone for good, whatever the grant says. A post
    the platform marked adult is shown only where the surface opted in (a gallery's ``allow_nsfw``).
    """
    return (
        (allow_nsfw or not facts.nsfw)
        and facts.moderation_status == "approved"
        and facts.has_author
        and facts.rights_state == GRANTED
        and facts.granted_by_author
        and facts.licence_start is not None
        and facts.licence_start <= now
        and (facts.licence_end is None or now < facts.licence_end)
        and not facts.removed_on_platform
    )
