"""The data-prep stages over shards in the artifact store.

Each stage is ``stage(store, input manifest, config) -> StageManifest``: it reads its input from the
store, runs one library stage and writes its output back under a content-addressed key scoped by the
manifest's ``tenant/project`` prefix. The Prefect tasks wrap exactly these functions;
``run_data_prep`` (``loraforge.prep``) chains them in one process (notebooks, benchmarks, the CLI).
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from loraforge.dataset.build import build_examples, save_dataset
from loraforge.dedup import DedupConfig, Deduplicator, IndexStore, compute_signatures, signature_id
from loraforge.errors import PermanentError
from loraforge.ingest import IngestConfig, IngestResult, ingest_file
from loraforge.ingest.base import oversize, quarantine, short_error
from loraforge.offline import ensure_offline
from loraforge.pii import PiiConfig, PiiScanner
from loraforge.prep.manifests import DEFAULT_PREFIX, DataPrepConfig, ShardSpec, StageManifest
from loraforge.records import Document, Quarantined, sha256_hex
from loraforge.storage import ArtifactStore, ChecksumMismatch, InputSource, open_source, read_jsonl, write_jsonl
from loraforge.storage.sources import SKIPPED

log = logging.getLogger(__name__)


def logged(manifest: StageManifest) -> StageManifest:
    """One log line per finished stage: counts and reasons only, never a value or a file name."""
    dropped = ", ".join(f"{reason} {n}" for reason, n in manifest.dropped_by_reason.items()) or "none"
    log.info("%s: %d in, %d out; set aside: %s", manifest.stage, manifest.n_in, manifest.n_out, dropped)
    return manifest


def plan_shards(
    source: str | Path,
    shard_size: int,
    store: ArtifactStore | None = None,
    prefix: str = DEFAULT_PREFIX,
    follow_symlinks: bool = False,
) -> list[ShardSpec]:
    """List every input file and cut the list into shards of ``shard_size`` files, scoped to ``prefix``.

    ``source`` is a folder or ``s3://bucket/prefix/``; a bucket is listed with the credentials of
    ``store`` when it is an ``S3Store`` (any bucket of its endpoint), else of the ``LORAFORGE_S3_*``
    environment. Planning a bucket reads no object: the listing's ETag and size identify content.
    ``follow_symlinks`` (``IngestConfig.follow_symlinks``): a folder's links to files inside it are inputs.
    """
    src = open_source(source, store, follow_symlinks=follow_symlinks)
    files = src.list()
    return [
        ShardSpec(root=src.root, files=files[i : i + shard_size], prefix=prefix)
        for i in range(0, len(files), shard_size)
    ]


def read_docs(store: ArtifactStore, keys: Sequence[str]) -> list[Document]:
    return [Document.from_dict(d) for key in keys for d in read_jsonl(store, key)]


def _reasons(quarantined: Sequence[Quarantined]) -> dict[str, int]:
    return dict(sorted(Counter(q.reason for q in quarantined).items()))


def _write_shard(
    store: ArtifactStore,
    stage: str,
    prefix: str,
    base: str,
    n_in: int,
    documents: Sequence[Any],
    quarantined: Sequence[Quarantined],
    extra: dict[str, Any],
) -> StageManifest:
    """Write a shard's documents and quarantine records under ``base`` and describe them."""
    write_jsonl(store, base + ".docs.jsonl", documents)
    write_jsonl(store, base + ".quarantine.jsonl", quarantined)
    return logged(
        StageManifest(
            stage=stage,
            prefix=prefix,
            outputs=[base + ".docs.jsonl"],
            quarantine_keys=[base + ".quarantine.jsonl"],
            n_in=n_in,
            n_out=len(documents),
            dropped_by_reason=_reasons(quarantined),
            extra=extra,
        )
    )


