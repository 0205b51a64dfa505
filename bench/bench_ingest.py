"""Ingest throughput over a folder of documents, against baselines measured in the same run.

    python bench/bench_ingest.py [FOLDER] [--rounds N]      # default examples/docs, 3 rounds

Prints MB/s and documents/s for a cold pass (first import of unstructured, first spaCy load) and a
warm pass, the per-type split of the warm pass, and the ratio to reading and hashing the same files
(the floor no parser can beat). Then, on the DOCX/HTML/Markdown/text files, loraforge's ingest against
unstructured's own partitioners called with their defaults (language detection, spaCy parser
sentences, Markdown through partition_html: what ingest called before), and against ingest with
``rule_based_sentences=False``; rounds are interleaved and the median is kept, so a busy machine
slows both sides alike. Wall-clock, single process, one core.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from loraforge.ingest import IngestConfig, decode_text, discover, ingest_file, ingest_files
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
    """Warm per-detected-type figures: files, MB, seconds, MB/s; scanned PDFs apart, as "pdf (OCR)"."""
    config = config or IngestConfig()
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for path in paths:
        data = path.read_bytes()
        kind = detect_type(data, path)[0] if data.strip() else "empty"
        forget_parsed_text()
        started = time.perf_counter()
        result = ingest_file(path, config)
        if any(d.meta.get("ocr_pages") for d in result.documents):
            kind += " (OCR)"
        row = acc[kind]
        row[0] += 1
        row[1] += len(data)
        row[2] += time.perf_counter() - started
    return {
        k: {"files": n, "mb": b / 1e6, "seconds": s, "mb_per_s": b / 1e6 / s if s else 0.0}
        for k, (n, b, s) in sorted(acc.items())
    }


def unstructured_defaults(paths: Sequence[Path]) -> float:
    """Seconds for unstructured's own partitioners, defaults kept, over ``paths`` (docx/html/md/txt)."""
    from unstructured.partition.docx import partition_docx
    from unstructured.partition.html import partition_html
    from unstructured.partition.md import partition_md
    from unstructured.partition.text import partition_text

    forget_parsed_text()
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        kind = detect_type(data, path)[0]
        if kind == "docx":
            partition_docx(file=io.BytesIO(data))
            continue
        text = decode_text(data, "cp1252")[0]  # the same decoding ingest does, so only parsing differs
        if kind == "html":
            partition_html(text=text, skip_headers_and_footers=True)
        elif kind == "md":
            partition_md(text=text)
        else:
            partition_text(text=text)
    return time.perf_counter() - started


def compare_with_unstructured(paths: Sequence[Path], rounds: int) -> None:
    """Interleaved rounds of: unstructured's defaults, ingest, ingest without rule-based sentences."""
    office = [p for p in paths if p.read_bytes().strip() and detect_type(p.read_bytes(), p)[0] in OFFICE]
    n_bytes = sum(p.stat().st_size for p in office)
    runs: dict[str, Callable[[], float]] = {
        "unstructured partition_*() defaults": lambda: unstructured_defaults(office),
        "ingest, rule_based_sentences=False": lambda: measure(office, IngestConfig(rule_based_sentences=False))[
            "seconds"
        ],
        "ingest (default config)": lambda: measure(office)["seconds"],
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.process_time()
            times[name].append(run())
            cpu[name].append(time.process_time() - started)
    base = statistics.median(times["unstructured partition_*() defaults"])
    print(f"\n{len(office)} DOCX/HTML/Markdown/text files, {n_bytes / 1e6:.3f} MB, median of {rounds} rounds")
    print("(MB per CPU-second is the per-core rate, less disturbed by other processes than wall-clock):")
    for name, values in times.items():
        seconds, cpu_s = statistics.median(values), statistics.median(cpu[name])
        print(
            f"  {name:<38} {n_bytes / 1e6 / seconds:7.3f} MB/s wall  {n_bytes / 1e6 / cpu_s:7.3f} MB/CPU-s  "
            f"{base / seconds:5.2f}x unstructured"
        )


OFFICE = ("docx", "html", "md", "txt")


def main(folder: Path, rounds: int) -> None:
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
    compare_with_unstructured(paths, rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "examples" / "docs")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    main(args.folder, args.rounds)
