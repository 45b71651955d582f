"""Snapshots and thumbnails copied to S3 (moto's real server) for a CDN; a withdrawal rewrites and deletes."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from gallery import tasks
from gallery.purge import HttpPurger, PurgeConfigError, purger_from_config, request_purge
from gallery.service import set_published
from gallery.snapshots import settings_from_config
from tests.conftest import make_app, running
from tests.gallery.purge_server import purge_server
from tests.gallery.support import STAFF, consented, published_gallery, withdraw
from ugc_hub.models import GalleryCdnPurge, db
from ugc_hub.netguard import AddressRefused
from ugc_hub.services.audit import CLI
from ugc_hub.services.storage import storage_from_config
from ugc_hub.services.workspaces import create_workspace

CDN = "https://cdn.brand.example/ugc"


def bucket_keys(client: Any) -> set[str]:
    listed = client.list_objects_v2(Bucket="brand-cdn")
    return {item["Key"] for item in listed.get("Contents", [])}


def distribution(endpoint_url: str) -> tuple[Any, str]:
    """A CloudFront distribution in front of the bucket, on moto's server."""
    cloudfront = boto3.client("cloudfront", endpoint_url=endpoint_url)
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "brand UGC",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "bucket",
                        "DomainName": "brand-cdn.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "bucket", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )
    return cloudfront, created["Distribution"]["Id"]


def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dummy credentials moto's server takes."""
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)


def invalidated_paths(cloudfront: Any, distribution_id: str) -> list[list[str]]:
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    batches = [
        cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])["Invalidation"]["InvalidationBatch"]
        for item in listed
    ]
    return [sorted(batch["Paths"]["Items"]) for batch in batches]


