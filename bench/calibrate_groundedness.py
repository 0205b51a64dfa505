"""Calibrate the groundedness threshold: sweep it on the dev pairs, report the chosen one on the test pairs.

    python bench/calibrate_groundedness.py

Pairs: ``tests/data/groundedness/{dev,test}.jsonl`` (a claim, the source passage, whether the passage
supports it). "Positive" is an unsupported claim (what the metric counts). The dev set picks the
threshold with the best F1 (ties: the lower threshold); the test set, written separately on other
passages, says how that threshold generalises. Also prints the similarity of every test pair by kind.
"""

from __future__ import annotations

import json
from pathlib import Path

from loraforge.evaluate.grounding import SUPPORT_THRESHOLD, best_support, classify_pairs

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "groundedness"


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()]


def f1(m: dict) -> float:
    p, r = m["precision"], m["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    dev, test = load("dev"), load("test")
    sweep = [round(0.30 + 0.05 * i, 2) for i in range(11)]
    scored = [(t, classify_pairs(dev, t)) for t in sweep]
    for t, m in scored:
        print(f"dev  t={t:.2f}  P={m['precision']:.3f} R={m['recall']:.3f} F1={f1(m):.3f} acc={m['accuracy']:.3f}")
    best_t = max(scored, key=lambda tm: (round(f1(tm[1]), 6), -tm[0]))[0]
    print(f"best dev threshold: {best_t:.2f} (shipped SUPPORT_THRESHOLD = {SUPPORT_THRESHOLD})")
    for name, pairs in (("dev", dev), ("test", test)):
        m = classify_pairs(pairs, SUPPORT_THRESHOLD)
        print(f"{name} at {SUPPORT_THRESHOLD}: {json.dumps(m)} F1={f1(m):.3f}")
    sims = best_support([[p["sentence"]] for p in test], [p["source"] for p in test])
    by_kind: dict[str, list[float]] = {}
    for p, s in zip(test, sims, strict=True):
        by_kind.setdefault(p["kind"], []).append(s[0])
    for kind, values in sorted(by_kind.items()):
        print(f"test {kind:11s} n={len(values):2d} min={min(values):.3f} max={max(values):.3f}")


if __name__ == "__main__":
    main()
