"""Artifact stores: the local folder and S3 on a real SeaweedFS server (tests/seaweed.py), no mocks.

Store-level behaviour is checked on both stores with the same test; S3-only behaviour (multipart,
checksums, presigned URLs, per-tenant credentials) and inputs read from a bucket prefix follow.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from blocks import ObjectStore
from loraforge import prep
from loraforge.ingest import IngestConfig, ingest_files
from loraforge.settings import Settings
from loraforge.storage import (
    ChecksumMismatch,
    Digest,
    LocalStore,
    S3Store,
    S3StoreError,
    digest,
    open_source,
    open_store,
    read_jsonl,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MiB = 1024 * 1024


def _unique() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
def admin(s3_server) -> S3Store:
    """The admin's store, on a fresh prefix of the shared bucket."""
    return S3Store(s3_server.endpoint, s3_server.bucket, *s3_server.admin, prefix=f"tests/{_unique()}")


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> LocalStore | S3Store:
    """Each store kind in turn, empty."""
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    return request.getfixturevalue("admin")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- the same behaviour from both stores -------------------------------------------------------


def test_bytes_round_trip_list_and_exists(store, no_network):
    uri = store.put_bytes("runs/r1/manifest.json", b'{"ok": true}')
    store.put_bytes("runs/r1/shards/b.jsonl", b"b\n")
    store.put_bytes("runs/r1/shards/a.jsonl", b"a\n")
    store.put_bytes("runs/r10/other.txt", b"x")

    assert uri == store.uri("runs/r1/manifest.json")
    assert store.get_bytes("runs/r1/manifest.json") == b'{"ok": true}'
    assert store.list("runs/r1") == ["runs/r1/manifest.json", "runs/r1/shards/a.jsonl", "runs/r1/shards/b.jsonl"]
    assert store.list("runs/r1/shards/a.jsonl") == ["runs/r1/shards/a.jsonl"]  # a file lists as itself
    assert store.list("runs/nothing") == []
    assert store.exists("runs/r1/manifest.json") and store.exists("runs/r1")  # object and "folder"
    assert not store.exists("runs/r2") and not store.exists("runs/r1/manifest")
    store.put_bytes("runs/r1/manifest.json", b"v2")  # overwrite
    assert store.get_bytes("runs/r1/manifest.json") == b"v2"
    assert no_network == []


def test_missing_key_raises_file_not_found(store, tmp_path):
    with pytest.raises(FileNotFoundError):
        store.get_bytes("no/such/key.json")
    with pytest.raises(FileNotFoundError):
        store.get_dir("no/such/folder", tmp_path / "out")


def test_keys_cannot_escape_the_store(store):
    for key in ("../outside.txt", "a/../../outside.txt"):
        with pytest.raises(ValueError, match="escapes"):
            store.put_bytes(key, b"x")


def test_put_dir_replaces_and_get_dir_restores_a_nested_folder(store, tmp_path, no_network):
    src = tmp_path / "adapter"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "adapter_config.json").write_text('{"r": 8}')
    (src / "nested" / "weights.bin").write_bytes(os.urandom(3000))
    (src / "nested" / "deeper" / "notes.md").write_text("# notes\n")
    (src / "nested" / "stale.txt").write_text("gone in v2")

    store.put_dir("acme/adapters/v1", src)
    assert store.list("acme/adapters/v1") == [
        "acme/adapters/v1/adapter_config.json",
        "acme/adapters/v1/nested/deeper/notes.md",
        "acme/adapters/v1/nested/stale.txt",
        "acme/adapters/v1/nested/weights.bin",
    ]
    (src / "nested" / "stale.txt").unlink()
    (src / "adapter_config.json").write_text('{"r": 16}')
    uri = store.put_dir("acme/adapters/v1", src)  # a second upload replaces what was there

    assert uri == store.uri("acme/adapters/v1")
    assert "acme/adapters/v1/nested/stale.txt" not in store.list("acme/adapters/v1")
    out = store.get_dir("acme/adapters/v1", tmp_path / "restored")
    assert out == tmp_path / "restored"
    assert _tree(out) == _tree(src)
    assert no_network == []


