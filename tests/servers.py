"""Real servers for the integration tests, started on loopback from the test setup.

PostgreSQL (Debian's server binaries), a Prefect server on that PostgreSQL, an MLflow tracking
server (PostgreSQL backend, artifacts proxied to S3) and Prefect process workers. Each runs as a
child process with its log in the test's temp folder; a failed start raises with the log's tail.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent  # prefect, mlflow and weed console scripts of this venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else "(no log)"


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    return check


@dataclass
class Process:
    """A child process in its own process group, logging to ``log``."""

    name: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def start(
    name: str,
    argv: Sequence[str],
    log: Path,
    ready: Callable[[], bool],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 180,
) -> Process:
    """Start ``argv`` and wait until ``ready()``; raise with the log tail if it dies or times out."""
    out = open(log, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    proc = subprocess.Popen(
        list(argv), stdout=out, stderr=subprocess.STDOUT, env=dict(env or os.environ), cwd=cwd, start_new_session=True
    )
    out.close()
    process = Process(name, proc, log)
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"{name} did not start (exit {proc.returncode}):\n{_tail(log)}")
        time.sleep(0.5)
    return process


# -- PostgreSQL ---------------------------------------------------------------------------------


def pg_bindir() -> Path:
    """Folder of Debian's PostgreSQL server binaries (``initdb``, ``pg_ctl``, ``postgres``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    if initdb := shutil.which("initdb"):
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries not found: install Debian's `postgresql` package (.ci/run does)")


@dataclass
class Postgres:
    port: int
    user: str
    data: Path

    def url(self, database: str, driver: str = "") -> str:
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.user}@127.0.0.1:{self.port}/{database}"


@contextmanager
def postgres(databases: Sequence[str]) -> Iterator[Postgres]:
    """A throw-away PostgreSQL cluster on loopback (trust auth) with ``databases`` created.

    PostgreSQL refuses to run as root, so under root the cluster belongs to the ``postgres`` user.
    """
    bindir = pg_bindir()
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="loraforge-pg-"))
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
    data, port, user = root / "data", free_port(), "loraforge"

    def run(*argv: str) -> None:
        done = subprocess.run([*as_user, *argv], capture_output=True, text=True, cwd=root)
        if done.returncode:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "postgres.log"), "-w", "start")
    try:
        for db in databases:
            run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, db)
        yield Postgres(port, user, data)
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], cwd=root)
        shutil.rmtree(root, ignore_errors=True)


# -- Prefect and MLflow -------------------------------------------------------------------------


def prefect_env(api_url: str, home: Path) -> dict[str, str]:
    """Environment of a Prefect client/worker talking to ``api_url`` (no analytics, offline)."""
    return {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "true",
        "HF_HUB_OFFLINE": "1",
    }


@contextmanager
def prefect_server(database_url: str, home: Path) -> Iterator[str]:
    """``prefect server start`` on a PostgreSQL database; yields the API URL."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **prefect_env(api, home),
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL")
    argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = start("prefect server", argv, home / "prefect-server.log", http_ok(f"{api}/health"), env)
    try:
        yield api
    finally:
        process.stop()


@contextmanager
def mlflow_server(backend_uri: str, artifacts: str, env: Mapping[str, str], home: Path) -> Iterator[str]:
    """``mlflow server`` with a database backend and proxied artifacts; yields its tracking URI."""
    port = free_port()
    argv = [
        str(BIN / "mlflow"),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        backend_uri,
        "--artifacts-destination",
        artifacts,
        "--serve-artifacts",
        "--allowed-hosts",
        f"127.0.0.1:{port},localhost:{port}",
    ]
    url = f"http://127.0.0.1:{port}"
    process = start("mlflow server", argv, home / "mlflow-server.log", http_ok(f"{url}/health"), {**os.environ, **env})
    try:
        yield url
    finally:
        process.stop()


@contextmanager
def worker(pool: str, env: Mapping[str, str], cwd: Path, home: Path) -> Iterator[Process]:
    """A Prefect process worker polling ``pool``."""
    argv = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process", "--limit", "1"]
    log = home / f"worker-{pool}.log"
    process = start(f"worker {pool}", argv, log, lambda: "started" in _tail(log, 20000).lower(), env, cwd)
    try:
        yield process
    finally:
        process.stop()
