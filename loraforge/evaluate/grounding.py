"""Groundedness: the share of answer sentences that the example's source does not support.

An answer is split into sentences (claims); each claim is embedded with all-MiniLM-L6-v2 (the model
``semantic_similarity`` already loads, so groundedness adds no model load) and compared with every
sentence of the source. A claim is *supported* when its best cosine similarity reaches
``SUPPORT_THRESHOLD``. ``unsupported_claim_rate`` = unsupported claims / claims, over all judged answers.

The source of a held-out example is the text it was built from: an instruction or structured example
is answered by its chunk word for word, so the reference answer *is* the source chunk; a conversation
example comes from a chat, whose earlier turns are part of that source too.

The threshold was calibrated on ``tests/data/groundedness/dev.jsonl`` and checked on ``test.jsonl``
(hand-written claim/source pairs on the sample corpus; ``bench/calibrate_groundedness.py`` prints the
figures). Sentence similarity catches off-topic and invented-topic claims; it cannot see a changed
number inside an otherwise copied sentence (an NLI model would; none installs offline here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SUPPORT_THRESHOLD = 0.7  # calibrated on the dev set (module doc); EvalConfig.support_threshold overrides
MIN_CLAIM_WORDS = 3  # shorter fragments ("Yes.", a lone heading) state no checkable claim
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W_]+")


def claims(text: str) -> list[str]:
    """Sentences of ``text`` (split at . ! ? and line breaks) with at least ``MIN_CLAIM_WORDS`` words."""
    parts = (p.strip(" \t-*|") for p in _SENTENCE.split(text))
    return [p for p in parts if len(_WORD.findall(p)) >= MIN_CLAIM_WORDS]


def source_text(row: dict[str, Any]) -> str:
    """The text a held-out example was built from (module doc): the reference answer, plus the earlier
    turns of a conversation."""
    messages = row["messages"]
    if row.get("kind") == "conversation":
        return "\n".join(m["content"] for m in messages if m["role"] != "system")
    return messages[-1]["content"]


@dataclass(slots=True)
class Grounding:
    """One answer judged against its source: claims, how many are unsupported, each claim's best match."""

    n_claims: int
    n_unsupported: int
    best: list[float]  # per claim: highest cosine similarity with any source sentence

    def to_dict(self) -> dict[str, Any]:
        return {"n_claims": self.n_claims, "n_unsupported": self.n_unsupported, "best": self.best}


def best_support(claim_lists: Sequence[list[str]], sources: Sequence[str], device: str = "cpu") -> list[list[float]]:
    """Per answer, per claim: the highest cosine similarity with a sentence of that answer's source
    (0.0 when the source has no sentence). One batched encode for every claim and source sentence."""
    from loraforge.evaluate.metrics import load_similarity_model

    source_lists = [claims(s) or ([s.strip()] if s.strip() else []) for s in sources]
    texts = sorted({t for group in (*claim_lists, *source_lists) for t in group})
    if not texts:
        return [[] for _ in claim_lists]
    model = load_similarity_model(device)
    emb = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_tensor=True)
    index = {t: i for i, t in enumerate(texts)}
    out = []
    for answer_claims, source_sentences in zip(claim_lists, source_lists, strict=True):
        if not answer_claims:
            out.append([])
            continue
        if not source_sentences:
            out.append([0.0] * len(answer_claims))
            continue
        a = emb[[index[c] for c in answer_claims]]
        s = emb[[index[c] for c in source_sentences]]
        out.append([float(x) for x in (a @ s.T).max(dim=1).values.clamp(-1.0, 1.0).tolist()])
    return out


def ground(
    answers: Sequence[str], sources: Sequence[str], threshold: float = SUPPORT_THRESHOLD, device: str = "cpu"
) -> list[Grounding]:
    """Judge each answer's claims against its source (answer i vs source i)."""
    if len(answers) != len(sources):
        raise ValueError("answers and sources differ in length")
    claim_lists = [claims(a) for a in answers]
    results = []
    for best in best_support(claim_lists, sources, device):
        results.append(Grounding(len(best), sum(b < threshold for b in best), [round(b, 6) for b in best]))
    return results


def unsupported_rate(results: Sequence[Grounding]) -> float | None:
    """Unsupported claims / claims over all answers (None when no answer states a claim)."""
    n = sum(r.n_claims for r in results)
    return sum(r.n_unsupported for r in results) / n if n else None


def classify_pairs(pairs: Sequence[dict[str, Any]], threshold: float, device: str = "cpu") -> dict[str, float | int]:
    """Precision/recall of *unsupported* detection on labelled ``{"source", "sentence", "supported"}`` pairs
    (the calibration sets): a sentence is flagged when its best similarity is below ``threshold``."""
    best = best_support([[p["sentence"]] for p in pairs], [p["source"] for p in pairs], device)
    flagged = [b[0] < threshold for b in best]
    truth = [not p["supported"] for p in pairs]
    tp = sum(f and t for f, t in zip(flagged, truth, strict=True))
    fp = sum(f and not t for f, t in zip(flagged, truth, strict=True))
    fn = sum(t and not f for f, t in zip(flagged, truth, strict=True))
    tn = len(pairs) - tp - fp - fn
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": (tp + tn) / len(pairs) if pairs else 0.0,
    }


def ground_samples(
    samples: list[dict[str, Any]],
    rows: Sequence[dict[str, Any]],
    threshold: float = SUPPORT_THRESHOLD,
    device: str = "cpu",
) -> dict[str, float | None]:
    """Judge every in-scope sample's answers (each variant's) against the source of its row, in one batch;
    adds ``scores[variant]["grounding"]`` to each sample and returns ``unsupported_claim_rate`` per variant.
    An answer that refuses states no claim and is left out (``false_refusal_rate`` counts it)."""
    by_id = {r["id"]: r for r in rows}
    judged = [s for s in samples if s["kind"] != "refusal" and s["id"] in by_id]
    variants = list(samples[0]["outputs"]) if samples else []
    answers, sources = [], []
    for v in variants:
        for s in judged:
            answers.append("" if s["scores"][v]["refused"] else s["outputs"][v])
            sources.append(source_text(by_id[s["id"]]))
    results = ground(answers, sources, threshold, device)
    rates: dict[str, float | None] = {}
    for k, v in enumerate(variants):
        mine = results[k * len(judged) : (k + 1) * len(judged)]
        for s, g in zip(judged, mine, strict=True):
            s["scores"][v]["grounding"] = g.to_dict()
        rates[v] = unsupported_rate(mine)
    return rates
