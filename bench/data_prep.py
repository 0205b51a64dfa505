"""Data-prep throughput, every figure a ratio against a baseline measured in this same process.

    .venv/bin/python bench/data_prep.py [--copies N] [--skip-flow]

1. Per-stage MB/s and docs/s of the library chain (ingest, PII, dedup, dataset) on the sample corpus
   replicated ``N`` times (each copy lightly edited, so every stage does full work).
2. PII fast path vs Presidio's ``BatchAnalyzerEngine`` with the same recognizers (bench/pii.py).
3. MinHash signatures vs datasketch (bench/bench_dedup.py).
4. The whole data-prep flow through Prefect vs the same stages chained directly (``run_data_prep``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from loraforge.offline import ensure_offline  # noqa: E402

ensure_offline()

from loraforge import prep  # noqa: E402
from loraforge.storage import LocalStore  # noqa: E402

TEXT_SUFFIXES = {".md", ".txt", ".html", ".csv", ".json", ".jsonl"}
# Function words, frequent enough that nearly every 5-word shingle holds one: tagging them per copy makes
# each copy a distinct document (below the near-duplicate threshold) while names, numbers and PII stay.
_FUNCTION_WORDS = re.compile(r"\b(the|and|of|to|in|for|is|or|with|a|an|on|your|you|we|our)\b", re.IGNORECASE)
_HTML_TEXT = re.compile(r">([^<]+)<")


def _tag(i: int) -> str:
    """A letters-only tag per copy ("qa", "qb", ...): digits would read as numbers to the PII stage."""
    out, i = "", i + 26
    while i:
        i, r = divmod(i, 26)
        out = chr(ord("a") + r) + out
    return out


def vary(text: str, i: int, html: bool = False) -> str:
    """Copy ``i`` of a text: every function word gets the copy's tag (``the`` -> ``theqa``)."""
    tag = _tag(i)
    sub = lambda t: _FUNCTION_WORDS.sub(lambda m: m.group(1) + tag, t)  # noqa: E731
    return _HTML_TEXT.sub(lambda m: ">" + sub(m.group(1)) + "<", text) if html else sub(text)


