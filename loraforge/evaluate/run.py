"""Score base, adapter (and champion) on the held-out split: eval loss on the answer, greedy answers
judged against the reference, refusals; then the gate.

The base model is loaded once. The adapter (and the champion, as a second named adapter) are attached
with PEFT; base numbers come from ``disable_adapter()``, so all variants share the same weights in memory.

What is measured, per variant:
- eval_loss / perplexity: token-weighted mean NLL of the reference final answer given its prompt, on
  every held-out example (up to ``max_loss_examples``), refusals included.
- exact_match, token_f1, rouge_l, semantic_similarity: greedy answers to in-scope prompts (every kind
  but ``refusal``) against the reference answer; false_refusal_rate: share of those answers that refuse.
- refusal_accuracy: share of ``refusal`` prompts (out-of-scope questions) whose answer refuses: the
  held-out ones plus ``refusal_probes`` questions never trained on (``loraforge.evaluate.probes``).
- unsupported_claim_rate: share of the sentences of in-scope answers that the example's source does
  not support (MiniLM similarity per sentence, ``loraforge.evaluate.grounding``).
- probe_*: greedy answers to the questions of ``probe_file`` (the firm's own), scored against their
  expected answers and keywords (``loraforge.evaluate.probe_file``).
- latency_s: generation wall time per prompt (batched; informative, compare on the same machine only).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loraforge.dataset.version import DatasetVersion
from loraforge.evaluate.gate import GateConfig, apply_gate
from loraforge.evaluate.grounding import SUPPORT_THRESHOLD, ground_samples
from loraforge.evaluate.metrics import DEFAULT_REFUSAL_PHRASES, is_refusal, refusal_opening
from loraforge.evaluate.model import encode_example, eval_loss, generate, load_base_model, load_tokenizer, prompt_ids
from loraforge.evaluate.probe_file import STORE_PREFIX, load_probes, probe_messages, probe_samples
from loraforge.evaluate.probes import PROBE_QUESTIONS, probe_rows
from loraforge.evaluate.registry import ANSWER_METRICS, METRICS, REGISTRY
from loraforge.evaluate.report import EvalReport
from loraforge.offline import ensure_offline


class EvalConfig(BaseModel):
    """How much to evaluate and what the gate demands."""

    model_config = ConfigDict(extra="forbid")

    max_examples: int = Field(32, ge=1, description="Held-out examples answered by generation (per variant).")
    max_loss_examples: int = Field(256, ge=1, description="Held-out examples scored for eval loss.")
    max_new_tokens: int = Field(128, ge=1)
    batch_size: int = Field(4, ge=1)
    max_length: int = Field(2048, ge=16, description="Tokens per example (prompt + answer) for eval loss.")
    load_in_4bit: bool = Field(False, description="Load the base model in 4-bit NF4 (as QLoRA trains it).")
    refusal_probes: int = Field(
        20,
        ge=0,
        le=len(PROBE_QUESTIONS),
        description="Out-of-scope questions never trained on, asked on top of the held-out refusals "
        "(only when the dataset teaches refusals).",
    )
    refusal_phrases: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REFUSAL_PHRASES),
        description="Openings that mark a refusal; the first sentence of each reference refusal is added.",
    )
    probe_file: str | None = Field(
        None,
        description="The firm's own questions (JSONL: question + expected and/or keywords), scored beside the "
        "held-out split: a local path, or store:KEY for a file under the tenant/project in the artifact store.",
    )
    groundedness: bool = Field(True, description="Measure unsupported_claim_rate (MiniLM, on the CPU, seconds).")
    support_threshold: float = Field(
        SUPPORT_THRESHOLD,
        gt=0,
        le=1,
        description="Cosine similarity at which a source sentence supports an answer sentence (calibrated).",
    )
    gate: GateConfig = Field(default_factory=GateConfig)


def load_eval_rows(dataset_dir: Path) -> tuple[str, list[dict[str, Any]]]:
    """Rows of the test split (validation when test is empty) of ``<dataset_dir>/hf``, sorted by id."""
    return DatasetVersion(dataset_dir).held_out()


def select_for_generation(rows: Sequence[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` rows, refusals in proportion but at least one of each kind when both exist.

    Rows are sorted by id (a content hash), so the choice is a stable pseudo-random sample.
    """
    refusals = [r for r in rows if r["kind"] == "refusal"]
    in_scope = [r for r in rows if r["kind"] != "refusal"]
    n_ref = min(len(refusals), max(1 if refusals else 0, round(limit * len(refusals) / max(len(rows), 1))))
    n_in = min(len(in_scope), limit - n_ref)
    n_ref = min(len(refusals), limit - n_in)
    return in_scope[:n_in] + refusals[:n_ref]