def test_published_copy_follows_the_gate(
    database_url: str,
    instance: Path,
    moto_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Any,
) -> None:
    aws_credentials(monkeypatch)
    s3 = boto3.client("s3", endpoint_url=moto_server.endpoint_url)
    s3.create_bucket(Bucket="brand-cdn")
    cloudfront, distribution_id = distribution(moto_server.endpoint_url)
    app = make_app(
        database_url,
        instance,
        S3_ENDPOINT_URL=moto_server.endpoint_url,
        GALLERY_PUBLISH_URL="s3://brand-cdn/ugc",
        GALLERY_CDN_BASE_URL=CDN,
        GALLERY_CDN_DISTRIBUTION_ID=distribution_id,
        CLOUDFRONT_ENDPOINT_URL=moto_server.endpoint_url,
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
        # Edges keep nothing longer than the operator's Cache-Control (a minute by default).
        assert {s3.head_object(Bucket="brand-cdn", Key=k)["CacheControl"] for k in keys} == {"max-age=60"}
        assert invalidated_paths(cloudfront, distribution_id) == []  # adding posts purges nothing
        gone_keys = sorted(k.removeprefix("ugc/") for k in keys if k.startswith(f"ugc/media/{gone.id}/"))

        started = time.perf_counter()
        withdraw(db.session, gone.id)
        returned = time.perf_counter()

        # The invalidation was created inside the rebuild the withdrawal ran: it is there when it returns.
        assert invalidated_paths(cloudfront, distribution_id) == [
            sorted([*(f"/ugc/{k}" for k in gone_keys), "/ugc/galleries/lookbook.json"])
        ]
        record_property("withdrawal_to_cloudfront_invalidation_seconds", round(returned - started, 3))
        print(f"withdrawal to CloudFront invalidation: at most {returned - started:.3f} s")
        assert db.session.query(GalleryCdnPurge).count() == 0
        document = json.loads(s3.get_object(Bucket="brand-cdn", Key="ugc/galleries/lookbook.json")["Body"].read())
        assert [t["id"] for t in document["items"]] == [kept.id]
        keys = bucket_keys(s3)
        assert not any(k.startswith(f"ugc/media/{gone.id}/") for k in keys)
        assert any(k.startswith(f"ugc/media/{kept.id}/") for k in keys)

        set_published(db.session, gallery_id=gallery.id, published=False, actor=STAFF, settings=settings)
        assert bucket_keys(s3) == set()
        assert app.test_client().get("/api/v1/galleries/lookbook").status_code == 404
        # Unpublishing purges everything the gallery had at the edge.
        batches = invalidated_paths(cloudfront, distribution_id)
        assert len(batches) == 2
        unpublished = next(batch for batch in batches if any(f"/media/{kept.id}/" in path for path in batch))
        assert "/ugc/galleries/lookbook.json" in unpublished


def test_a_failed_upload_never_delays_the_hub_and_is_retried(
    database_url: str, instance: Path, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_credentials(monkeypatch)
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


def test_a_withdrawal_purges_through_the_operator_url_and_a_failed_purge_is_retried(
    database_url: str,
    instance: Path,
    moto_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Any,
) -> None:
    aws_credentials(monkeypatch)
    s3 = boto3.client("s3", endpoint_url=moto_server.endpoint_url)
    bucket = f"purge-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    with purge_server() as cdn_api:
        app = make_app(
            database_url,
            instance,
            S3_ENDPOINT_URL=moto_server.endpoint_url,
            GALLERY_PUBLISH_URL=f"s3://{bucket}/ugc",
            GALLERY_CDN_BASE_URL=CDN,
            GALLERY_CACHE_CONTROL="public, max-age=30",
            GALLERY_PURGE_URL=cdn_api.url,
            GALLERY_PURGE_TOKEN="operator-secret",
            ALLOW_PRIVATE_ADDRESSES=True,  # the purge endpoint listens on 127.0.0.1
        )
        with running(app):
            workspace = create_workspace(db.session, name="Lumen", actor=CLI)
            storage = storage_from_config(app.config)
            kept = consented(db.session, storage, workspace_id=workspace.id, n=1)
            gone = consented(db.session, storage, workspace_id=workspace.id, n=2)
            second = consented(db.session, storage, workspace_id=workspace.id, n=3)
            published_gallery(db.session, settings_from_config(app.config), workspace_id=workspace.id)
            head = s3.head_object(Bucket=bucket, Key="ugc/galleries/lookbook.json")
            assert head["CacheControl"] == "public, max-age=30"

            started = time.perf_counter()
            withdraw(db.session, gone.id)
            returned = time.perf_counter()

            [purge] = cdn_api.received
            assert purge.method == "POST" and purge.authorization == "Bearer operator-secret"
            assert f"{CDN}/galleries/lookbook.json" in purge.body["urls"]
            assert "/ugc/galleries/lookbook.json" in purge.body["paths"]
            assert any(url.startswith(f"{CDN}/media/{gone.id}/") for url in purge.body["urls"])
            assert not any(f"/media/{kept.id}/" in url for url in purge.body["urls"])
            assert started < purge.at < returned  # sent from inside the withdrawal's own rebuild
            record_property("withdrawal_to_purge_seconds", round(purge.at - started, 3))
            print(f"withdrawal to purge request: {purge.at - started:.3f} s")

            # The CDN's purge API is down: the withdrawal still completes, the purge waits for the beat task.
            cdn_api.failures = 1
            withdraw(db.session, second.id)
            served = app.test_client().get("/api/v1/galleries/lookbook").json
            assert [t["id"] for t in served["items"]] == [kept.id]
            assert not any(k.startswith(f"ugc/media/{second.id}/") for k in bucket_keys_of(s3, bucket))
            [pending] = db.session.query(GalleryCdnPurge).all()
            assert pending.attempts == 1 and "500" in (pending.last_error or "")
            assert len(cdn_api.received) == 1

            tasks.refresh_published()
            assert len(cdn_api.received) == 2
            assert any(f"/media/{second.id}/" in url for url in cdn_api.received[-1].body["urls"])
            assert db.session.query(GalleryCdnPurge).count() == 0


def bucket_keys_of(client: Any, bucket: str) -> set[str]:
    listed = client.list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_purge_settings_are_checked_when_the_hub_starts() -> None:
    assert purger_from_config({}) is None
    assert purger_from_config({"GALLERY_PURGE_URL": "https://cdn.example/purge", "GALLERY_PURGE_METHOD": "purge"}) == (
        HttpPurger("https://cdn.example/purge", method="PURGE")
    )
    for bad in (
        {"GALLERY_PURGE_URL": "ftp://cdn.example/"},
        {"GALLERY_PURGE_URL": "https://x/", "GALLERY_PURGE_METHOD": "GET"},
    ):
        with pytest.raises(PurgeConfigError):
            purger_from_config(bad)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/purge", "http://[2002:a00:1::]/purge"]
)
def test_a_purge_url_on_a_private_address_stops_the_start(database_url: str, instance: Path, url: str) -> None:
    with pytest.raises(PurgeConfigError, match="the hub only sends to public addresses"):
        make_app(database_url, instance, GALLERY_PURGE_URL=url)
    make_app(database_url, instance, GALLERY_PURGE_URL=url, ALLOW_PRIVATE_ADDRESSES=True)  # tests' local fakes


def test_a_purge_is_refused_at_sending_when_its_address_is_private(database_url: str, instance: Path) -> None:
    """A name whose DNS answer turned private after the start is refused at the connection, unsent."""
    with purge_server() as cdn_api:
        app = make_app(database_url, instance)
        with running(app):
            refused = purger_from_config({"GALLERY_PURGE_URL": cdn_api.url})
            assert isinstance(refused, HttpPurger)
            with pytest.raises(AddressRefused, match=r"loopback address 127\.0\.0\.1"):
                refused.purge([f"{CDN}/galleries/lookbook.json"])
            assert request_purge(db.session, refused, [f"{CDN}/galleries/lookbook.json"]) is False
            [pending] = db.session.query(GalleryCdnPurge).all()
            assert "loopback address 127.0.0.1" in (pending.last_error or "")
            assert cdn_api.received == []

            allowed = purger_from_config({"GALLERY_PURGE_URL": cdn_api.url, "ALLOW_PRIVATE_ADDRESSES": True})
            assert request_purge(db.session, allowed, [f"{CDN}/galleries/lookbook.json"]) is True
            assert [p.body["urls"] for p in cdn_api.received] == [[f"{CDN}/galleries/lookbook.json"]]
