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
    ``refusal`` (answers to out-of-scope prompts) or ``timing``. ``relative``: the gate measures a
    regression as a fraction of the champion's value (unbounded metrics), else in points."""

    name: str
    direction: Literal["higher", "lower"]
    scope: Literal["loss", "in_scope", "refusal", "timing"]
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
        Metric("latency_s", "lower", "timing", relative=True, headline=False),
    )
}
METRICS = tuple(REGISTRY)
ANSWER_METRICS = tuple(name for name, m in REGISTRY.items() if m.score is not None)
LOWER_IS_BETTER = tuple(name for name, m in REGISTRY.items() if m.lower_is_better)
HIGHER_IS_BETTER = tuple(name for name, m in REGISTRY.items() if not m.lower_is_better)
RELATIVE_METRICS = tuple(name for name, m in REGISTRY.items() if m.relative)
HEADLINE_METRICS = tuple(name for name, m in REGISTRY.items() if m.headline)