def test_download_url_of_each_store(store, tmp_path):
    store.put_bytes("bundle.zip", b"PK zip bytes")
    url = store.download_url("bundle.zip")
    if isinstance(store, LocalStore):
        assert url == store.uri("bundle.zip") == (tmp_path / "store" / "bundle.zip").resolve().as_uri()
    else:
        assert url.startswith(f"http://{store.endpoint}/") and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as resp:  # file:// or the presigned http:// URL
        assert resp.read() == b"PK zip bytes"


# -- S3 only -------------------------------------------------------------------------------------


def test_uri_names_bucket_prefix_and_key(s3_server):
    s = S3Store(s3_server.endpoint, s3_server.bucket, *s3_server.admin, prefix="/acme/advisory/")
    assert s.uri("datasets/v1/card.json") == f"s3://{s3_server.bucket}/acme/advisory/datasets/v1/card.json"
    assert S3Store(s3_server.endpoint, "b12", "k", "s").uri("x/y") == "s3://b12/x/y"


def test_large_file_is_uploaded_in_parts_and_round_trips(s3_server, tmp_path, no_network):
    store = S3Store(s3_server.endpoint, s3_server.bucket, *s3_server.admin, prefix=_unique(), part_size=5 * MiB)
    folder = tmp_path / "ckpt"
    folder.mkdir()
    big = folder / "model.safetensors"
    big.write_bytes(os.urandom(40 * 1000 * 1000))
    local_sha = hashlib.sha256(big.read_bytes()).hexdigest()

    store.put_dir("checkpoints/step-8", folder)

    stat = store.client.stat_object(s3_server.bucket, f"{store.prefix}/checkpoints/step-8/model.safetensors")
    assert stat.etag.strip('"').endswith("-8")  # 40 MB in 5 MiB parts: a real multipart upload
    assert stat.metadata["x-amz-meta-sha256"] == local_sha
    with big.open("rb") as f:
        assert stat.etag.strip('"') == digest(f, 5 * MiB).etag
    got = store.get_file("checkpoints/step-8/model.safetensors", tmp_path / "back.bin")
    assert hashlib.sha256(got.read_bytes()).hexdigest() == local_sha
    assert no_network == []


def test_part_size_below_the_s3_minimum_is_refused(s3_server):
    with pytest.raises(ValueError, match="5 MiB"):
        S3Store(s3_server.endpoint, s3_server.bucket, *s3_server.admin, part_size=MiB)


def test_checksums_are_stored_and_a_mismatch_is_caught(admin, s3_server):
    data = b"shard contents\n" * 100
    admin.put_bytes("prep/shard.jsonl", data)
    name = f"{admin.prefix}/prep/shard.jsonl"
    stat = admin.client.stat_object(s3_server.bucket, name)
    assert stat.metadata["x-amz-meta-sha256"] == hashlib.sha256(data).hexdigest()
    assert stat.etag.strip('"') == hashlib.md5(data).hexdigest()

    good = digest(io.BytesIO(data), admin.part_size)
    admin.verify("prep/shard.jsonl", good)  # what was uploaded: passes
    with pytest.raises(ChecksumMismatch, match="sha256 metadata"):
        admin.verify("prep/shard.jsonl", Digest(good.size, hashlib.sha256(b"other").hexdigest(), good.etag, 1))

    # Someone replaces the bytes behind the store's back but keeps the old sha256 metadata.
    forged = data.replace(b"shard", b"SHARD")
    admin.client.put_object(s3_server.bucket, name, io.BytesIO(forged), len(forged), metadata={"sha256": good.sha256})
    with pytest.raises(ChecksumMismatch, match="ETag"):
        admin.verify("prep/shard.jsonl", good)
    with pytest.raises(ChecksumMismatch, match="do not match its sha256"):
        admin.get_bytes("prep/shard.jsonl")


