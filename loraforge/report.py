"""Run reports for people: markdown and table rows built from stage manifests (counts and ids only).

Every string cell goes through ``display.text`` (the Prefect UI renders string cells as Markdown);
counts stay integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from loraforge.display import MISSING, local_path, text
from loraforge.prep import StageManifest
from loraforge.records import Quarantined
from loraforge.storage import ArtifactStore, read_jsonl


def stage_rows(stages: Sequence[StageManifest]) -> list[dict[str, Any]]:
    """One row per stage: records in, records out, and why the rest left."""
    rows = []
    for name in dict.fromkeys(m.stage for m in stages):
        group = [m for m in stages if m.stage == name]
        dropped: dict[str, int] = {}
        for m in group:
            for reason, n in m.dropped_by_reason.items():
                dropped[reason] = dropped.get(reason, 0) + n
        rows.append(
            {
                "stage": text(name),
                "in": sum(m.n_in for m in group),
                "out": sum(m.n_out for m in group),
                "dropped": text(", ".join(f"{k}: {v}" for k, v in sorted(dropped.items()))) if dropped else MISSING,
            }
        )
    return rows


def pii_rows(pii_by_entity: dict[str, int]) -> list[dict[str, Any]]:
    """Findings per PII entity type, most frequent first (counts only: values are never kept)."""
    ranked = sorted(pii_by_entity.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"entity": text(entity), "findings": n} for entity, n in ranked]


def pii_recognizer_rows(pii_by_recognizer: dict[str, int]) -> list[dict[str, Any]]:
    """Findings per recognizer (which rule or model labelled them), most frequent first."""
    ranked = sorted(pii_by_recognizer.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"recognizer": text(name), "findings": n} for name, n in ranked]


def quarantine_rows(store: ArtifactStore, stages: Sequence[StageManifest]) -> list[dict[str, Any]]:
    """Every quarantined file/document with its reason (the detail never carries document text)."""
    rows = []
    for m in stages:
        for key in m.quarantine_keys:
            for d in read_jsonl(store, key):
                q = Quarantined.from_dict(d)
                rows.append((q.reason, q.source, q.stage, q.detail))
    return [
        {"source": text(source), "stage": text(stage), "reason": text(reason), "detail": text(detail)}
        for reason, source, stage, detail in sorted(rows, key=lambda r: (r[0], r[1]))
    ]


def summary_markdown(manifest: dict[str, Any], stages: Sequence[StageManifest]) -> str:
    """The data-prep run summary shown in the Prefect UI."""
    lines = [
        f"# data-prep: {manifest['tenant']}/{manifest['project']}",
        "",
        f"**Dataset** `{manifest['version']}`: {manifest['n_examples']} examples at "
        f"`{local_path(manifest['dataset_uri'])}`",
        "",
        "## Stages",
        "",
        "| stage | in | out | dropped |",
        "|---|---:|---:|---|",
    ]
    lines += [_row(r.values()) for r in stage_rows(stages)]
    sections = (
        ("Quarantined by reason", manifest["quarantined_by_reason"]),
        ("PII findings by entity type (values never stored)", manifest["pii_by_entity"]),
        ("Duplicates", manifest["dedup"]),
        ("Examples dropped by reason", manifest["examples_dropped_by_reason"]),
    )
    for title, counts in sections:
        lines += ["", f"## {title}", ""]
        lines += [f"- {text(k)}: {v}" for k, v in counts.items()] or ["- none"]
    splits = manifest["examples"]
    lines += ["", "## Examples by kind", "", _row(["kind", *(text(split) for split in splits)])]
    lines.append(_row(["---"] + ["---:"] * len(splits)))
    kinds = sorted({k for split in splits.values() for k in split})
    lines += [_row([text(k), *(str(s.get(k, 0)) for s in splits.values())]) for k in kinds]
    return "\n".join(lines) + "\n"


def _row(cells: Iterable[object]) -> str:
    """A Markdown table row of cells already made safe (``text``) or numbers."""
    return "| " + " | ".join(str(c) for c in cells) + " |"
