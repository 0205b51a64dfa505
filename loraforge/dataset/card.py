"""The dataset card: what is in a dataset version and how it got there (counts only, never text)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loraforge.dataset.chunk import approx_tokens
from loraforge.records import Example

HISTOGRAM_EDGES = (64, 128, 256, 512, 1024, 2048)


def token_histogram(examples: Iterable[Example]) -> dict[str, int]:
    """Examples per bucket of (approximate) total tokens, e.g. ``{"<=64": 3, "65-128": 10, ...}``."""
    labels = [f"<={HISTOGRAM_EDGES[0]}"]
    labels += [f"{lo + 1}-{hi}" for lo, hi in zip(HISTOGRAM_EDGES, HISTOGRAM_EDGES[1:], strict=False)]
    labels.append(f">{HISTOGRAM_EDGES[-1]}")
    counts = dict.fromkeys(labels, 0)
    for ex in examples:
        n = sum(approx_tokens(m["content"]) for m in ex.messages)
        index = next((i for i, edge in enumerate(HISTOGRAM_EDGES) if n <= edge), len(HISTOGRAM_EDGES))
        counts[labels[index]] += 1
    return counts


def _table(title: str, rows: Mapping[str, Any], headers: tuple[str, str]) -> list[str]:
    if not rows:
        return [f"### {title}", "", "_none_", ""]
    lines = [f"### {title}", "", f"| {headers[0]} | {headers[1]} |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    return lines + [""]


def render_card(card: Mapping[str, Any]) -> str:
    """Markdown dataset card (the README.md saved beside the dataset)."""
    counts = card["counts"]
    kinds = sorted({k for split in counts.values() for k in split})
    lines = [
        f"# Dataset {card['version']}",
        "",
        f"{card['n_examples']} chat-format examples (`messages` column), split by document/cluster so that",
        "nothing in `train` reappears in `validation` or `test`. Load with",
        "`datasets.load_from_disk('<dir>/hf')`; the same rows are in `<split>.jsonl`.",
        "",
        "### Examples by kind and split",
        "",
        "| kind | " + " | ".join(counts) + " |",
        "|---|" + "---:|" * len(counts),
    ]
    lines += [f"| {k} | " + " | ".join(str(counts[s].get(k, 0)) for s in counts) + " |" for k in kinds]
    lines.append("")
    if card.get("system_prompt"):
        lines += ["### System prompt", "", "> " + card["system_prompt"].replace("\n", "\n> "), ""]
    lines += _table("Total tokens per example (approximate)", card["token_histogram"], ("tokens", "examples"))
    lines += _table("Examples dropped by reason", card["dropped_by_reason"], ("reason", "examples"))
    for key, title in (
        ("quarantined_by_reason", "Files/documents quarantined by reason"),
        ("pii_by_entity", "PII findings by entity type"),
        ("dedup", "Deduplication"),
    ):
        if key in card:
            lines += _table(title, card[key], ("", "count"))
    return "\n".join(lines) + "\n"
