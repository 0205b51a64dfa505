"""PII scan throughput and recall: PiiScanner against Presidio's plain ``analyze`` loop, same process.

    python bench/bench_pii.py [--mb 1.0] [--repeats 1] [--sentences]

The baseline is what one would write first: ``AnalyzerEngine`` with the spaCy model through
``NlpEngineProvider`` (Presidio's default NER configuration) and ``analyze(text)`` per text with the
same entities and threshold. The scanner is timed on the full ``scan`` (Documents in, redacted
Documents out). Both run single-threaded (BLAS limited to one thread) and are timed in process CPU
time, so KB/s are per core.

The corpus is drawn from the labeled-set generator with other seeds (unique texts, so the scanner's
reuse of identical texts within a chunk does not flatter it): by default half sentence-sized
elements, half paragraphs of 3-6 of them; ``--sentences`` uses element-sized texts only (the
labeled texts, then more of the same kind). Recall is measured on the committed labeled set.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # per-core figures; must precede the numpy import

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from contextlib import nullcontext  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from loraforge.offline import ensure_offline  # noqa: E402
from loraforge.pii import PiiConfig, PiiScanner, nlp_configuration  # noqa: E402
from loraforge.pii.scoring import format_table, score_spans  # noqa: E402
from loraforge.records import Document, Element  # noqa: E402

LABELED = REPO / "tests" / "data" / "pii_labeled.jsonl"


def load_labeled(path: Path = LABELED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def build_baseline(config: PiiConfig) -> Callable[[str], list[Any]]:
    """Presidio's plain per-text analyze, configured like ``config``."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    ensure_offline()
    engine = NlpEngineProvider(nlp_configuration=nlp_configuration(config.spacy_model, config.language)).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=[config.language])

    def analyze(text: str) -> list[Any]:
        return analyzer.analyze(
            text,
            language=config.language,
            entities=list(config.entities),
            score_threshold=config.score_threshold,
            allow_list=list(config.allow_list) or None,
        )

    return analyze


def _one_thread() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional; the environment variable above covers the __main__ case
        return nullcontext()
    return threadpool_limits(1)


def _timed(fn: Callable[[], Any]) -> float:
    # CPU time of this (single-threaded) process: per-core cost, unaffected by other jobs sharing
    # the machine, which made wall-clock ratios swing by +-30% here.
    start = time.process_time()
    fn()
    return time.process_time() - start


def measure(
    texts: Sequence[str],
    config: PiiConfig | None = None,
    labeled: list[dict[str, Any]] | None = None,
    repeats: int = 1,
    rounds: int = 5,
) -> dict[str, Any]:
    """Baseline and scanner KB/s on ``texts`` (duplicates removed), their ratio, and recall/precision
    of both on the labeled set.

    The texts are cut into ``rounds`` slices timed alternately (baseline, scanner, next slice...), so
    both see the same machine load on a shared box; each slice is timed ``repeats`` times, best kept.
    """
    config = config or PiiConfig()
    labeled = load_labeled() if labeled is None else labeled
    texts = list(dict.fromkeys(t for t in texts if t.strip()))
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    baseline = build_baseline(config)
    scanner = PiiScanner(config)
    docs = [Document(f"d{i}", f"bench#{i}", "txt", [Element("text", t)], "") for i, t in enumerate(texts)]
    step = -(-len(texts) // rounds)
    t_base = t_scan = 0.0
    with _one_thread():
        baseline(texts[0]), scanner.scan(docs[:1])  # warm up (lazy loads)
        for start in range(0, len(texts), step):
            part, part_docs = texts[start : start + step], docs[start : start + step]
            t_base += min(_timed(lambda p=part: [baseline(t) for t in p]) for _ in range(repeats))
            t_scan += min(_timed(lambda d=part_docs: scanner.scan(d)) for _ in range(repeats))
        gold = [r["spans"] for r in labeled]
        label_texts = [r["text"] for r in labeled]
        scores = {
            "baseline": score_spans(gold, [baseline(t) for t in label_texts], config.entities),
            "scanner": score_spans(gold, scanner.analyze(label_texts), config.entities),
        }
    return {
        "n_texts": len(texts),
        "kb": round(kb, 1),
        "baseline_kb_s": round(kb / t_base, 1),
        "scanner_kb_s": round(kb / t_scan, 1),
        "ratio": round(t_base / t_scan, 2),
        "scores": scores,
    }


def build_corpus(target_bytes: int, seed: int = 1) -> list[str]:
    """Unique texts from the labeled-set generator: half single elements, half 3-6 sentence paragraphs."""
    spec = importlib.util.spec_from_file_location("make_pii_labeled", REPO / "tests" / "data" / "make_pii_labeled.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    rng = random.Random(seed)
    texts: list[str] = []
    seen: set[str] = set()
    size = 0
    round_seed = 1000 + seed
    while size < target_bytes:
        sentences = [r["text"] for r in gen.generate(seed=round_seed)]
        round_seed += 1
        while sentences and size < target_bytes:
            if rng.random() < 0.5:
                text = sentences.pop()
            else:
                k = min(len(sentences), rng.randint(3, 6))
                text = " ".join(sentences.pop() for _ in range(k))
            if text not in seen:
                seen.add(text)
                texts.append(text)
                size += len(text.encode("utf-8"))
    return texts


def build_sentences(target_bytes: int) -> list[str]:
    """Element-sized texts: the labeled set's, then more from other seeds (unique) up to the size."""
    spec = importlib.util.spec_from_file_location("make_pii_labeled", REPO / "tests" / "data" / "make_pii_labeled.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    texts = list(dict.fromkeys(r["text"] for r in load_labeled()))
    seed = 2000
    while sum(len(t.encode("utf-8")) for t in texts) < target_bytes:
        texts = list(dict.fromkeys(texts + [r["text"] for r in gen.generate(seed=seed)]))
        seed += 1
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="corpus size in MB")
    parser.add_argument("--repeats", type=int, default=1, help="timing repeats per slice (best is kept)")
    parser.add_argument("--sentences", action="store_true", help="the labeled texts replicated, not paragraphs")
    args = parser.parse_args()
    target = int(args.mb * 1024 * 1024)
    texts = build_sentences(target) if args.sentences else build_corpus(target)
    result = measure(texts, repeats=args.repeats)
    print(f"corpus: {result['n_texts']} texts, {result['kb']} KB (unique)")
    print(f"baseline (presidio analyze loop): {result['baseline_kb_s']:8.1f} KB/s")
    print(f"PiiScanner.scan:                  {result['scanner_kb_s']:8.1f} KB/s")
    print(f"ratio:                            {result['ratio']:8.2f}x")
    print()
    print(format_table(result["scores"]))


if __name__ == "__main__":
    main()