def test_presigned_url_expires(admin):
    admin.put_bytes("report.html", b"<html>report</html>")
    url = admin.presigned_url("report.html", expires=timedelta(seconds=1))
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"<html>report</html>"
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=10)
    assert err.value.code == 403


def test_download_url_is_presigned_for_the_public_endpoint(s3_server, monkeypatch, no_network):
    # The workers reach the server as 127.0.0.1 (in compose: minio:9000); people reach it as localhost.
    host, port = s3_server.endpoint.rsplit(":", 1)
    public = f"{'localhost' if host == '127.0.0.1' else '127.0.0.1'}:{port}"
    for name, value in s3_server.env("acme").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LORAFORGE_S3_PUBLIC_ENDPOINT", public)
    store = open_store(f"s3://{s3_server.bucket}/acme/{_unique()}")
    store.put_bytes("bundle.zip", b"PK zip bytes")

    url = store.download_url("bundle.zip")
    assert urlsplit(url).netloc == public and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as resp:  # signed for the Host it is fetched from
        assert resp.read() == b"PK zip bytes"
    assert urlsplit(store.at(s3_server.bucket, store.prefix).download_url("bundle.zip")).netloc == public
    block = ObjectStore(endpoint=s3_server.endpoint, access_key="k", secret_key="s", public_endpoint=f"http://{public}")
    assert urlsplit(block.open().download_url("x")).netloc == public
    # Signed locally: a public name the worker cannot resolve costs no request.
    far = S3Store(s3_server.endpoint, "bundles", "k", "s", public_endpoint="https://files.example.com")
    assert far.download_url("x").startswith("https://files.example.com/bundles/x?")
    assert no_network == []
    monkeypatch.setenv("LORAFORGE_S3_PUBLIC_ENDPOINT", "ftp://files.example.com/path")
    with pytest.raises(ValueError, match="LORAFORGE_S3_PUBLIC_ENDPOINT"):
        Settings()


def test_a_tenant_reaches_only_its_own_prefix(s3_server, no_network):
    bucket = s3_server.bucket
    run = _unique()
    globex_admin = S3Store(s3_server.endpoint, bucket, *s3_server.admin, prefix="globex")
    globex_admin.put_bytes(f"{run}/secret.txt", b"globex only")
    acme = S3Store(s3_server.endpoint, bucket, *s3_server.tenants["acme"])

    acme.put_bytes(f"acme/{run}/a.txt", b"mine")  # its own prefix: read, write, list
    assert acme.get_bytes(f"acme/{run}/a.txt") == b"mine"
    assert acme.list(f"acme/{run}") == [f"acme/{run}/a.txt"]
    acme.at(bucket, f"acme/{run}").put_dir("folder", Path(__file__).parent / "data")

    denied = [
        lambda: acme.get_bytes(f"globex/{run}/secret.txt"),
        lambda: acme.put_bytes(f"globex/{run}/secret.txt", b"overwritten"),
        lambda: acme.list(f"globex/{run}"),
        lambda: acme.exists(f"globex/{run}/secret.txt"),
        lambda: acme.list(""),  # the whole bucket
        lambda: acme.put_bytes(f"acmex/{run}/a.txt", b"x"),  # a sibling prefix is not its prefix
        lambda: urllib.request.urlopen(acme.presigned_url(f"globex/{run}/secret.txt"), timeout=10).read(),
    ]
    for attempt in denied:
        with pytest.raises((PermissionError, urllib.error.HTTPError)) as err:
            attempt()
        assert "AccessDenied" in str(err.value) or getattr(err.value, "code", None) == 403
    assert globex_admin.get_bytes(f"{run}/secret.txt") == b"globex only"
    assert no_network == []


