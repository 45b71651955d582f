"""Reply channels: read the replies under a post and, where the platform allows it, post a comment there.

The rights workflow sends its permission request through a channel and reads the author's answer back
through the same one. Plain Python: no Flask, no database. A channel that cannot post (``can_send`` is
False, or ``send_reply`` raises ``SendUnavailable`` for one post) leaves the request to a person, who
copies the text and posts it by hand.

A channel is a class with the attributes and methods of ``ReplyChannel``, decorated with
``collectors.registry.register_channel``; it lives with its platform's collectors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from collectors.errors import ConfigurationError
from ugc_hub.rights.rules.replies import Reply


class SendUnavailable(ConfigurationError):
    """The platform offers no API route to comment on this post with these settings; post it by hand."""


class ReplyChannel(Protocol):
    """What the rights workflow needs from a platform."""

    platform: str
    can_send: bool

    def fetch_replies(self, settings: Mapping[str, Any], post_platform_id: str) -> Iterator[Reply]:
        """Yield every reply readable under the post (its whole thread), oldest first."""
        ...

    def send_reply(self, settings: Mapping[str, Any], post_platform_id: str, text: str) -> str:
        """Post ``text`` under the post; return the new comment's platform id."""
        ...


def channel_for(platform: str) -> ReplyChannel | None:
    """Return the channel of ``platform``, or None when replies cannot be read there.

    Channels live with their platform's collectors (``collectors.reddit.replies``,
    ``collectors.instagram.replies``) and register with ``collectors.registry.register_channel``.
    """
    from collectors import registry  # the registry imports the channel modules, which import this one

    found = registry.channel(platform)
    return None if found is None else found()


__all__ = ["ReplyChannel", "SendUnavailable", "channel_for"]
