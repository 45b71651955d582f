"""Demo data for a first run: a brand workspace, a demo admin and a few dozen posts.

The posts are recorded platform payloads (``ugc_hub/demo/recorded.jsonl``: Instagram iPhone media
dicts, Reddit t3 things, Trustpilot reviews, in the shapes the collectors and their test fakes use),
each mapped by its real collector's ``map_item``: the demo inbox holds what the collectors would store.
"""

from __future__ import annotations

import io
import json
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from collectors import registry
from collectors.base import RawItem
from ugc_hub.domain.posts import MediaItem, NormalizedPost
from ugc_hub.models import Campaign, User, Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit
from ugc_hub.services.ideas import create_campaign
from ugc_hub.services.ingest import IngestResult, ingest_posts
from ugc_hub.services.storage import Storage
from ugc_hub.services.users import create_user
from ugc_hub.services.workspaces import create_workspace

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "recorded.jsonl"


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str
    posts: IngestResult

    def summary(self) -> str:
        return (
            f"demo data ready: {self.posts.new} new posts, {self.posts.updated} refreshed\n"
            f"sign in as {self.email} with password {self.password}"
        )


def _demo_image(storage: Storage, key: str, colour: str) -> None:
    from PIL import Image, ImageDraw

    if storage.exists(key):
        return
    image = Image.new("RGB", (640, 640), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((160, 160, 480, 480), outline="white", width=24)
    draw.polygon([(320, 210), (420, 420), (220, 420)], fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    storage.put(key, buffer.getvalue(), "image/jpeg")


def _password(instance_path: Path, given: str | None) -> str:
    """The demo password: given, or generated once and kept (0600) in the instance folder."""
    path = instance_path / "demo-password"
    if given:
        return given
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


def load_demo(
    session: DbSession, *, email: str, password: str | None, instance_path: Path, storage: Storage
) -> DemoResult:
    """Add what is missing of the demo brand (on a migrated schema); running it twice changes nothing."""
    workspace = session.scalar(select(Workspace).where(Workspace.slug == "lumen-outdoor"))
    if workspace is None:
        workspace = create_workspace(
            session,
            name="Lumen Outdoor",
            slug="lumen-outdoor",
            actor=audit.CLI,
            hashtags=["lumen", "lumenrun", "yeslumen"],
            keywords=["Lumen", "Lumen Outdoor"],
            handles={"instagram": "lumen.outdoor", "reddit": "LumenOutdoor"},
            languages=["en", "fr"],
        )
    secret = _password(instance_path, password)
    if session.scalar(select(User).where(User.email == email.casefold())) is None:
        create_user(session, email=email, password=secret, role="admin", name="Demo admin", actor=audit.CLI)
    if session.scalar(select(Campaign).where(Campaign.workspace_id == workspace.id)) is None:
        create_campaign(session, workspace_id=workspace.id, title="Your next product", actor=audit.CLI)

    posts = []
    for line in DEMO_FILE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        post = recorded_post(record)
        colour = record.get("demo_image")
        if colour:
            key = f"media/demo/{post.platform_id}.jpg"
            _demo_image(storage, key, colour)
            alt = f"Photo shared by @{post.author.handle}" if post.author else "Photo"
            post = _with_media(post, MediaItem(url=key, storage_key=key, alt=alt))
        posts.append(post)
    result = ingest_posts(session, posts, workspace_id=workspace.id)
    return DemoResult(email=email, password=secret, posts=result)


def recorded_post(record: dict[str, Any]) -> NormalizedPost:
    """Map one recorded payload with the collector that would have fetched it."""
    payload = record["payload"]
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    platform_id = str(payload.get("code") or data.get("name") or payload.get("id") or "")
    plugin = registry.get(record["collector"])()
    return plugin.map_item(RawItem(platform_id, payload, record.get("meta") or {}))


def _with_media(post: NormalizedPost, media: MediaItem) -> NormalizedPost:
    return replace(post, media=(media,))
