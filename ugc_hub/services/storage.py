"""Where files live: a local folder by default, or S3 (any S3 endpoint) through boto3."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import urlsplit


class StorageError(ValueError):
    pass


def _clean_key(key: str) -> str:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not key or key.endswith("/"):
        raise StorageError(f"invalid storage key {key!r}")
    return str(path)


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str | None = None, *, cache_control: str | None = None) -> None:
        """Store ``data``; ``cache_control`` is sent with the object where the backend serves it over HTTP."""

    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def describe(self) -> str: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _clean_key(key)

    def put(self, key: str, data: bytes, content_type: str | None = None, *, cache_control: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def describe(self) -> str:
        return f"local folder {self.root}"


class S3Storage:
    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None = None, client: Any = None) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        key = _clean_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str | None = None, *, cache_control: str | None = None) -> None:
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        extra = {"CacheControl": cache_control} if cache_control else {}
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type, **extra)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise KeyError(key) from exc
        body: bytes = response["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def storage_from_url(url: str, *, endpoint_url: str | None = None) -> Storage:
    """``s3://bucket/prefix`` goes to S3; anything else is a local folder path."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError("STORAGE_URL s3://bucket/prefix needs a bucket name")
        return S3Storage(parts.netloc, parts.path, endpoint_url=endpoint_url)
    if parts.scheme == "file":
        return LocalStorage(Path(parts.path))
    if parts.scheme and len(parts.scheme) > 1:
        raise StorageError(f"unsupported STORAGE_URL scheme {parts.scheme!r}: use a folder path or s3://")
    return LocalStorage(Path(url))


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """The storage the hub is configured with (STORAGE_URL and S3_ENDPOINT_URL)."""
    return storage_from_url(config["STORAGE_URL"], endpoint_url=config.get("S3_ENDPOINT_URL"))
