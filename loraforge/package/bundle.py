"""The deployment bundle: adapter + inference script + pinned requirements + reports, as a folder and a zip.

Seed FR4.1.1 / FR4.2.1 / FR4.3.1. Layout (every path relative to the bundle root, also the zip root)::

    adapters/adapter_model.safetensors   LoRA weights
    adapters/adapter_config.json         LoRA config; base_model_name_or_path = the ``base_model`` argument
    adapters/<tokenizer files>           those of TOKENIZER_FILES present in the adapter dir
    inference.py  serve.py  Dockerfile  .dockerignore  compose.yaml  verify.py  requirements.txt  README.md
    example_prompts.json  training_summary.json
    eval_report.json  eval_report.md  metrics.csv  metrics.json  loss_curve.png
    MANIFEST.sha256                      sha256 of every other file (``sha256sum -c`` format); ``verify.py``
                                         checks it and also reports added files

Tokenizer files travel with the adapter because training may set the chat template and pad token; the
adapter only answers well when prompted through the same template. Nothing in the bundle carries a
build timestamp and the zip entries have fixed dates, so the same inputs give a byte-identical zip.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import re
import shutil
import string
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from loraforge.evaluate.registry import HEADLINE_METRICS
from loraforge.evaluate.report import EvalReport
from loraforge.package.exports import (
    final_metrics,
    metrics_rows,
    plot_loss_curve,
    write_metrics_csv,
    write_metrics_json,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "bundle_template"
ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
)
# The project's pins (pyproject.toml); a test checks they match the installed versions.
REQUIREMENTS = {
    "torch": "2.13.0",
    "transformers": "5.23.0",
    "tokenizers": "0.23.3",
    "peft": "0.21.2",
    "accelerate": "1.15.0",
    "bitsandbytes": "0.50.2",
    "safetensors": "0.8.0",
    "jinja2": "3.1.6",  # transformers renders chat templates with it but does not depend on it
    # serve.py, the bundle's HTTP API
    "fastapi": "0.150.0",
    "starlette": "1.10.0",
    "pydantic": "2.14.4",
    "uvicorn": "0.54.0",
}
# Copied unchanged from bundle_template/ (inference.py gets the system prompt written into it).
STATIC_FILES = {  # bundle path: template file
    "serve.py": "serve.py",
    "verify.py": "verify.py",
    "Dockerfile": "Dockerfile",
    "compose.yaml": "compose.yaml",
    ".dockerignore": "dockerignore",  # a dotfile in the template folder would be left out of the package data
}
MANIFEST = "MANIFEST.sha256"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Bundle:
    name: str
    version: str
    dir: Path
    zip_path: Path
    manifest_path: Path
    zip_sha256: str
    files: tuple[str, ...]  # bundle-relative paths, MANIFEST.sha256 included


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "adapter"


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def write_manifest(root: Path) -> Path:
    """``MANIFEST.sha256`` listing every other file under ``root``, sorted, in ``sha256sum`` format."""
    lines = [f"{sha256_file(root / rel)}  {rel}\n" for rel in _files(root) if rel != MANIFEST]
    path = root / MANIFEST
    path.write_text("".join(lines))
    return path


def verify_manifest(root: Path) -> list[str]:
    """Problems found checking ``root`` against its manifest (empty list: intact and complete).

    The check is the bundle's own ``verify.py`` (standard library only), so the library and a
    customer running ``python verify.py`` apply the same rules.
    """
    return _bundle_verifier().check(root)


@functools.cache
def _bundle_verifier() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loraforge_bundle_verify", TEMPLATES / "verify.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _zip_dir(root: Path, zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for rel in _files(root):
            info = zipfile.ZipInfo(rel, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(root / rel, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)


def _copy_adapter(adapter_dir: Path, dest: Path, base_model: str) -> list[str]:
    missing = [f for f in ADAPTER_FILES if not (adapter_dir / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{adapter_dir}: not a PEFT adapter directory, missing {missing}")
    dest.mkdir(parents=True)
    shutil.copyfile(adapter_dir / "adapter_model.safetensors", dest / "adapter_model.safetensors")
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = base_model  # what inference.py loads unless told otherwise
    (dest / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    tokenizer_files = [f for f in TOKENIZER_FILES if (adapter_dir / f).is_file()]
    for f in tokenizer_files:
        shutil.copyfile(adapter_dir / f, dest / f)
    return tokenizer_files


def _inference_script(system_prompt: str | None) -> str:
    source = (TEMPLATES / "inference.py").read_text()
    marker = "\nSYSTEM_PROMPT = None\n"
    if marker not in source:
        raise RuntimeError("bundle_template/inference.py lost its SYSTEM_PROMPT line")
    return source.replace(marker, f"\nSYSTEM_PROMPT = {system_prompt!r}\n", 1)


def _readme(
    name: str, version: str, base_model: str, report: EvalReport, adapter_bytes: int, has_tokenizer: bool, **extra: str
) -> str:
    rows = []
    for metric in HEADLINE_METRICS:
        b, a = report.metrics.get("base", {}).get(metric), report.metrics.get("adapter", {}).get(metric)
        if a is not None:
            rows.append(f"| {metric} | {'-' if b is None else f'{b:.4f}'} | {a:.4f} |")
    tokenizer_row = (
        "| `adapters/tokenizer*`, `adapters/chat_template.jinja` | the tokenizer and chat template used in training |\n"
        if has_tokenizer
        else ""
    )
    return string.Template((TEMPLATES / "README.md").read_text()).substitute(
        name=name,
        version=version,
        base_model=base_model,
        verdict=report.verdict,
        metrics_rows="\n".join(rows) or "| (no metrics) | - | - |",
        adapter_size=f"{adapter_bytes / 1e6:.1f} MB",
        tokenizer_row=tokenizer_row,
        torch_version=REQUIREMENTS["torch"],
        **extra,
    )


def vllm_lora_rank(adapter_config: Mapping[str, Any]) -> int:
    """vLLM's ``--max-lora-rank`` for this adapter: one of the sizes it accepts (8, 16, 32, ...), at least the rank."""
    rank = max([int(adapter_config.get("r") or 8), *map(int, (adapter_config.get("rank_pattern") or {}).values())])
    return max(8, 1 << (rank - 1).bit_length())


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def build_bundle(
    adapter_dir: Path,
    base_model: str,
    training_summary: Mapping[str, Any],
    metrics_history: Sequence[Mapping[str, Any]],
    eval_report: EvalReport | Mapping[str, Any],
    out_dir: Path,
    *,
    example_prompts: Sequence[str],
    name: str | None = None,
    version: str | None = None,
    system_prompt: str | None = None,
    support: str = "Contact the ML platform team that trained this adapter.",
) -> Bundle:
    """Write ``<out_dir>/<name>-<version>/`` and ``<out_dir>/<name>-deployment-package-<version>.zip``.

    ``name`` defaults to ``training_summary["adapter_name"]`` or the adapter folder's name; ``version``
    to ``training_summary["adapter_version"]`` or ``sha-`` + the first 12 hex of the weights' sha256.
    ``system_prompt`` (the one used in training) becomes inference.py's default (serve.py reads it there).
    Rebuilding replaces an earlier bundle of the same name and version.
    """
    adapter_dir, out_dir = Path(adapter_dir), Path(out_dir)
    report = eval_report if isinstance(eval_report, EvalReport) else EvalReport.from_dict(dict(eval_report))
    weights = adapter_dir / "adapter_model.safetensors"
    name = slug(name or training_summary.get("adapter_name") or adapter_dir.name)
    version = slug(version or training_summary.get("adapter_version") or f"sha-{sha256_file(weights)[:12]}")
    out_dir.mkdir(parents=True, exist_ok=True)

    # Build beside the target and swap in at the end: a failed build never leaves a half bundle behind.
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir))
    try:
        tokenizer_files = _copy_adapter(adapter_dir, work / "adapters", base_model)
        (work / "inference.py").write_text(_inference_script(system_prompt))
        for static, template in STATIC_FILES.items():
            shutil.copyfile(TEMPLATES / template, work / static)
        (work / "requirements.txt").write_text("".join(f"{p}=={v}\n" for p, v in REQUIREMENTS.items()))
        prompts = list(example_prompts) or [s["prompt"] for s in report.samples if s["kind"] != "refusal"][:10]
        readme = _readme(
            name,
            version,
            base_model,
            report,
            weights.stat().st_size,
            bool(tokenizer_files),
            example_prompt=(prompts[0] if prompts else "Your question").replace('"', '\\"'),
            vllm_lora_rank=str(vllm_lora_rank(json.loads((adapter_dir / "adapter_config.json").read_text()))),
            support=support,
        )
        (work / "README.md").write_text(readme)
        examples = [
            {
                "prompt": s["prompt"],
                "kind": s["kind"],
                "reference_answer": s["reference"],
                "adapter_answer": s["outputs"].get("adapter"),
                "token_f1": s["scores"].get("adapter", {}).get("token_f1"),
            }
            for s in report.samples[:10]
        ]
        _dump(work / "example_prompts.json", {"prompts": prompts, "expected_quality_examples": examples})

        rows = metrics_rows(metrics_history)
        final = final_metrics(rows, training_summary, report.metrics)
        final["eval_verdict"] = report.verdict
        config = training_summary.get("config", {})
        summary = {
            "adapter_name": name,
            "adapter_version": version,
            "base_model": base_model,
            "configuration": config,
            "final_metrics": final,
            "duration_s": training_summary.get("duration_s"),
            "estimated_cost_usd": training_summary.get("estimated_cost_usd"),
            "training": {k: v for k, v in training_summary.items() if k != "config"},
        }
        _dump(work / "training_summary.json", summary)
        (work / "eval_report.json").write_text(report.to_json() + "\n")
        (work / "eval_report.md").write_text(report.to_markdown())
        write_metrics_csv(rows, work / "metrics.csv")
        metadata = {"adapter_name": name, "adapter_version": version, "base_model": base_model, "configuration": config}
        write_metrics_json(rows, metadata, final, work / "metrics.json")
        plot_loss_curve(rows, work / "loss_curve.png", f"{name} {version}")
        write_manifest(work)

        bundle_dir = out_dir / f"{name}-{version}"
        zip_path = out_dir / f"{name}-deployment-package-{version}.zip"
        tmp_zip = out_dir / f"{work.name}.zip"
        _zip_dir(work, tmp_zip)
        if bundle_dir.exists():
            shutil.rmtree(bundle_dir)
        work.chmod(0o755)  # mkdtemp made it private
        work.rename(bundle_dir)
        tmp_zip.replace(zip_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        (out_dir / f"{work.name}.zip").unlink(missing_ok=True)
    return Bundle(
        name=name,
        version=version,
        dir=bundle_dir,
        zip_path=zip_path,
        manifest_path=bundle_dir / MANIFEST,
        zip_sha256=sha256_file(zip_path),
        files=tuple(_files(bundle_dir)),
    )
