"""The artifact store on MinIO or any S3 server (a bucket, optionally a prefix of it), via the minio SDK.

Every upload is verified after the fact: minio-py 7.2 sends no S3 checksum headers for multipart
parts, and SeaweedFS accepts a body whose signed ``x-amz-content-sha256`` is wrong, so the store
compares size, the sha256 it keeps as ``x-amz-meta-sha256`` and the ETag (MD5, or MD5 of part MD5s)
with what it read locally. A single-part PUT also carries ``x-amz-checksum-sha256``, which the
server itself checks. Downloads are checked against ``x-amz-meta-sha256``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import os
import re
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

from minio import Minio
from minio.datatypes import Object
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError

from loraforge.storage.base import ChecksumMismatch, clean_key
from loraforge.storage.checksum import Digest, digest

if TYPE_CHECKING:
    from loraforge.settings import Settings

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum (all parts but the last)
MAX_PARTS = 10_000  # S3's maximum parts per upload
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}(-\d+)?$")
_MISSING = ("NoSuchKey", "NoSuchBucket", "NoSuchObject")
_DENIED = ("AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId")
_ERRORS = (MinioException, HTTPError)


class S3StoreError(OSError):
    """An S3 request failed for a reason other than a missing object or denied access."""


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` → ``("bucket", "some/prefix")``."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket:
        raise ValueError(f"not an s3://bucket[/prefix] URI: {uri!r}")
    return bucket, clean_key(prefix)


class S3Store:
    """A bucket, or a prefix of it, as an artifact store. Object name = ``prefix/key``."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        *,
        secure: bool = False,
        region: str | None = None,
        prefix: str = "",
        part_size: int = 16 * 1024 * 1024,
        public_endpoint: str = "",
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB (the S3 minimum)")
        self.endpoint, self.bucket, self.prefix = endpoint, bucket, clean_key(prefix)
        self.access_key, self.secure, self.part_size = access_key, secure, part_size
        # Without a region the SDK first asks the bucket's location, which credentials scoped to a
        # prefix may not do; MinIO, SeaweedFS and Ceph use "us-east-1" unless configured otherwise.
        self.region = region or (None if "amazonaws.com" in endpoint else "us-east-1")
        # The secret lives only in the client's credential provider: no attribute, no repr.
        self.client = Minio(endpoint, access_key, secret_key, secure=secure, region=self.region)
        # Download links are signed for the host people reach (the signature covers the Host header):
        # inside docker compose the workers' endpoint is minio:9000, which no browser resolves.
        self.public_endpoint, public_secure = _host_and_tls(public_endpoint, secure)
        self._presigner = self.client
        if self.public_endpoint and (self.public_endpoint, public_secure) != (endpoint, secure):
            host, region = self.public_endpoint, self.region
            self._presigner = Minio(host, access_key, secret_key, secure=public_secure, region=region)

    @classmethod
    def from_settings(cls, settings: Settings, bucket: str, prefix: str = "") -> S3Store:
        """A store on ``bucket`` with the endpoint and credentials of the ``LORAFORGE_S3_*`` settings."""
        endpoint, access_key, secret_key = settings.s3_required()
        public = settings.s3_public_endpoint
        region, secure = settings.s3_region, settings.s3_secure
        return cls(
            endpoint,
            bucket,
            access_key,
            secret_key,
            secure=secure,
            region=region,
            prefix=prefix,
            public_endpoint=public,
        )

    def at(self, bucket: str, prefix: str = "") -> S3Store:
        """The same endpoint and credentials on another bucket or prefix (e.g. the input documents)."""
        other = copy.copy(self)
        other.bucket, other.prefix = bucket, clean_key(prefix)
        return other

    def __repr__(self) -> str:
        return (
            f"S3Store(endpoint={self.endpoint!r}, bucket={self.bucket!r}, prefix={self.prefix!r}, "
            f"access_key={self.access_key!r}, secure={self.secure}"
            + (f", public_endpoint={self.public_endpoint!r})" if self.public_endpoint else ")")
        )

    # -- the ArtifactStore interface ---------------------------------------------------------

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._name(key)}"

    def presigned_url(self, key: str, expires: timedelta = timedelta(days=7)) -> str:
        """A time-limited GET URL that needs no credentials (signed locally: no request is made), on the
        public endpoint when one is set."""
        return self._presigner.presigned_get_object(self.bucket, self._name(key), expires=expires)

    def download_url(self, key: str) -> str:
        """Where a person can fetch ``key``: a presigned URL on the public endpoint (else the endpoint)."""
        return self.presigned_url(key)

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (for setup scripts; never called implicitly)."""
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, location=self.region)
        except _ERRORS as exc:
            raise self._error("create bucket", "", exc) from exc

    def put_bytes(self, key: str, data: bytes) -> str:
        self._upload(self._name(key), lambda: io.BytesIO(data), len(data))
        return self.uri(key)

    def get_bytes(self, key: str) -> bytes:
        buf = io.BytesIO()
        self._download(self._name(key), buf)
        return buf.getvalue()

    def exists(self, key: str) -> bool:
        """True for an object, or a "folder" with objects under it (as ``LocalStore`` does)."""
        name = self._name(key)
        try:
            self._stat(name)
            return True
        except FileNotFoundError:
            return bool(self._objects(name + "/", limit=1))

    def list(self, prefix: str) -> list[str]:
        name = self._name(prefix)
        keys = [self._key(o.object_name) for o in self._objects(name + "/" if name else "")]
        if not keys and name:
            # Credentials scoped to "<prefix>/*" may list but not stat the bare name: nothing to list then.
            with suppress(FileNotFoundError, PermissionError):
                self._stat(name)
                return [clean_key(prefix)]  # a single object lists as itself
        return sorted(keys)

    def put_dir(self, key: str, local_dir: Path) -> str:
        """Upload every file under ``local_dir`` (streamed from disk), then delete stale objects under ``key``."""
        base, local_dir = self._name(key), Path(local_dir)
        if not base:
            raise ValueError("put_dir needs a non-empty key")
        stale = {o.object_name for o in self._objects(base + "/")}
        for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
            name = f"{base}/{path.relative_to(local_dir).as_posix()}"
            self._upload(name, lambda path=path: open(path, "rb"), path.stat().st_size)
            stale.discard(name)
        self._remove(sorted(stale))
        return self.uri(key)

    def get_dir(self, key: str, local_dir: Path) -> Path:
        base, local_dir = self._name(key), Path(local_dir)
        objects = self._objects(base + "/" if base else "")
        if not objects:
            raise FileNotFoundError(f"no objects under {self.uri(key)}")
        for obj in objects:
            rel = clean_key(obj.object_name[len(base) :])  # refuses ".." (it would land outside local_dir)
            self._download_to(obj.object_name, local_dir / rel)
        return local_dir

    # -- beyond the interface ----------------------------------------------------------------

    def get_file(self, key: str, path: Path) -> Path:
        """Download ``key`` to ``path``, streamed and checked against its sha256 metadata."""
        return self._download_to(self._name(key), Path(path))

    def size(self, key: str) -> int:
        """Size in bytes of object ``key`` (``FileNotFoundError`` when missing)."""
        return int(self._stat(self._name(key)).size or 0)

    def list_identities(self, prefix: str = "") -> list[tuple[str, str]]:
        """``(key, content id)`` of each object under ``prefix`` from the listing alone (nothing downloaded).

        The id ``etag:<ETag>:<size>`` changes whenever the content does.
        """
        name = self._name(prefix)
        objects = self._objects(name + "/" if name else "")
        return sorted((self._key(o.object_name), f"etag:{_etag(o)}:{o.size}") for o in objects)

    def verify(self, key: str, expected: Digest) -> None:
        """Compare the stored object with ``expected``; raise ``ChecksumMismatch`` on any difference."""
        name = self._name(key)
        stat = self._stat(name)
        meta = stat.metadata or {}
        etag, claimed = _etag(stat), meta.get("x-amz-meta-sha256")
        problems = []
        if stat.size != expected.size:
            problems.append(f"size {stat.size} != {expected.size}")
        if claimed != expected.sha256:
            problems.append(f"sha256 metadata {claimed!r} != {expected.sha256!r}")
        # An encrypted object's ETag is not an MD5: compared only for plain objects.
        if _MD5_ETAG.match(etag) and not meta.get("x-amz-server-side-encryption") and etag != expected.etag:
            problems.append(f"ETag {etag!r} != {expected.etag!r}")
        if problems:
            raise ChecksumMismatch(f"{self.uri(key)} does not match what was uploaded: {'; '.join(problems)}")

    # -- requests ----------------------------------------------------------------------------

    def _name(self, key: str) -> str:
        return "/".join(p for p in (self.prefix, clean_key(key)) if p)

    def _key(self, name: str) -> str:
        return clean_key(name[len(self.prefix) :] if self.prefix else name)

    def _error(self, action: str, name: str, exc: Exception) -> OSError:
        """A clear error naming the operation and object (S3 error texts never carry credentials)."""
        where = f"s3://{self.bucket}/{name} on {self.endpoint}"
        if isinstance(exc, S3Error):
            detail = f"{exc.code}: {exc.message}"
            if exc.code in _MISSING:
                return FileNotFoundError(f"{action} {where}: not found ({detail})")
            if exc.code in _DENIED:
                return PermissionError(f"{action} {where}: access denied ({detail})")
            return S3StoreError(f"{action} {where} failed ({detail})")
        return S3StoreError(f"{action} {where} failed: {type(exc).__name__}: {exc}")

    def _stat(self, name: str) -> Object:
        try:
            return self.client.stat_object(self.bucket, name)
        except _ERRORS as exc:
            raise self._error("stat", name, exc) from exc

    def _objects(self, prefix: str, limit: int | None = None) -> list[Object]:
        """Objects under ``prefix`` ("folder" marker objects skipped); stops early at ``limit``."""
        found: list[Object] = []
        try:
            for obj in self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
                if obj.object_name and not obj.object_name.endswith("/"):
                    found.append(obj)
                    if limit and len(found) >= limit:
                        break
        except _ERRORS as exc:
            raise self._error("list", prefix, exc) from exc
        return found

    def _upload(self, name: str, opener: Callable[[], IO[bytes]], size: int) -> None:
        part_size = max(self.part_size, -(-size // MAX_PARTS))
        with opener() as f:
            expected = digest(f, part_size)
        headers = {"x-amz-meta-sha256": expected.sha256}
        if expected.parts == 1:  # checked by the server itself; minio-py cannot send it per part
            headers["x-amz-checksum-sha256"] = base64.b64encode(bytes.fromhex(expected.sha256)).decode()
        try:
            with opener() as f:
                self.client.put_object(self.bucket, name, f, expected.size, metadata=headers, part_size=part_size)
        except _ERRORS as exc:
            raise self._error("upload", name, exc) from exc
        self.verify(self._key(name), expected)

    def _download(self, name: str, out: IO[bytes]) -> None:
        sha = hashlib.sha256()
        try:
            response = self.client.get_object(self.bucket, name)
        except _ERRORS as exc:
            raise self._error("download", name, exc) from exc
        try:
            claimed = response.headers.get("x-amz-meta-sha256")
            for chunk in response.stream(1024 * 1024):
                sha.update(chunk)
                out.write(chunk)
        except _ERRORS as exc:
            raise self._error("download", name, exc) from exc
        finally:
            response.close()
            response.release_conn()
        if claimed and claimed != sha.hexdigest():
            raise ChecksumMismatch(f"s3://{self.bucket}/{name}: downloaded bytes do not match its sha256 metadata")

    def _download_to(self, name: str, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        try:
            with open(tmp, "wb") as out:
                self._download(name, out)
            os.replace(tmp, path)  # never a half-written file under the final name
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _remove(self, names: list[str]) -> None:
        if not names:
            return
        try:
            errors = list(self.client.remove_objects(self.bucket, (DeleteObject(n) for n in names)))
        except _ERRORS as exc:
            raise self._error("delete", names[0], exc) from exc
        if errors:
            raise S3StoreError(f"could not delete {len(errors)} objects, e.g. {errors[0].name}: {errors[0].code}")


def _host_and_tls(endpoint: str, secure: bool) -> tuple[str, bool]:
    """``https://files.example.com`` → ``("files.example.com", True)``; ``host:port`` keeps ``secure``."""
    if "://" not in endpoint:
        return endpoint.strip("/"), secure
    scheme, _, rest = endpoint.partition("://")
    return rest.strip("/"), scheme == "https"


def _etag(obj: Object) -> str:
    return (obj.etag or "").strip('"')