def test_secrets_stay_out_of_repr_and_errors(s3_server):
    access, secret = s3_server.tenants["acme"]
    good = S3Store(s3_server.endpoint, s3_server.bucket, access, secret)
    assert secret not in repr(good) and access in repr(good) and s3_server.endpoint in repr(good)
    assert secret not in str(vars(good))

    wrong = S3Store(s3_server.endpoint, s3_server.bucket, access, secret[::-1])
    with pytest.raises(PermissionError) as denied:
        wrong.get_bytes("acme/anything.txt")
    assert "SignatureDoesNotMatch" in str(denied.value)
    with pytest.raises(PermissionError) as other_tenant:
        good.put_bytes("globex/x.txt", b"x")
    for exc in (denied.value, other_tenant.value):
        chain = f"{exc!s} {exc!r} {exc.__cause__!s} {exc.__cause__!r}"
        assert secret not in chain and secret[::-1] not in chain


def test_a_dead_endpoint_gives_a_clear_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = S3Store(f"127.0.0.1:{port}", "loraforge", "key", "the-secret-value")
    with pytest.raises(S3StoreError, match=f"s3://loraforge/x on 127.0.0.1:{port}") as err:
        dead.get_bytes("x")
    assert "the-secret-value" not in str(err.value)


def test_ensure_bucket_creates_once(s3_server):
    store = S3Store(s3_server.endpoint, f"lf-{_unique()}", *s3_server.admin)
    store.ensure_bucket()
    store.ensure_bucket()  # idempotent
    assert store.client.bucket_exists(store.bucket)
    store.put_bytes("k", b"v")
    assert store.get_bytes("k") == b"v"


# -- open_store ----------------------------------------------------------------------------------

S3_ENV = ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY", "SECURE", "REGION")


def test_open_store_parses_specs(tmp_path, monkeypatch):
    assert isinstance(open_store(None), LocalStore) and open_store(None).root == Settings().artifacts_root
    assert open_store(tmp_path).root == tmp_path.resolve()
    assert open_store(tmp_path.as_uri()).root == tmp_path.resolve()
    with pytest.raises(ValueError, match="unsupported store URI"):
        open_store("gs://bucket/x")

    monkeypatch.setenv("LORAFORGE_S3_ENDPOINT", "minio:9000")
    monkeypatch.setenv("LORAFORGE_S3_ACCESS_KEY", "tenant-key")
    monkeypatch.setenv("LORAFORGE_S3_SECRET_KEY", "tenant-secret")
    monkeypatch.setenv("LORAFORGE_S3_SECURE", "true")
    s = open_store("s3://artifacts/acme/advisory/")
    assert isinstance(s, S3Store)
    assert (s.endpoint, s.bucket, s.prefix, s.secure, s.region) == (
        "minio:9000",
        "artifacts",
        "acme/advisory",
        True,
        "us-east-1",
    )
    assert s.uri("x.json") == "s3://artifacts/acme/advisory/x.json"
    assert open_store("s3://artifacts").prefix == ""
    monkeypatch.setenv("LORAFORGE_S3_SECURE", "maybe")
    with pytest.raises(ValueError, match="LORAFORGE_S3_SECURE"):
        open_store("s3://artifacts")
    with pytest.raises(ValueError, match="not an s3://"):
        open_store("s3:///no-bucket")


@pytest.mark.parametrize("missing", ["ENDPOINT", "ACCESS_KEY", "SECRET_KEY"])
def test_open_store_names_the_missing_variable(missing, monkeypatch):
    for name in S3_ENV:
        monkeypatch.setenv(f"LORAFORGE_S3_{name}", "value-" + name.lower())
    monkeypatch.setenv("LORAFORGE_S3_SECURE", "false")
    monkeypatch.delenv(f"LORAFORGE_S3_{missing}")
    with pytest.raises(ValueError, match=f"LORAFORGE_S3_{missing}") as err:
        open_store("s3://artifacts/acme")
    assert "value-secret_key" not in str(err.value)


