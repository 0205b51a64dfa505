"""Every evaluation metric, declared once: its name, how it is scored, which way is better, what it covers.

The evaluation, the gate, the report tables and the bundle README iterate ``REGISTRY``; adding a
metric is adding one ``Metric`` here (and, for an answer metric, its scoring function).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from loraforge.evaluate.metrics import exact_match, rouge_l, semantic_similarity, token_f1

# scores(predictions, references, device) -> one score per pair
Scorer = Callable[[Sequence[str], Sequence[str], str], list[float]]


def _pairwise(fn: Callable[[str, str], float]) -> Scorer:
    return lambda preds, refs, device: [fn(p, r) for p, r in zip(preds, refs, strict=True)]


@dataclass(frozen=True, slots=True)
class Metric:
    """``scope``: ``loss`` (every held-out answer), ``in_scope`` (generated answers to in-scope prompts),
    ``refusal`` (answers to out-of-scope prompts), ``probe`` (answers to the probe file's questions) or
    ``timing``. ``relative``: the gate measures a
    regression as a fraction of the champion's value (unbounded metrics), else in points."""

    name: str
    direction: Literal["higher", "lower"]
    scope: Literal["loss", "in_scope", "refusal", "probe", "timing"]
    score: Scorer | None = None  # answer metrics: scores of generated answers against references
    relative: bool = False
    headline: bool = True  # shown in the bundle README

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"


REGISTRY: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("eval_loss", "lower", "loss", relative=True),
        Metric("perplexity", "lower", "loss", relative=True),
        Metric("exact_match", "higher", "in_scope", _pairwise(exact_match), headline=False),
        Metric("token_f1", "higher", "in_scope", _pairwise(token_f1)),
        Metric("rouge_l", "higher", "in_scope", _pairwise(rouge_l)),
        Metric("semantic_similarity", "higher", "in_scope", semantic_similarity),
        Metric("refusal_accuracy", "higher", "refusal"),
        Metric("false_refusal_rate", "lower", "in_scope", headline=False),
        # share of claims (sentences) in in-scope answers that the example's source does not support (grounding.py)
        Metric("unsupported_claim_rate", "lower", "in_scope"),
        # the firm's own questions (probe_file.py): present only when a probe file is configured
        Metric("probe_score", "higher", "probe"),
        Metric("probe_keyword_recall", "higher", "probe", headline=False),
        Metric("probe_token_f1", "higher", "probe", headline=False),
        Metric("probe_exact_match", "higher", "probe", headline=False),
        Metric("probe_forbidden_rate", "lower", "probe", headline=False),
        Metric("latency_s", "lower", "timing", relative=True, headline=False),
    )
}
METRICS = tuple(REGISTRY)
ANSWER_METRICS = tuple(name for name, m in REGISTRY.items() if m.score is not None)
LOWER_IS_BETTER = tuple(name for name, m in REGISTRY.items() if m.lower_is_better)
HIGHER_IS_BETTER = tuple(name for name, m in REGISTRY.items() if not m.lower_is_better)
RELATIVE_METRICS = tuple(name for name, m in REGISTRY.items() if m.relative)
HEADLINE_METRICS = tuple(name for name, m in REGISTRY.items() if m.headline)


def improvement_pct(metric: str, base: float | None, adapter: float | None) -> float | None:
    """Relative improvement of the adapter over the base, in percent, positive when the adapter is better:
    ``(adapter - base) / |base|`` for higher-is-better metrics, ``(base - adapter) / |base|`` for lower-is-better
    ones (a loss that falls from 2.0 to 1.5 improves by +25 %). None when a value is missing or the base is 0
    (no relative change from nothing: read the absolute difference instead)."""
    if base is None or adapter is None or base == 0:
        return None
    change = (base - adapter) if REGISTRY[metric].lower_is_better else (adapter - base)
    return 100 * change / abs(base)
