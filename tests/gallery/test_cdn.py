"""Snapshots and thumbnails copied to S3 (moto's real server) for a CDN; a withdrawal rewrites and deletes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from gallery import tasks
from gallery.service import set_published
from gallery.snapshots import settings_from_config
from tests.conftest import make_app, running
from tests.gallery.support import STAFF, consented, published_gallery, withdraw
from ugc_hub.models import db
from ugc_hub.services.audit import CLI
from ugc_hub.services.storage import storage_from_config
from ugc_hub.services.workspaces import create_workspace

CDN = "https://cdn.brand.example/ugc"


def bucket_keys(client: Any) -> set[str]:
    listed = client.list_objects_v2(Bucket="brand-cdn")
    return {item["Key"] for item in listed.get("Contents", [])}


def test_published_copy_follows_the_gate(
    database_url: str, instance: Path, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=moto_server.endpoint_url)
    s3.create_bucket(Bucket="brand-cdn")
    app = make_app(
        database_url,
        instance,
        S3_ENDPOINT_URL=moto_server.endpoint_url,
        GALLERY_PUBLISH_URL="s3://brand-cdn/ugc",
        GALLERY_CDN_BASE_URL=CDN,
    )
    with running(app):
        workspace = create_workspace(db.session, name="Lumen", actor=CLI)
        storage = storage_from_config(app.config)
        settings = settings_from_config(app.config)
        kept = consented(db.session, storage, workspace_id=workspace.id, n=1)
        gone = consented(db.session, storage, workspace_id=workspace.id, n=2)
        gallery = published_gallery(db.session, settings, workspace_id=workspace.id)

        document = json.loads(s3.get_object(Bucket="brand-cdn", Key="ugc/galleries/lookbook.json")["Body"].read())
        assert {t["id"] for t in document["items"]} == {kept.id, gone.id}
        assert all(t["image"]["src"].startswith(f"{CDN}/media/") for t in document["items"])
        served = app.test_client().get("/api/v1/galleries/lookbook").json
        assert served == document
        keys = bucket_keys(s3)
        assert any(k.startswith(f"ugc/media/{gone.id}/") for k in keys)

        withdraw(db.session, gone.id)

        document = json.loads(s3.get_object(Bucket="brand-cdn", Key="ugc/galleries/lookbook.json")["Body"].read())
        assert [t["id"] for t in document["items"]] == [kept.id]
        keys = bucket_keys(s3)
        assert not any(k.startswith(f"ugc/media/{gone.id}/") for k in keys)
        assert any(k.startswith(f"ugc/media/{kept.id}/") for k in keys)

        set_published(db.session, gallery_id=gallery.id, published=False, actor=STAFF, settings=settings)
        assert bucket_keys(s3) == set()
        assert app.test_client().get("/api/v1/galleries/lookbook").status_code == 404


def test_a_failed_upload_never_delays_the_hub_and_is_retried(
    database_url: str, instance: Path, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=moto_server.endpoint_url)
    bucket = f"late-{uuid.uuid4().hex[:12]}"
    app = make_app(
        database_url,
        instance,
        S3_ENDPOINT_URL=moto_server.endpoint_url,
        GALLERY_PUBLISH_URL=f"s3://{bucket}/ugc",
        GALLERY_CDN_BASE_URL=CDN,
    )
    with running(app):
        workspace = create_workspace(db.session, name="Lumen", actor=CLI)
        storage = storage_from_config(app.config)
        post = consented(db.session, storage, workspace_id=workspace.id, n=1)
        with pytest.raises(ClientError):  # the bucket does not exist yet
            published_gallery(db.session, settings_from_config(app.config), workspace_id=workspace.id)
        served = app.test_client().get("/api/v1/galleries/lookbook").json
        assert [t["id"] for t in served["items"]] == [post.id]

        s3.create_bucket(Bucket=bucket)
        assert tasks.refresh_published() == 1
        copy = json.loads(s3.get_object(Bucket=bucket, Key="ugc/galleries/lookbook.json")["Body"].read())
        assert copy == served
        assert tasks.refresh_published() == 0