def test_open_store_reaches_the_server_from_env(s3_server, monkeypatch, no_network):
    for name, value in s3_server.env("acme").items():
        monkeypatch.setenv(name, value)
    store = open_store(f"s3://{s3_server.bucket}/acme/{_unique()}")
    store.put_bytes("hello.txt", b"hello")
    assert open_store(store.uri("")).get_bytes("hello.txt") == b"hello"
    assert no_network == []


# -- inputs read from a bucket prefix --------------------------------------------------------------

INPUTS = [
    "chats/client_chats.jsonl",
    "empty.txt",
    "guides/glossary.md",
    "guides/roth_conversion_guide.pdf",
    "research/quarterly_review.docx",
]


@pytest.fixture
def inbox(s3_server, tmp_path):
    """A few sample-corpus files uploaded by tenant acme under ``acme/<run>/inbox/``, plus a hidden file
    and a "folder" marker object that planning must skip."""
    folder = tmp_path / "inbox"
    for rel in INPUTS:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / "docs" / rel, folder / rel)
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "guides" / ".~lock.glossary.md#").write_text("lock")
    acme = S3Store(s3_server.endpoint, s3_server.bucket, *s3_server.tenants["acme"], prefix=f"acme/{_unique()}")
    acme.put_dir("inbox", folder)
    acme.client.put_object(s3_server.bucket, f"{acme.prefix}/inbox/scans/", io.BytesIO(b""), 0)
    return acme, folder


def test_plan_and_ingest_from_a_bucket_prefix(inbox, s3_server, no_network):
    acme, folder = inbox
    source = acme.uri("inbox") + "/"
    config = prep.DataPrepConfig(shard_size=2)
    artifacts = acme.at(s3_server.bucket, acme.prefix + "/artifacts")

    shards = prep.plan_shards(source, 2, store=artifacts, prefix="acme/advisory")

    listed = [(rel, cid) for s in shards for rel, cid in s.files]
    assert [rel for rel, cid in listed if cid.startswith("etag:")] == sorted(INPUTS)  # "folder" markers left out
    hidden = [".DS_Store", "guides/.~lock.glossary.md#"]  # listed so the manifest accounts for them
    assert [(rel, cid) for rel, cid in listed if not cid.startswith("etag:")] == [
        (rel, "skipped:skipped_hidden:hidden name") for rel in hidden
    ]
    assert {s.root for s in shards} == {acme.uri("inbox")}
    acme.client.remove_object(s3_server.bucket, f"{acme.prefix}/inbox/guides/glossary.md")  # after planning

    manifests = [prep.ingest_shard(artifacts, shard, config) for shard in shards]

    docs = [d for m in manifests for d in read_jsonl(artifacts, m.outputs[0])]
    quarantined = [q for m in manifests for q in read_jsonl(artifacts, m.quarantine_keys[0])]
    assert {d["source"].split("#")[0] for d in docs} == {
        acme.uri(f"inbox/{rel}") for rel in INPUTS if rel not in ("empty.txt", "guides/glossary.md")
    }
    assert sorted((q["source"], q["reason"]) for q in quarantined) == [
        (acme.uri("inbox/.DS_Store"), "skipped_hidden"),
        (acme.uri("inbox/empty.txt"), "empty"),
        (acme.uri("inbox/guides/.~lock.glossary.md#"), "skipped_hidden"),
        (acme.uri("inbox/guides/glossary.md"), "unreadable"),
    ]
    assert "deleted after planning" in next(q["detail"] for q in quarantined if q["reason"] == "unreadable")
    # The bytes that went through the bucket parse exactly as the local files do.
    local = ingest_files([folder / rel for rel in INPUTS if rel != "guides/glossary.md"], IngestConfig(), root=folder)
    assert sorted(d["id"] for d in docs) == sorted(d.id for d in local.documents)
    assert sum(m.n_in for m in manifests) == len(INPUTS) + len(hidden)
    assert no_network == []


