"""Recall and precision of PII detections against labeled spans.

A gold span is recalled when some prediction of the same entity type overlaps it; a prediction is
correct when it overlaps some gold span of its type. Overlap (not exact boundaries) because what
matters for redaction is that the value is covered, and NER boundaries vary ("Dr. Maria Lopez").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ALL = "ALL"


@dataclass(frozen=True, slots=True)
class Score:
    """Counts behind recall and precision for one entity type (or ``ALL``)."""

    gold: int
    recalled: int
    predicted: int
    correct: int

    @property
    def recall(self) -> float:
        return self.recalled / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score_spans(
    gold: Sequence[Iterable[dict[str, Any]]],
    predicted: Sequence[Iterable[Any]],
    entities: Iterable[str],
) -> dict[str, Score]:
    """Per-entity and overall (``ALL``) scores.

    ``gold[i]`` are dicts with ``entity``, ``start``, ``end``; ``predicted[i]`` are objects with
    ``entity_type``, ``start``, ``end`` (Presidio's RecognizerResult). Only ``entities`` are scored.
    """
    wanted = set(entities)
    counts: dict[str, Counter[str]] = {e: Counter() for e in sorted(wanted)}
    for spans, preds in zip(gold, predicted, strict=True):
        spans = [s for s in spans if s["entity"] in wanted]
        preds = [p for p in preds if p.entity_type in wanted]
        for s in spans:
            c = counts[s["entity"]]
            c["gold"] += 1
            c["recalled"] += any(
                p.entity_type == s["entity"] and _overlaps(s["start"], s["end"], p.start, p.end) for p in preds
            )
        for p in preds:
            c = counts[p.entity_type]
            c["predicted"] += 1
            c["correct"] += any(
                s["entity"] == p.entity_type and _overlaps(s["start"], s["end"], p.start, p.end) for s in spans
            )
    scores = {e: Score(c["gold"], c["recalled"], c["predicted"], c["correct"]) for e, c in counts.items()}
    total = sum((counts[e] for e in counts), Counter())
    scores[ALL] = Score(total["gold"], total["recalled"], total["predicted"], total["correct"])
    return scores


def format_table(columns: dict[str, dict[str, Score]]) -> str:
    """A text table: one row per entity, recall and precision per named column."""
    names = list(columns)
    entities = list(next(iter(columns.values())))
    head = f"{'entity':16s} {'gold':>5s}" + "".join(f" | {n + ' recall':>17s} {n + ' prec':>15s}" for n in names)
    lines = [head, "-" * len(head)]
    for e in entities:
        first = columns[names[0]][e]
        row = f"{e:16s} {first.gold:5d}"
        for n in names:
            s = columns[n][e]
            row += f" | {s.recall:17.3f} {s.precision:15.3f}"
        lines.append(row)
    return "\n".join(lines)


# The scoring a firm cares about: is each personal value hidden, whatever label hid it, and how much
# of what was hidden was personal. Labels differ between any two label sets (BANK_ACCOUNT vs
# US_BANK_NUMBER, an address the NER calls PERSON); a value counts as protected when at least half of
# its characters are redacted.
COVERED = 0.5


@dataclass(frozen=True, slots=True)
class Coverage:
    """Span recall (at ``COVERED``) per gold entity and character precision of the redactions."""

    gold: dict[str, int]
    recalled: dict[str, int]
    redacted_chars: int
    correct_chars: int

    def recall(self, entities: Iterable[str] | None = None) -> float:
        keys = list(self.gold) if entities is None else [e for e in entities if e in self.gold]
        gold = sum(self.gold[e] for e in keys)
        return sum(self.recalled[e] for e in keys) / gold if gold else 1.0

    @property
    def char_precision(self) -> float:
        return self.correct_chars / self.redacted_chars if self.redacted_chars else 1.0


def coverage(gold: Sequence[Iterable[dict[str, Any]]], redacted: Sequence[Iterable[Any]]) -> Coverage:
    """Score ``redacted[i]`` (objects with ``start``/``end``: merged findings) against ``gold[i]``."""
    n_gold: Counter[str] = Counter()
    n_recalled: Counter[str] = Counter()
    redacted_chars = correct_chars = 0
    for spans, found in zip(gold, redacted, strict=True):
        hidden: set[int] = {i for f in found for i in range(f.start, f.end)}
        personal: set[int] = set()
        for s in spans:
            chars = set(range(s["start"], s["end"]))
            personal |= chars
            n_gold[s["entity"]] += 1
            n_recalled[s["entity"]] += len(chars & hidden) >= COVERED * len(chars)
        redacted_chars += len(hidden)
        correct_chars += len(hidden & personal)
    return Coverage(dict(sorted(n_gold.items())), dict(n_recalled), redacted_chars, correct_chars)
