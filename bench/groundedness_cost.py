"""What groundedness adds to an evaluation: time ``ground_samples`` on a finished run's samples, against
``semantic_similarity`` on the same answers (a metric every evaluation already pays), in the same process.

    python bench/groundedness_cost.py .loraforge/artifacts/default/default/runs/<run>/eval_report.json DATASET_DIR

The machine may be shared: read the ratio, not the seconds.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

from loraforge.dataset.version import DatasetVersion
from loraforge.evaluate.grounding import ground_samples
from loraforge.evaluate.metrics import load_similarity_model, semantic_similarity


def main(report_path: str, dataset_dir: str) -> None:
    report = json.loads(Path(report_path).read_text())
    _, rows = DatasetVersion(dataset_dir).held_out()
    samples = report["samples"]
    t0 = time.perf_counter()
    load_similarity_model("cpu")
    load_s = time.perf_counter() - t0
    variants = list(samples[0]["outputs"])
    preds = [s["outputs"][v] for v in variants for s in samples]
    refs = [s["reference"] for _ in variants for s in samples]
    timings = {}
    for name, fn in (
        ("semantic_similarity", lambda: semantic_similarity(preds, refs)),
        ("groundedness", lambda: ground_samples(copy.deepcopy(samples), rows)),
    ):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        timings[name] = best
    n_claims = sum(s["scores"][v].get("grounding", {}).get("n_claims", 0) for s in samples for v in variants)
    print(f"samples {len(samples)} x {len(variants)} variants, claims judged {n_claims}")
    print(f"MiniLM load {load_s:.2f}s (paid once, shared with semantic_similarity)")
    for name, seconds in timings.items():
        print(f"{name:20s} {seconds:.3f}s")
    print(f"groundedness / semantic_similarity = {timings['groundedness'] / timings['semantic_similarity']:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
