"""Ingest throughput over a folder of documents, against a read-and-hash baseline in the same run.

    python bench/bench_ingest.py [FOLDER]      # default examples/docs

Prints MB/s and documents/s for a cold pass (first import of unstructured, first spaCy load) and a
warm pass, the per-type split of the warm pass, and the ratio to the baseline (reading and hashing
the same files), which is the floor no parser can beat. Wall-clock, single process.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from loraforge.ingest import IngestConfig, discover, ingest_file, ingest_files
from loraforge.ingest.detect import detect_type

REPO = Path(__file__).resolve().parents[1]


def forget_parsed_text() -> None:
    """Drop unstructured's per-text spaCy caches (keeping the loaded model), so a second pass over the
    same files measures parsing rather than cache hits."""
    from unstructured.nlp import tokenize

    for fn in (tokenize._process_cached, tokenize.word_tokenize, tokenize.pos_tag, tokenize._tokenize_for_cache):
        fn.cache_clear()


def measure(paths: Sequence[Path], config: IngestConfig | None = None) -> dict[str, float]:
    """Ingest ``paths`` once; return ``mb_per_s``, ``docs_per_s``, ``n_docs``, ``n_bytes``, ``seconds``.

    MB are 10**6 bytes of input read; documents are ingested Documents (a conversation file counts
    one per conversation), quarantined files count towards bytes but not documents.
    """
    if "unstructured.nlp.tokenize" in sys.modules:
        forget_parsed_text()
    started = time.perf_counter()
    result = ingest_files(paths, config or IngestConfig())
    seconds = time.perf_counter() - started
    return {
        "mb_per_s": result.n_bytes / 1e6 / seconds,
        "docs_per_s": len(result.documents) / seconds,
        "n_docs": len(result.documents),
        "n_bytes": result.n_bytes,
        "seconds": seconds,
    }


def baseline(paths: Sequence[Path]) -> dict[str, float]:
    """Read and sha256 every file: the I/O floor ingest pays before parsing anything."""
    started = time.perf_counter()
    n_bytes = 0
    for path in paths:
        data = path.read_bytes()
        hashlib.sha256(data).digest()
        n_bytes += len(data)
    seconds = time.perf_counter() - started
    return {"mb_per_s": n_bytes / 1e6 / seconds, "n_bytes": n_bytes, "seconds": seconds}


def per_type(paths: Sequence[Path], config: IngestConfig | None = None) -> dict[str, dict[str, float]]:
    """Warm per-detected-type figures: files, MB, seconds, MB/s."""
    config = config or IngestConfig()
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for path in paths:
        data = path.read_bytes()
        kind = detect_type(data, path)[0] if data.strip() else "empty"
        forget_parsed_text()
        started = time.perf_counter()
        ingest_file(path, config)
        row = acc[kind]
        row[0] += 1
        row[1] += len(data)
        row[2] += time.perf_counter() - started
    return {
        k: {"files": n, "mb": b / 1e6, "seconds": s, "mb_per_s": b / 1e6 / s if s else 0.0}
        for k, (n, b, s) in sorted(acc.items())
    }


def main(folder: Path) -> None:
    logging.basicConfig(level=logging.ERROR)  # quarantine warnings are expected here, not news
    paths = discover(folder)
    if not paths:
        raise SystemExit(f"no files under {folder}")
    base = baseline(paths)
    cold = measure(paths)
    warm = measure(paths)
    print(f"{len(paths)} files, {base['n_bytes'] / 1e6:.2f} MB under {folder}")
    print(f"baseline read+sha256: {base['mb_per_s']:10.1f} MB/s")
    for name, m in (("cold", cold), ("warm", warm)):
        print(
            f"ingest {name}: {m['mb_per_s']:8.3f} MB/s  {m['docs_per_s']:7.2f} docs/s  "
            f"({m['n_docs']} docs in {m['seconds']:.2f} s; baseline/ingest = {base['mb_per_s'] / m['mb_per_s']:.0f}x)"
        )
    print("warm, per detected type:")
    for kind, row in per_type(paths).items():
        print(
            f"  {kind:<16} {row['files']:4.0f} files {row['mb']:8.3f} MB "
            f"{row['seconds']:7.2f} s {row['mb_per_s']:8.3f} MB/s"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "examples" / "docs")
