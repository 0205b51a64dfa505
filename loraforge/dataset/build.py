"""Dataset build: documents in, a versioned chat-format DatasetDict (+ JSONL, drop log, card) out."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from loraforge.dataset.card import render_card, token_histogram
from loraforge.dataset.chunk import approx_tokens, chunk_document
from loraforge.dataset.examples import (
    DEFAULT_REFUSAL,
    DEFAULT_SYSTEM_PROMPT,
    conversation_examples,
    instruction_examples,
    refusal_examples,
)
from loraforge.dataset.quality import QualityConfig, drop_reason
from loraforge.dataset.split import SPLITS, assign_splits
from loraforge.records import Document, Example, sha256_hex


class DatasetConfig(BaseModel):
    """How documents become training examples."""

    model_config = ConfigDict(extra="forbid")

    scope: str = Field("this organisation", description="Who the assistant speaks for, used in prompts.")
    system_prompt: str | None = Field(None, description="Defaults to a prompt built from `scope`.")
    refusal_answer: str | None = Field(None, description="Defaults to a refusal built from `scope`.")
    max_chunk_tokens: int = Field(512, ge=32)
    per_turn_conversations: bool = True
    refusal_ratio: float = Field(0.1, ge=0, le=1, description="Refusals per grounded example.")
    min_refusals: int = Field(4, ge=0, description="Floor on refusals when there is any grounded example.")
    split_ratios: tuple[float, float, float] = Field(
        (0.8, 0.1, 0.1), description="train/validation/test shares (non-negative, train > 0, summing to 1)."
    )
    seed: str = "loraforge"
    quality: QualityConfig = Field(default_factory=QualityConfig)

    @field_validator("split_ratios")
    @classmethod
    def _usable_ratios(cls, ratios: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(r < 0 for r in ratios):
            raise ValueError(f"split_ratios must be non-negative, got {list(ratios)}")
        if ratios[0] <= 0:
            raise ValueError(f"split_ratios must give train a share > 0, got {list(ratios)}")
        if abs(sum(ratios) - 1.0) > 1e-6:
            raise ValueError(f"split_ratios must sum to 1, got {list(ratios)}")
        return ratios


@dataclass(slots=True)
class BuildResult:
    examples: list[Example]
    dropped: list[dict[str, Any]]
    version: str
    stats: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None  # the system turn of every generated example (recorded on the card)

    def split(self, name: str) -> list[Example]:
        return [ex for ex in self.examples if ex.split == name]


def _filter(examples: Iterable[Example], config: QualityConfig, dropped: list[dict[str, Any]]) -> list[Example]:
    conversation_config = config.model_copy(update={"min_words": 1})  # "Thanks!" is a fine chat turn
    kept, seen = [], set()
    for ex in examples:
        answer = ex.messages[-1]["content"]
        if ex.id in seen:
            reason: str | None = "duplicate_example"
        elif sum(approx_tokens(m["content"]) for m in ex.messages) > config.max_tokens:
            reason = "too_long"
        elif ex.kind == "conversation":
            reason = drop_reason(answer, conversation_config)
        elif ex.kind == "refusal":
            reason = None
        else:
            reason = drop_reason(answer, config, structured=ex.kind == "structured")
        if reason:
            dropped.append({"id": ex.id, "kind": ex.kind, "source_ids": ex.source_ids, "reason": reason})
        else:
            kept.append(ex)
            seen.add(ex.id)
    return kept


def build_examples(
    docs: Iterable[Document], config: DatasetConfig | None = None, groups: Mapping[str, str] | None = None
) -> BuildResult:
    """Chunk, generate, filter and split. ``groups`` maps a doc id to its split group (e.g. a dup cluster)."""
    config = config or DatasetConfig()
    system_prompt = (config.system_prompt or DEFAULT_SYSTEM_PROMPT).format(scope=config.scope)
    refusal = (config.refusal_answer or DEFAULT_REFUSAL).format(scope=config.scope)
    docs = sorted(docs, key=lambda d: d.id)  # input order must not change the result
    candidates: list[Example] = []
    n_chunks = 0
    for doc in docs:
        if doc.is_conversation:
            candidates += conversation_examples(doc, config.per_turn_conversations)
        else:
            chunks = chunk_document(doc, config.max_chunk_tokens)
            n_chunks += len(chunks)
            candidates += instruction_examples(chunks, system_prompt)
    dropped: list[dict[str, Any]] = []
    kept = _filter(candidates, config.quality, dropped)
    grounded = sum(ex.kind in ("instruction", "structured") for ex in kept)
    n_refusals = max(config.min_refusals, round(grounded * config.refusal_ratio)) if grounded else 0
    kept += refusal_examples(n_refusals, system_prompt, refusal, salt=config.seed)
    groups = groups or {}
    for ex in kept:
        if ex.source_ids:
            ex.group = groups.get(ex.source_ids[0], ex.source_ids[0])
    assign_splits(kept, config.split_ratios, salt=config.seed)
    kept.sort(key=lambda ex: (SPLITS.index(ex.split), ex.group, ex.id))
    digest = sha256_hex(config.model_dump_json() + "".join(f"{ex.split}:{ex.id}\n" for ex in kept))
    stats = {"n_documents": len(docs), "n_chunks": n_chunks, "n_candidates": len(candidates)}
    return BuildResult(
        examples=kept, dropped=dropped, version=f"ds-{digest[:12]}", stats=stats, system_prompt=system_prompt
    )


def _features():  # type: ignore[no-untyped-def]
    from datasets import Features, List, Value

    return Features(
        {
            "id": Value("string"),
            "kind": Value("string"),
            "group": Value("string"),
            "source_ids": List(Value("string")),
            "messages": List({"role": Value("string"), "content": Value("string")}),
        }
    )


def save_dataset(result: BuildResult, out_dir: Path, report: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write the DatasetDict (``load_from_disk``-able), per-split JSONL, drop log and dataset card.

    ``report`` carries upstream counts (ingest, PII, dedup) for the card. Returns the card as a dict.
    """
    from datasets import Dataset, DatasetDict

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = ("id", "kind", "group", "source_ids", "messages")
    splits = {}
    for name in SPLITS:
        rows = [{c: getattr(ex, c) for c in columns} for ex in result.split(name)]
        # from_dict, not from_list: an empty split must still carry the schema
        splits[name] = Dataset.from_dict({c: [r[c] for r in rows] for c in columns}, features=_features())
        with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    # datasets 5.2 writes an empty split without a data file and then cannot load it back, so empty
    # splits are left out of the DatasetDict (their JSONL file is still written, empty).
    DatasetDict({name: ds for name, ds in splits.items() if ds.num_rows}).save_to_disk(str(out_dir / "hf"))
    with open(out_dir / "dropped.jsonl", "w", encoding="utf-8") as f:
        for row in result.dropped:
            f.write(json.dumps(row) + "\n")
    card = {
        "version": result.version,
        "counts": {name: dict(sorted(Counter(ex.kind for ex in result.split(name)).items())) for name in SPLITS},
        "n_examples": len(result.examples),
        "dropped_by_reason": dict(sorted(Counter(d["reason"] for d in result.dropped).items())),
        "token_histogram": token_histogram(result.examples),
        "build": result.stats,
        "system_prompt": result.system_prompt,
        **(dict(report) if report else {}),
    }
    (out_dir / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True))
    (out_dir / "README.md").write_text(render_card(card))
    return card