def _vary_docx(path: Path, i: int) -> None:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:  # a planted broken .docx: quarantined in every copy alike
        return
    paragraphs = list(document.paragraphs)
    paragraphs += [p for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for paragraph in paragraphs:
        for run in paragraph.runs:
            run.text = vary(run.text, i)
    document.save(str(path))


def make_corpus(dst: Path, copies: int) -> Path:
    """``copies`` copies of examples/docs, each a distinct set of documents (``vary``): text files and
    .docx are rewritten per copy, so dedup keeps every copy and every stage does full work; the PDFs and
    the image stay as they are (their duplicates across copies are dropped by dedup)."""
    for i in range(copies):
        target = dst / f"copy{i:03d}"
        shutil.copytree(REPO / "examples" / "docs", target)
        for path in target.rglob("*"):
            if path.suffix == ".docx":
                _vary_docx(path, i)
            elif path.suffix in TEXT_SUFFIXES and path.stat().st_size > 100:
                raw = path.read_bytes()
                encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
                text = raw.decode(encoding, errors="surrogateescape")
                varied = vary(text, i, html=path.suffix == ".html")
                if path.suffix in (".md", ".txt"):  # a line of its own breaks no table or JSON
                    varied += f"\nRevision {_tag(i)} of this document.\n"
                path.write_bytes(varied.encode(encoding, errors="surrogateescape"))
    return dst


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def stage_figures(source: Path, store_root: Path) -> tuple[dict[str, dict[str, float]], float]:
    """Run the library chain stage by stage; MB are input bytes for ingest, document text after that."""
    store, config = LocalStore(store_root), prep.DataPrepConfig()
    shards = prep.plan_shards(source, config.shard_size)
    ingested, t_ingest = timed(lambda: [prep.ingest_shard(store, s, config) for s in shards])
    docs = prep.read_docs(store, [k for m in ingested for k in m.outputs])
    text_mb = sum(len(d.text.encode()) for d in docs) / 1e6
    scanned, t_pii = timed(lambda: [prep.scan_pii(store, m, config) for m in ingested])
    deduped, t_dedup = timed(prep.deduplicate, store, scanned, config)
    report = prep.summarize(ingested, scanned, deduped)
    _, t_dataset = timed(prep.build_dataset, store, deduped, config, report)
    in_mb = sum(m.extra["bytes"] for m in ingested) / 1e6
    figures = {
        "ingest": {"mb": in_mb, "docs": len(docs), "s": t_ingest},
        "pii": {"mb": text_mb, "docs": len(docs), "s": t_pii},
        "dedup": {"mb": text_mb, "docs": deduped.n_in, "s": t_dedup},
        "dataset": {"mb": text_mb, "docs": deduped.n_out, "s": t_dataset},
    }
    return figures, t_ingest + t_pii + t_dedup + t_dataset


def flow_vs_direct(source: Path, tmp: Path) -> tuple[float, float]:
    """Seconds for the direct chain and for the flow, same input, fresh stores (no cache hits)."""
    from flows.data_prep import data_prep
    from loraforge.target import Target

    warm = make_corpus(tmp / "warm", 1)  # starts the local Prefect server, loads spaCy: not measured
    prep.run_data_prep(warm, LocalStore(tmp / "warm-direct"))
    data_prep(source=str(warm), target=Target(store=str(tmp / "warm-flow")))
    _, direct = timed(prep.run_data_prep, source, LocalStore(tmp / "direct"))
    _, flow = timed(lambda: data_prep(source=str(source), target=Target(store=str(tmp / "flow"))))
    return direct, flow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # 24 copies (~9 MB of input files): each task run costs a fixed ~1-2 s on the temporary SQLite
    # Prefect server (its tag-concurrency lease call), which a toy-sized input would let dominate.
    parser.add_argument("--copies", type=int, default=24, help="replicas of the sample corpus")
    parser.add_argument("--skip-flow", action="store_true", help="skip the Prefect flow comparison")
    args = parser.parse_args()

    import bench_dedup
    import pii as bench_pii

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source = make_corpus(tmp / "corpus", args.copies)
        figures, total = stage_figures(source, tmp / "stages")
        print(f"\n== library stages, sample corpus x{args.copies} ==")
        print(f"{'stage':<8} {'MB':>7} {'docs':>6} {'s':>7} {'MB/s':>8} {'docs/s':>8}")
        for name, f in figures.items():
            print(
                f"{name:<8} {f['mb']:7.2f} {f['docs']:6d} {f['s']:7.2f} {f['mb'] / f['s']:8.3f} "
                f"{f['docs'] / f['s']:8.1f}"
            )
        print(f"{'total':<8} {'':7} {'':6} {total:7.2f}")

        print("\n== PII: fast path vs Presidio BatchAnalyzerEngine, same recognizers (one core) ==")
        texts = [r["text"] for name in ("test", "business") for r in bench_pii.load(name)]
        pii = bench_pii.throughput(texts, bench_pii.PiiConfig(), rounds=5)
        print(f"presidio batch engine {pii['presidio']:8.1f} KB/s")
        print(f"fast path             {pii['fast']:8.1f} KB/s")
        print(f"ratio                 {pii['fast'] / pii['presidio']:8.2f}x")

        print("\n== MinHash signatures vs datasketch (one core) ==")
        mh = bench_dedup.measure(bench_dedup.make_texts(10.0))
        for key, value in mh.items():
            print(f"{key:<28} {value:.2f}")

        if not args.skip_flow:
            direct, flow = flow_vs_direct(source, tmp)
            print("\n== whole data-prep: Prefect flow vs the same stages chained directly ==")
            print(f"direct chain  {direct:7.2f} s")
            print(f"prefect flow  {flow:7.2f} s")
            print(f"flow throughput / direct throughput = {direct / flow:.3f}  (bar: >= 0.85)")


if __name__ == "__main__":
    main()
