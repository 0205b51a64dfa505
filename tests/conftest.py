"""Shared test fixtures."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from loraforge.offline import ensure_offline

ensure_offline()

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real temporary Prefect server (SQLite) shared by every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401  (its offline defaults keep the harness server's telemetry off)

    with prefect_test_harness(server_startup_timeout=180):
        yield


class NetworkAttempt(AssertionError):
    """Raised when code under test opens a non-loopback connection."""


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, (str, bytes))  # AF_UNIX sockets are local


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Block (and record) every connection or DNS lookup that leaves the machine.

    Yields the list of attempted destinations; tests assert it stays empty, so a library that
    swallows the refused connection and falls back still fails the test.
    """
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            attempts.append(repr(address))
            raise NetworkAttempt(f"network access attempted: {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            attempts.append(repr(address))
            raise NetworkAttempt(f"network access attempted: {address!r}")
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host not in (None, "localhost", "127.0.0.1", "::1", b"localhost"):
            attempts.append(f"dns:{host!r}")
            raise NetworkAttempt(f"DNS lookup attempted: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield attempts


if TYPE_CHECKING:
    from seaweed import S3Server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real SeaweedFS S3 server on loopback for the session (see tests/seaweed.py).

    Yields ``S3Server``: ``.endpoint`` (host:port), ``.bucket`` (created), ``.admin`` and
    ``.tenants["acme" | "globex"]`` as (access, secret); a tenant may only touch ``<bucket>/<tenant>/``.
    """
    from seaweed import seaweed_s3

    with seaweed_s3(tenants=("acme", "globex")) as server:
        yield server
