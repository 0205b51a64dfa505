"""Evaluate a trained adapter against its base model (and the current champion) and gate promotion.

report = evaluate(base_model, adapter_dir, dataset_dir, EvalConfig(), champion_adapter_dir=None)
report.verdict            # "go" / "no-go" / "inconclusive" (too few examples to judge)
report.reasons            # one readable line per gate check
report.improvement_pct    # per metric, adapter vs base in percent (+ is better, whichever way it runs)
report.to_json(), report.to_markdown()

EvalConfig(probe_file="firm.jsonl") also asks the firm's own questions (``probe_file``); every evaluation
measures the unsupported-claim rate of its answers (``grounding``).
"""

from loraforge.evaluate.gate import GateCheck, GateConfig, apply_gate, regression, training_warnings
from loraforge.evaluate.grounding import SUPPORT_THRESHOLD, ground, unsupported_rate
from loraforge.evaluate.metrics import (
    DEFAULT_REFUSAL_PHRASES,
    exact_match,
    is_refusal,
    load_similarity_model,
    normalize_answer,
    refusal_opening,
    rouge_l,
    semantic_similarity,
    token_f1,
)
from loraforge.evaluate.probe_file import ProbeFileError, ProbeQuestion, load_probes, parse_probes
from loraforge.evaluate.registry import METRICS, REGISTRY, Metric, improvement_pct
from loraforge.evaluate.report import EvalReport
from loraforge.evaluate.run import EvalConfig, evaluate, load_eval_rows, select_for_generation

__all__ = [
    "DEFAULT_REFUSAL_PHRASES",
    "METRICS",
    "EvalConfig",
    "EvalReport",
    "GateCheck",
    "GateConfig",
    "ProbeFileError",
    "ProbeQuestion",
    "SUPPORT_THRESHOLD",
    "Metric",
    "REGISTRY",
    "apply_gate",
    "training_warnings",
    "evaluate",
    "exact_match",
    "ground",
    "improvement_pct",
    "load_probes",
    "parse_probes",
    "unsupported_rate",
    "is_refusal",
    "load_eval_rows",
    "load_similarity_model",
    "normalize_answer",
    "refusal_opening",
    "regression",
    "rouge_l",
    "select_for_generation",
    "semantic_similarity",
    "token_f1",
]
