"""Loading and querying a persisted dedup index of many append-only parts vs one single file.

    python bench/dedup_index.py [PARTS] [ROWS_PER_PART]     # default 100 parts x 10,000 = 1M signatures

Synthetic entries (random uint32 signatures at num_perm=128, random digests, 16-character ids) are
written to a local folder store as ``PARTS`` parts and, as the baseline, as one single index file of
the same entries. Reported: wall time and peak traced memory (numpy arrays and Python objects) of
loading each, the ratio parts/single, and the time of one dedup run of 1,000 new documents against
the loaded index, next to the same run against an empty index (the run meets only the entries that
share a text or a band hash with its documents, so its cost should barely grow with the index).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's loraforge, installed or not

from loraforge.dedup import DedupConfig, Deduplicator, IndexStore, NearDupIndex, band_hashes
from loraforge.records import Document, Element
from loraforge.storage import LocalStore


def synthetic_part(config: DedupConfig, rows: int, rng: np.random.Generator, tag: int) -> NearDupIndex:
    sigs = rng.integers(0, 2**32, (rows, config.advanced.num_perm), dtype=np.uint32)
    ids = [f"{tag:06d}{i:010d}" for i in range(rows)]
    return NearDupIndex(
        config,
        ids,
        [f"part{tag}/{i}.txt" for i in range(rows)],
        rng.integers(0, 256, (rows, 32), dtype=np.uint8),
        rng.integers(100, 100_000, rows, dtype=np.int64),
        sigs,
        band_hashes(sigs, config.advanced.bands, config.advanced.rows),
    )


def measured(fn: Callable[[], object]) -> tuple[object, float, float]:
    """(result, seconds, peak traced MiB) of ``fn``."""
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def main(n_parts: int = 100, rows: int = 10_000) -> None:
    config, rng = DedupConfig(), np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(tmp)
        parts, single = IndexStore(store, "acme/handbook/prep/dedup"), []
        for tag in range(n_parts):
            part = synthetic_part(config, rows, rng, tag)
            parts.append(part)
            single.append(part)
        NearDupIndex.concat(config, single).save(store, "baseline/index.npz")
        del single
        data_mib = n_parts * rows * (config.advanced.num_perm * 4 + config.advanced.bands * 8 + 32 + 8) / 2**20

        base, base_s, base_mib = measured(lambda: NearDupIndex.load(store, "baseline/index.npz"))
        del base
        index, parts_s, parts_mib = measured(lambda: parts.load(config))
        words = "travel expense receipt approval policy hotel flight booking report finance team meal".split()
        docs = []
        for i in range(1000):
            text = " ".join(words[(i * 7 + k) % len(words)] + str(k % (i + 3)) for k in range(200))
            elements = [Element("text", text)]
            docs.append(Document(Document.make_id("txt", elements), f"new/{i}.txt", "txt", elements, str(i)))
        _, query_s, query_mib = measured(lambda: Deduplicator(config, index=index).run(docs))
        _, alone_s, alone_mib = measured(lambda: Deduplicator(config).run(docs))

    print(f"{n_parts} parts x {rows} rows = {len(index):,} signatures ({data_mib:,.0f} MiB of arrays)")
    print(f"{'load single file (baseline)':34s} {base_s:8.2f} s {base_mib:9.0f} MiB peak")
    print(f"{'load all parts':34s} {parts_s:8.2f} s {parts_mib:9.0f} MiB peak")
    print(f"{'ratio parts / single':34s} {parts_s / base_s:8.2f} x {parts_mib / base_mib:9.2f} x")
    print(f"{'dedup run of 1,000 docs vs index':34s} {query_s:8.2f} s {query_mib:9.0f} MiB peak")
    print(f"{'the same run, empty index':34s} {alone_s:8.2f} s {alone_mib:9.0f} MiB peak")
    print(f"{'ratio index / empty':34s} {query_s / alone_s:8.2f} x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