def test_planning_identifies_objects_by_content(inbox, s3_server, monkeypatch):
    acme, _ = inbox
    source = acme.uri("inbox")
    for name, value in s3_server.env("acme").items():  # no S3 store given: credentials from the environment
        monkeypatch.setenv(name, value)
    before = prep.plan_shards(source, 2)
    acme.put_bytes("inbox/guides/glossary.md", b"# Glossary\n\nA new definition.\n")
    after = prep.plan_shards(source, 2, store=LocalStore(Path("unused")))

    changed = [b.key != a.key for b, a in zip(before, after, strict=True)]
    assert changed == [rel_in_shard("guides/glossary.md", s) for s in before]
    with pytest.raises(FileNotFoundError, match="no input objects"):
        prep.plan_shards(acme.uri("nothing-here"), 2, store=acme)


def rel_in_shard(rel: str, shard: prep.ShardSpec) -> bool:
    return any(r == rel for r, _ in shard.files)


def test_an_oversized_object_is_quarantined_without_download(inbox, s3_server):
    acme, _ = inbox
    shard = prep.plan_shards(acme.uri("inbox"), 10, store=acme, prefix="acme/advisory")[0]
    config = prep.DataPrepConfig(ingest=IngestConfig(max_bytes=1000))
    manifest = prep.ingest_shard(acme, shard, config)
    sizes = {rel: (Path(EXAMPLES / "docs" / rel)).stat().st_size for rel in INPUTS}
    too_large = sum(1 for s in sizes.values() if s > 1000)
    assert manifest.dropped_by_reason == {"empty": 1, "skipped_hidden": 2, "too_large": too_large}
    assert manifest.extra["bytes"] == 0  # nothing over the limit was read; the empty file has 0 bytes


# -- input sources -------------------------------------------------------------------------------


def test_a_folder_is_an_input_source_like_a_bucket_prefix(tmp_path):
    folder = tmp_path / "inbox"
    (folder / "guides").mkdir(parents=True)
    shutil.copy(EXAMPLES / "docs" / "guides" / "glossary.md", folder / "guides" / "glossary.md")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    source = open_source(folder)
    info = (folder / "guides" / "glossary.md").stat()  # planning reads no file: the id comes from stat
    assert source.list() == [
        (".DS_Store", "skipped:skipped_hidden:hidden name"),
        ("guides/glossary.md", f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"),
    ]
    assert (source.root, source.name("guides/glossary.md")) == (str(folder.resolve()), "guides/glossary.md")
    assert source.fetch("guides/glossary.md", tmp_path / "scratch") == folder.resolve() / "guides" / "glossary.md"

    shard = prep.plan_shards(folder, 10, prefix="acme/advisory")[0]
    (folder / "guides" / "glossary.md").unlink()  # after planning, as a bucket object may vanish
    manifest = prep.ingest_shard(LocalStore(tmp_path / "store"), shard, prep.DataPrepConfig())
    assert (manifest.n_in, manifest.n_out, manifest.dropped_by_reason) == (2, 0, {"skipped_hidden": 1, "unreadable": 1})
    assert manifest.outputs == [f"acme/advisory/prep/ingest/{shard.key}.docs.jsonl"]


def test_settings_are_read_when_asked_not_at_import(tmp_path, monkeypatch):
    monkeypatch.setenv("LORAFORGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LORAFORGE_S3_SECURE", "true")
    settings = Settings()
    assert settings.artifacts_root == (tmp_path / "home" / "artifacts").resolve()
    assert settings.scratch_root == (tmp_path / "home" / "work").resolve() and settings.s3_secure is True
    assert open_store(None).root == settings.artifacts_root