def _aggregate(samples: list[dict[str, Any]], variant: str) -> dict[str, float | None]:
    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    in_scope = [s["scores"][variant] for s in samples if s["kind"] != "refusal"]  # probe samples are kept apart
    refusals = [s["scores"][variant] for s in samples if s["kind"] == "refusal"]
    out: dict[str, float | None] = {m: mean([sc[m] for sc in in_scope]) for m in ANSWER_METRICS}
    out["refusal_accuracy"] = mean([float(sc["refused"]) for sc in refusals])
    out["false_refusal_rate"] = mean([float(sc["refused"]) for sc in in_scope])
    return out


def _difference(a: dict[str, float | None], b: dict[str, float | None]) -> dict[str, float | None]:
    return {m: (a[m] - b[m] if a.get(m) is not None and b.get(m) is not None else None) for m in METRICS}


def evaluate(
    base_model: str,
    adapter_dir: Path,
    dataset_dir: Path,
    config: EvalConfig | None = None,
    champion_adapter_dir: Path | None = None,
    device: str = "cpu",
) -> EvalReport:
    """Evaluate ``adapter_dir`` on top of ``base_model`` against the base (and the champion), then gate it.

    ``device``: "cpu", "cuda", "cuda:N" or "auto". Metric definitions: ``loraforge.evaluate.registry``;
    answer-quality metrics cover in-scope examples, refusal metrics the ``refusal`` kind (module doc).
    Three steps: run every variant (loss, greedy answers, latency), score the answers, assemble the report.
    """
    from loraforge.basemodel import resolve_device

    ensure_offline()
    config = config or EvalConfig()
    device = resolve_device(device)
    started = time.perf_counter()
    dataset = DatasetVersion(dataset_dir)
    split, rows = dataset.held_out()
    if config.probe_file and config.probe_file.startswith(STORE_PREFIX):
        raise ValueError(
            f"{config.probe_file}: a store probe file is read by the fine-tune stages (fetch_probe_file); "
            "give evaluate() a local path"
        )
    probes = load_probes(config.probe_file) if config.probe_file else []
    gen_rows = select_for_generation(rows, config.max_examples)
    if dataset.refusal_answer is not None:
        gen_rows += probe_rows(config.refusal_probes, dataset.system_prompt, dataset.refusal_answer)
    firm_rows = probe_messages(probes, dataset.system_prompt)
    run = _run_variants(base_model, Path(adapter_dir), champion_adapter_dir, rows, gen_rows + firm_rows, config, device)
    n_gen = len(gen_rows)
    firm_texts = {v: t[n_gen:] for v, t in run.texts.items()}
    phrases = list(config.refusal_phrases)
    phrases += sorted({refusal_opening(r["messages"][-1]["content"]) for r in rows if r["kind"] == "refusal"})
    samples = _score(gen_rows, {v: t[:n_gen] for v, t in run.texts.items()}, phrases, device)
    extra: dict[str, dict[str, float | None]] = {v: {} for v in run.texts}
    if config.groundedness:
        for v, rate in ground_samples(samples, rows, config.support_threshold, device).items():
            extra[v]["unsupported_claim_rate"] = rate
    firm_samples, firm_metrics = probe_samples(firm_rows, probes, firm_texts) if probes else ([], {})
    for v, values in firm_metrics.items():
        extra[v].update(values)
    metrics = {
        v: {m: {**run.metrics[v], **_aggregate(samples, v), **extra[v]}.get(m) for m in METRICS} for v in run.texts
    }
    champion = metrics.get("champion")
    n_refusal = sum(r["kind"] == "refusal" for r in gen_rows)
    evidence = {"loss": run.n_loss_examples, "in_scope": len(gen_rows) - n_refusal, "refusal": n_refusal}
    if probes:
        evidence["probe"] = len(probes)
    verdict, checks = apply_gate(metrics["base"], metrics["adapter"], champion, config.gate, evidence)
    return EvalReport(
        base_model=str(base_model),
        adapter_dir=str(adapter_dir),
        dataset_dir=str(dataset_dir),
        split=split,
        metrics=metrics,
        improvements=_difference(metrics["adapter"], metrics["base"]),
        verdict=verdict,
        checks=checks,
        counts={
            "n_loss_examples": run.n_loss_examples,
            "n_generated": len(gen_rows),
            "n_in_scope": len(gen_rows) - n_refusal,
            "n_refusal": n_refusal,
            "n_refusal_probes": sum(r["id"].startswith("probe-") for r in gen_rows),
            "n_probe_questions": len(probes),
        },
        samples=samples,
        probe_samples=firm_samples,
        champion_adapter_dir=str(champion_adapter_dir) if champion_adapter_dir is not None else None,
        vs_champion=_difference(metrics["adapter"], champion) if champion else None,
        config=config.model_dump(mode="json"),
        duration_s=round(time.perf_counter() - started, 3),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


@dataclass(slots=True)
class _Run:
    metrics: dict[str, dict[str, float | None]]  # loss-scope and timing metrics per variant
    texts: dict[str, list[str]]  # greedy answers per variant, in base/adapter/champion order
    n_loss_examples: int


def _run_variants(
    base_model: str,
    adapter_dir: Path,
    champion_adapter_dir: Path | None,
    rows: list[dict[str, Any]],
    gen_rows: list[dict[str, Any]],
    config: EvalConfig,
    device: str,
) -> _Run:
    """Load the base once, attach the adapter (and the champion); per variant: eval loss, answers, latency."""
    from peft import PeftModel

    tokenizer = load_tokenizer(base_model, adapter_dir)
    encoded = [encode_example(tokenizer, r["messages"], config.max_length) for r in rows[: config.max_loss_examples]]
    encoded = [e for e in encoded if len(e[0]) > e[1]]
    prompts = [prompt_ids(tokenizer, r["messages"]) for r in gen_rows]

    model = load_base_model(base_model, device, config.load_in_4bit)
    model = PeftModel.from_pretrained(model, str(adapter_dir), adapter_name="adapter")
    variants = ["adapter", "base"]
    if champion_adapter_dir is not None:
        model.load_adapter(str(champion_adapter_dir), adapter_name="champion")
        variants.insert(1, "champion")
    model.eval()
    if prompts:  # first-call setup (kernels, caches) would otherwise be billed to the first variant's latency
        generate(model, tokenizer, prompts[:1], 2, 1)

    metrics: dict[str, dict[str, float | None]] = {}
    texts: dict[str, list[str]] = {}
    for variant in variants:
        if variant == "base":
            context: contextlib.AbstractContextManager[Any] = model.disable_adapter()
        else:
            model.set_adapter(variant)
            context = contextlib.nullcontext()
        with context:
            loss = eval_loss(model, encoded, tokenizer.pad_token_id, config.batch_size)
            texts[variant], latency = generate(model, tokenizer, prompts, config.max_new_tokens, config.batch_size)
        metrics[variant] = {"eval_loss": loss, "perplexity": math.exp(loss) if loss is not None else None}
        metrics[variant]["latency_s"] = latency
    del model
    if device.startswith("cuda"):  # a long-lived worker evaluates next to other GPU jobs
        import gc

        import torch

        gc.collect()
        torch.cuda.empty_cache()
    order = [v for v in ("base", "adapter", "champion") if v in variants]
    return _Run(metrics=metrics, texts={v: texts[v] for v in order}, n_loss_examples=len(encoded))


def _score(
    gen_rows: list[dict[str, Any]], texts: dict[str, list[str]], phrases: list[str], device: str
) -> list[dict[str, Any]]:
    """One sample per generated row: prompt, reference, each variant's answer and its scores (every
    answer metric of the registry, scored in one batch across variants, and whether it refused)."""
    references = [r["messages"][-1]["content"] for r in gen_rows]
    order = list(texts)
    flat_preds = [t for v in order for t in texts[v]]
    scores = {name: REGISTRY[name].score(flat_preds, references * len(order), device) for name in ANSWER_METRICS}
    samples = []
    for i, row in enumerate(gen_rows):
        sample: dict[str, Any] = {
            "id": row["id"],
            "kind": row["kind"],
            "prompt": row["messages"][-2]["content"] if len(row["messages"]) > 1 else "",
            "reference": references[i],
            "outputs": {v: texts[v][i] for v in order},
            "scores": {},
        }
        for k, v in enumerate(order):
            sample["scores"][v] = {name: scores[name][k * len(gen_rows) + i] for name in ANSWER_METRICS}
            sample["scores"][v]["refused"] = is_refusal(texts[v][i], phrases)
        samples.append(sample)
    return samples