def ingest_shard(store: ArtifactStore, shard: ShardSpec, config: DataPrepConfig) -> StageManifest:
    """Parse one shard of files into documents; unparseable files go to the quarantine manifest."""
    ensure_offline()
    source = open_source(shard.root, store)
    result = IngestResult()
    with tempfile.TemporaryDirectory(prefix="loraforge-ingest-") as tmp:
        for rel, content_id in shard.files:
            if content_id.startswith(SKIPPED):  # listed by the planner so the manifest accounts for it
                reason, detail = content_id.removeprefix(SKIPPED).split(":", 1)
                result.merge(IngestResult(quarantined=[quarantine(source.name(rel), reason, detail)], n_files=1))
            else:
                result.merge(_ingest_one(source, rel, Path(tmp), config.ingest))
    base = f"{shard.prefix}/prep/ingest/{shard.key}"
    return _write_shard(
        store,
        "ingest",
        shard.prefix,
        base,
        len(shard.files),
        result.documents,
        result.quarantined,
        {"bytes": result.n_bytes},
    )


def _ingest_one(source: InputSource, rel: str, scratch: Path, config: IngestConfig) -> IngestResult:
    """One input ingested, or quarantined with why. A denied or failed request raises instead: a
    configuration or transient problem, not a property of the file (the task retries)."""
    name = source.name(rel)
    try:
        if (rejected := oversize(name, source.size(rel), config.max_bytes)) is not None:
            return IngestResult(quarantined=[rejected], n_files=1)
        path = source.fetch(rel, scratch)
    except FileNotFoundError:
        return IngestResult(
            quarantined=[quarantine(name, "unreadable", "no longer exists (deleted after planning)")], n_files=1
        )
    except ChecksumMismatch as exc:
        return IngestResult(quarantined=[quarantine(name, "unreadable", short_error(exc))], n_files=1)
    try:
        return ingest_file(path, config, source_name=name)
    finally:
        if path.is_relative_to(scratch):
            path.unlink(missing_ok=True)  # at most one downloaded input of the shard on local disk at a time


_scanners: dict[str, tuple[PiiScanner, threading.Lock]] = {}
_scanners_lock = threading.Lock()


def _scanner(config: PiiConfig) -> tuple[PiiScanner, threading.Lock]:
    """One scanner per config per process: loading spaCy costs seconds; a spaCy pipeline is not
    documented as thread-safe, so each comes with a lock (threads would gain nothing under the GIL)."""
    key = config.model_dump_json()
    with _scanners_lock:
        if key not in _scanners:
            _scanners[key] = (PiiScanner(config), threading.Lock())
        return _scanners[key]


def scan_pii(store: ArtifactStore, ingested: StageManifest, config: DataPrepConfig) -> StageManifest:
    """PII-scan one shard of documents and apply the policy (redact, mask, drop or flag)."""
    ensure_offline()
    docs = read_docs(store, ingested.outputs)
    scanner, lock = _scanner(config.pii)
    with lock:
        result = scanner.scan(docs)
    shard_key = sha256_hex("".join(ingested.outputs) + config.pii.model_dump_json())[:16]
    base = f"{ingested.prefix}/prep/pii/{shard_key}"
    counts = {
        "pii_by_entity": dict(sorted(result.totals.items())),
        "pii_by_recognizer": result.by_recognizer,
        "docs_with_pii": len(result.findings),
    }
    manifest = _write_shard(
        store, "pii", ingested.prefix, base, len(docs), result.documents, result.quarantined, counts
    )
    # the dedup signatures of this shard, here where shards run in parallel
    signatures = compute_signatures([d.text for d in result.documents], config.dedup)
    buf = io.BytesIO()
    np.save(buf, signatures, allow_pickle=False)
    key = f"{base}.minhash-{signature_id(config.dedup)}.npy"
    store.put_bytes(key, buf.getvalue())
    manifest.signatures = [key]
    return manifest


def _one_prefix(manifests: Sequence[StageManifest]) -> str:
    prefixes = {m.prefix for m in manifests}
    if len(prefixes) != 1:
        raise ValueError(f"manifests of one run share one tenant/project scope, got {sorted(prefixes)}")
    return prefixes.pop()


def _shard_signatures(store: ArtifactStore, scanned: Sequence[StageManifest], config: DedupConfig) -> np.ndarray | None:
    """The signatures the shard tasks computed, aligned with ``read_docs`` of their outputs; None when
    a shard has none under ``config``'s signature parameters (then dedup computes them all)."""
    name, parts = f".minhash-{signature_id(config)}.npy", []
    for manifest in scanned:
        keys = [k for k in manifest.signatures if k.endswith(name)]
        if len(keys) != 1:
            return None
        part = np.load(io.BytesIO(store.get_bytes(keys[0])), allow_pickle=False)
        if part.shape != (manifest.n_out, config.num_perm):
            return None
        parts.append(part)
    return np.concatenate(parts) if parts else None


