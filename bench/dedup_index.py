"""One dedup run against a persisted index of 1M entries: bucket files vs loading every part whole.

    python bench/dedup_index.py [PARTS] [ROWS_PER_PART]     # default 100 parts x 10,000 = 1M entries
    python bench/dedup_index.py 1 1000000                   # one part of 1M entries
    python bench/dedup_index.py 100 10000 --s3              # on a local S3 server (SeaweedFS, as the tests)

Synthetic entries (random uint32 signatures at num_perm=128, random digests, 16-character ids) are
written to a local folder store twice: as bucketed parts (``IndexStore.append``: sorted key files per
band, row blocks) and as the single-``.npz`` parts of the previous release. One of every part's entries
is a real earlier document. A run of 1,000 new documents (50 exact and 50 edited copies of those earlier
documents among them) then runs three ways, each in a fresh process so that ``ru_maxrss`` is its own:

- bucketed: ``Deduplicator(index=IndexStore(...))``, reading key files and matched blocks only;
- load-all: ``IndexStore(...).load()`` of the earlier layout, then the run (the previous release's path);
- empty: the same run against no index (the floor).

Reported per way: wall seconds (a run without tracemalloc), peak traced MiB (numpy and Python objects,
a second run under tracemalloc) and the growth of the process's peak resident memory (VmHWM) during
the run; then ratios bucketed / load-all, measured in the same invocation. The bucketed and load-all
outcomes must be equal (checked).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's loraforge, installed or not

from loraforge.dedup import DedupConfig, Deduplicator, IndexStore, NearDupIndex, band_hashes
from loraforge.records import Document, Element
from loraforge.storage import ArtifactStore, LocalStore, S3Store

WORDS = "travel expense receipt approval policy hotel flight booking report finance team meal".split()
VOCABULARY = [f"{w}{k}" for w in WORDS for k in range(200)]  # 2,400 words: distinct texts share few 5-grams
FOLDERS = {"bucketed": "acme/handbook/prep/dedup", "load-all": "acme/old/prep/dedup"}


def text(i: int) -> str:
    rng = np.random.default_rng(i)
    return " ".join(VOCABULARY[k] for k in rng.integers(0, len(VOCABULARY), 200))


def document(body: str, source: str) -> Document:
    elements = [Element("text", body)]
    return Document(Document.make_id("txt", elements), source, "txt", elements, "")


def earlier_docs(n_parts: int) -> list[Document]:
    return [document(text(10_000 + i), f"old/{i}.txt") for i in range(max(n_parts, 100))]


def new_docs(earlier: list[Document]) -> list[Document]:
    """900 new documents, 50 exact copies and 50 edited copies of earlier ones."""
    docs = [document(text(i), f"new/{i}.txt") for i in range(900)]
    docs += [document(earlier[i].text, f"copy/{i}.txt") for i in range(50)]
    edited = [e.text.split() for e in earlier[50:100]]
    return docs + [document(" ".join([*w[:100], "amended", *w[101:]]), f"edit/{i}.txt") for i, w in enumerate(edited)]


def synthetic_part(config: DedupConfig, rows: int, rng: np.random.Generator, tag: int) -> NearDupIndex:
    sigs = rng.integers(0, 2**32, (rows, config.num_perm), dtype=np.uint32)
    return NearDupIndex(
        config,
        [f"{tag:06d}{i:010d}" for i in range(rows)],
        [f"part{tag}/{i}.txt" for i in range(rows)],
        rng.integers(0, 256, (rows, 32), dtype=np.uint8),
        rng.integers(100, 100_000, rows, dtype=np.int64),
        sigs,
        band_hashes(sigs, config.bands, config.rows),
    )


def open_store(root: str) -> ArtifactStore:
    """The local folder ``root``, or with ``root == "s3"`` the S3 server named in ``BENCH_S3``."""
    if root != "s3":
        return LocalStore(root)
    endpoint, bucket, access, secret = json.loads(os.environ["BENCH_S3"])
    return S3Store(endpoint, bucket, access, secret, prefix="bench")


def build(root: str, n_parts: int, rows: int) -> None:
    """Both layouts of the same entries: ``n_parts`` parts, the real earlier entries spread over them."""
    config, rng, store = DedupConfig(), np.random.default_rng(0), open_store(root)
    real = Deduplicator(config).run(earlier_docs(n_parts)).added
    spread = np.array_split(np.arange(len(real)), n_parts)
    for tag in range(n_parts):
        mine = real.rows(spread[tag])
        half = (rows - len(mine)) // 2
        pad = [synthetic_part(config, half, rng, tag), synthetic_part(config, rows - len(mine) - half, rng, -tag - 1)]
        part = NearDupIndex.concat(config, [pad[0], mine, pad[1]])
        IndexStore(store, FOLDERS["bucketed"]).append(part)
        part.save(store, f"{FOLDERS['load-all']}/index/{part.content_id()}.npz")


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM belongs to its own address space, while ru_maxrss
    carries over the peak of the process that started it (here the one that built 1M entries)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 2**10


def measure(root: str, way: str, n_parts: int, traced: bool) -> dict[str, object]:
    """One run of ``way`` in this (fresh) process."""
    config, store = DedupConfig(), open_store(root)
    docs = new_docs(earlier_docs(n_parts))
    Deduplicator(config).run(docs[:20])  # warm caches (character table, powers) outside the measurement
    before = peak_rss_mib()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    if way == "bucketed":
        result = Deduplicator(config, index=IndexStore(store, FOLDERS["bucketed"])).run(docs)
    elif way == "load-all":
        result = Deduplicator(config, index=IndexStore(store, FOLDERS["load-all"]).load(config)).run(docs)
    else:
        result = Deduplicator(config).run(docs)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
    rss = peak_rss_mib() - before
    removed = [(r.doc_id, r.source, r.kind, r.survivor_id, r.similarity) for r in result.removed]
    outcome = json.dumps([[d.source for d in result.kept], removed, result.clusters, result.added.ids])
    return {
        "seconds": seconds,
        "traced_mib": peak,
        "rss_mib": rss,
        "kept": len(result.kept),
        "removed": len(result.removed),
        "outcome": hashlib.sha256(outcome.encode()).hexdigest() if way != "empty" else "",
    }


def in_process(root: str, way: str, n_parts: int, traced: bool) -> dict[str, object]:
    args = [sys.executable, __file__, "--measure", root, way, str(n_parts), str(int(traced))]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def main(n_parts: int = 100, rows: int = 10_000, s3: bool = False) -> None:
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(tempfile.TemporaryDirectory())
        if s3:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            from seaweed import seaweed_s3

            server = stack.enter_context(seaweed_s3())
            os.environ["BENCH_S3"] = json.dumps([server.endpoint, server.bucket, *server.admin])
            root = "s3"
            print("store: SeaweedFS S3 on loopback")
        start = time.perf_counter()
        build(root, n_parts, rows)
        built = time.perf_counter() - start
        print(f"{n_parts} parts x {rows:,} rows = {n_parts * rows:,} entries, both layouts written in {built:.0f} s")
        figures = {}
        for way in ("empty", "bucketed", "load-all"):
            timed, traced = in_process(root, way, n_parts, False), in_process(root, way, n_parts, True)
            figures[way] = timed | {"traced_mib": traced["traced_mib"]}
    assert figures["bucketed"]["outcome"] == figures["load-all"]["outcome"], "the two layouts disagree"
    kept, removed = figures["bucketed"]["kept"], figures["bucketed"]["removed"]
    print(f"dedup run of 1,000 documents: {kept} kept, {removed} removed (the same with either layout)")
    print(f"{'':28s} {'wall s':>8s} {'traced MiB':>11s} {'peak RSS +MiB':>12s}")
    for way, f in figures.items():
        print(f"{way:28s} {f['seconds']:8.2f} {f['traced_mib']:11.0f} {f['rss_mib']:12.0f}")
    b, a = figures["bucketed"], figures["load-all"]
    ratio = f"{b['seconds'] / a['seconds']:8.3f} {b['traced_mib'] / a['traced_mib']:11.3f}"
    print(f"{'ratio bucketed / load-all':28s} {ratio} {b['rss_mib'] / max(a['rss_mib'], 1):12.3f}")
    print(f"{'ratio bucketed / empty':28s} {b['seconds'] / figures['empty']['seconds']:8.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        root, way, n_parts, traced = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
        print(json.dumps(measure(root, way, n_parts, traced)))
    else:
        numbers = [int(a) for a in sys.argv[1:3] if a != "--s3"]
        main(*numbers, s3="--s3" in sys.argv)
