"""/healthz and the storage backends (local folder and S3 through moto's real server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import make_app, running
from tests.support.servers import free_port
from ugc_hub.services.storage import LocalStorage, S3Storage, StorageError, storage_from_url


def test_healthz_ok_on_embedded_defaults(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]


@pytest.mark.redis
def test_healthz_with_real_redis_broker_then_503_when_it_is_down(
    database_url: str, instance: Path, redis_server: Any
) -> None:
    app = make_app(database_url, instance, CELERY={"broker_url": redis_server.url})
    with running(app):
        assert app.test_client().get("/healthz").status_code == 200
    down = make_app(database_url, instance, CELERY={"broker_url": f"redis://127.0.0.1:{free_port()}/0"})
    with running(down):
        response = down.test_client().get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["checks"]["broker"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True


def test_healthz_503_when_database_is_down(instance: Path, tmp_path: Path) -> None:
    app = make_app(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none", instance)
    with running(app):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def exercise(storage: Any) -> None:
    storage.put("media/a/photo.jpg", b"\xff\xd8jpeg", "image/jpeg")
    assert storage.exists("media/a/photo.jpg")
    assert storage.get("media/a/photo.jpg") == b"\xff\xd8jpeg"
    storage.delete("media/a/photo.jpg")
    assert not storage.exists("media/a/photo.jpg")
    with pytest.raises(KeyError):
        storage.get("media/a/photo.jpg")
    for bad in ("../etc/passwd", "/abs", "dir/"):
        with pytest.raises(StorageError):
            storage.put(bad, b"x")


def test_local_storage(tmp_path: Path) -> None:
    storage = storage_from_url(str(tmp_path / "files"))
    assert isinstance(storage, LocalStorage)
    exercise(storage)


@pytest.mark.s3
def test_s3_storage_against_moto_server(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    boto3.client("s3", endpoint_url=moto_server.endpoint_url).create_bucket(Bucket="ugc-media")
    storage = storage_from_url("s3://ugc-media/hub", endpoint_url=moto_server.endpoint_url)
    assert isinstance(storage, S3Storage)
    exercise(storage)
    storage.put("x.png", b"png")
    listed = boto3.client("s3", endpoint_url=moto_server.endpoint_url).list_objects_v2(Bucket="ugc-media")
    assert [o["Key"] for o in listed["Contents"]] == ["hub/x.png"]


def test_unsupported_storage_url_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match="unsupported STORAGE_URL scheme 'ftp'"):
        storage_from_url("ftp://host/x")