def deduplicate(store: ArtifactStore, scanned: Sequence[StageManifest], config: DataPrepConfig) -> StageManifest:
    """Exact then near-duplicate removal across every shard and against the persisted index."""
    docs = read_docs(store, [k for m in scanned for k in m.outputs])
    prefix = _one_prefix(scanned)
    # Append-only: this run's survivors become one new part, so concurrent runs never overwrite
    # each other's (see IndexStore for what two runs at the same time can and cannot see).
    # The run reads only the index's bucket files and the entries its documents can match, never all of it.
    parts = IndexStore(store, f"{prefix}/prep/dedup")
    result = Deduplicator(config.dedup, index=parts).run(docs, _shard_signatures(store, scanned, config.dedup))
    parts.append(result.added)
    out_key = f"{prefix}/prep/dedup/{sha256_hex(''.join(sorted(d.id for d in result.kept)))[:16]}"
    write_jsonl(store, out_key + ".docs.jsonl", result.kept)
    write_jsonl(store, out_key + ".removed.jsonl", [r.to_dict() for r in result.removed])
    by_kind = Counter(r.kind for r in result.removed)
    clusters = [c for c in result.clusters if len(c) > 1]
    manifest = StageManifest(
        stage="dedup",
        prefix=prefix,
        outputs=[out_key + ".docs.jsonl"],
        n_in=len(docs),
        n_out=len(result.kept),
        dropped_by_reason={f"{kind}_duplicate": n for kind, n in sorted(by_kind.items())},
        extra={
            "clusters": clusters,
            # split groups: a document outside every cluster is its own group, so only members are listed
            "groups": {doc_id: cluster[0] for cluster in clusters for doc_id in cluster},
            "removed_keys": [out_key + ".removed.jsonl"],
        },
    )
    return logged(manifest)


def build_dataset(
    store: ArtifactStore,
    deduped: StageManifest,
    config: DataPrepConfig,
    report: dict[str, Any] | None = None,
) -> StageManifest:
    """Build, save and upload the versioned dataset (DatasetDict + JSONL + card)."""
    docs = read_docs(store, deduped.outputs)
    if not docs:
        reasons = (report or {}).get("quarantined_by_reason") or {}
        why = ", ".join(f"{reason}: {n}" for reason, n in reasons.items()) or "no input files"
        raise PermanentError(f"no usable documents to build a dataset from (quarantined by reason: {why})")
    result = build_examples(docs, config.dataset, groups=deduped.extra.get("groups"))
    key = f"{deduped.prefix}/datasets/{result.version}"
    with tempfile.TemporaryDirectory() as tmp:
        card = save_dataset(result, Path(tmp), report)
        uri = store.put_dir(key, Path(tmp))
    return logged(
        StageManifest(
            stage="dataset",
            prefix=deduped.prefix,
            outputs=[key],
            n_in=len(docs),
            n_out=len(result.examples),
            dropped_by_reason=card["dropped_by_reason"],
            extra={"uri": uri, "version": result.version, "counts": card["counts"]},
        )
    )


def summarize(
    ingested: Sequence[StageManifest], scanned: Sequence[StageManifest], deduped: StageManifest
) -> dict[str, Any]:
    """Upstream counts for the dataset card and the run report (never text or PII values)."""
    quarantined: Counter[str] = Counter()
    pii: Counter[str] = Counter()
    recognizers: Counter[str] = Counter()
    for m in (*ingested, *scanned):
        quarantined.update(m.dropped_by_reason)
    for m in scanned:
        pii.update(m.extra.get("pii_by_entity", {}))
        recognizers.update(m.extra.get("pii_by_recognizer", {}))
    return {
        "files": sum(m.n_in for m in ingested),
        "documents": sum(m.n_out for m in ingested),
        "quarantined_by_reason": dict(sorted(quarantined.items())),
        "pii_by_entity": dict(sorted(pii.items())),
        "pii_by_recognizer": dict(sorted(recognizers.items())),
        "dedup": {"in": deduped.n_in, "kept": deduped.n_out, **deduped.dropped_by_reason},
    }
