"""Deployment bundle: exact file set, manifest, runnable inference.py, metrics exports, loss curve, zip."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
import torch
import yaml
from model_fixtures import SYSTEM, TinySetup, tiny_setup

from loraforge.evaluate import EvalReport, GateConfig, apply_gate
from loraforge.finetune import EvalOutcome, FineTuneConfig, FineTuneRun, TrainOutcome, stages
from loraforge.package import CORE_COLUMNS, MANIFEST, REQUIREMENTS, Bundle, build_bundle, verify_manifest
from loraforge.package.bundle import vllm_lora_rank
from loraforge.storage import LocalStore, write_json

EXPECTED_FILES = {
    "adapters/adapter_model.safetensors",
    "adapters/adapter_config.json",
    "adapters/tokenizer.json",
    "adapters/tokenizer_config.json",
    "adapters/chat_template.jinja",
    "inference.py",
    "serve.py",
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    "verify.py",
    "requirements.txt",
    "README.md",
    "example_prompts.json",
    "training_summary.json",
    "eval_report.json",
    "eval_report.md",
    "metrics.csv",
    "metrics.json",
    "loss_curve.png",
    "MANIFEST.sha256",
}
PROMPTS = ["What is the advisory fee?", "Who is the custodian?"]

# What loraforge.train's MetricsRecorder records: a train row per logging step, an eval row at eval steps.
HISTORY = [
    {"step": s, "loss": 6.0 - s * 0.5, "learning_rate": 2e-4 * (1 - s / 6), "grad_norm": 1.5, "epoch": s / 3}
    | {"tokens_per_s": 1000.0 + s, "num_input_tokens_seen": 128.0 * s}
    for s in range(1, 7)
]
HISTORY += [{"step": 3, "eval_loss": 5.0, "epoch": 1.0}, {"step": 6, "eval_loss": 4.5, "epoch": 2.0}]
SUMMARY = {
    "duration_s": 12.5,
    "train_tokens": 768,
    "tokens_per_s": 61.4,
    "peak_memory_mb": 512.0,
    "estimated_cost_usd": 0.0,
    "final_train_loss": 3.0,
    "final_eval_loss": 4.5,
    "config": {"lora_r": 8, "learning_rate": 2e-4, "max_steps": 6},
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():  # type: ignore[no-untyped-def]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    return tiny_setup(tmp_path_factory)


def eval_report(adapter_dir: Path) -> EvalReport:
    base = {"eval_loss": 6.0, "perplexity": math.exp(6.0), "token_f1": 0.0, "refusal_accuracy": 0.0}
    adapter = {
        "eval_loss": 4.5,
        "perplexity": math.exp(4.5),
        "token_f1": 0.8,
        "refusal_accuracy": 1.0,
        "false_refusal_rate": 0.0,
    }
    verdict, checks = apply_gate(base, adapter, None, GateConfig())
    sample = {
        "id": "x1",
        "kind": "instruction",
        "prompt": PROMPTS[0],
        "reference": "The advisory fee is one percent of assets, billed quarterly.",
        "outputs": {"base": "zzz", "adapter": "The advisory fee is one percent of assets, billed quarterly."},
        "scores": {"base": {"token_f1": 0.0}, "adapter": {"token_f1": 1.0}},
    }
    return EvalReport(
        base_model="tiny",
        adapter_dir=str(adapter_dir),
        dataset_dir="ds",
        split="test",
        metrics={"base": base, "adapter": adapter},
        improvements={"eval_loss": -1.5},
        verdict=verdict,
        checks=checks,
        samples=[sample],
    )


@pytest.fixture(scope="module")
def bundle(tiny: TinySetup, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    out = tmp_path_factory.mktemp("bundles")
    report = eval_report(tiny.adapter_dir)
    return build_bundle(
        tiny.adapter_dir,
        str(tiny.base_dir),
        SUMMARY,
        HISTORY,
        report,
        out,
        example_prompts=PROMPTS,
        name="acme-kb",
        version="v3",
        system_prompt=SYSTEM,
    )


def test_bundle_holds_exactly_the_listed_files(bundle: Bundle) -> None:
    assert bundle.dir.name == "acme-kb-v3"
    assert bundle.zip_path.name == "acme-kb-deployment-package-v3.zip"
    assert set(bundle.files) == EXPECTED_FILES
    assert {p.relative_to(bundle.dir).as_posix() for p in bundle.dir.rglob("*") if p.is_file()} == EXPECTED_FILES
    with zipfile.ZipFile(bundle.zip_path) as zf:
        assert set(zf.namelist()) == EXPECTED_FILES
    assert bundle.zip_sha256 == hashlib.sha256(bundle.zip_path.read_bytes()).hexdigest()
    assert {p.name for p in bundle.dir.parent.iterdir()} == {bundle.dir.name, bundle.zip_path.name}


def test_adapter_files_and_base_model_reference(bundle: Bundle, tiny: TinySetup) -> None:
    weights = (bundle.dir / "adapters/adapter_model.safetensors").read_bytes()
    assert weights == (tiny.adapter_dir / "adapter_model.safetensors").read_bytes()
    config = json.loads((bundle.dir / "adapters/adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny.base_dir)
    assert config["r"] == 8


def test_manifest_verifies_and_catches_tampering(bundle: Bundle, tmp_path: Path) -> None:
    lines = bundle.manifest_path.read_text().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    assert set(listed) == EXPECTED_FILES - {MANIFEST}
    for rel, digest in listed.items():
        assert hashlib.sha256((bundle.dir / rel).read_bytes()).hexdigest() == digest
    assert verify_manifest(bundle.dir) == []
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", "--quiet", MANIFEST], cwd=bundle.dir, capture_output=True)
        assert check.returncode == 0, check.stdout + check.stderr
    copy = tmp_path / "copy"
    shutil.copytree(bundle.dir, copy)
    (copy / "README.md").write_text("changed")
    (copy / "extra.txt").write_text("x")
    (copy / "metrics.csv").unlink()
    assert verify_manifest(copy) == ["missing: metrics.csv", "modified: README.md", "unlisted: extra.txt"]


def test_bundle_verifier_reports_bad_lines_escapes_and_added_files(bundle: Bundle, tmp_path: Path) -> None:
    copy = tmp_path / "bundle"
    shutil.copytree(bundle.dir, copy)
    outside = tmp_path / "secret.txt"  # beside the bundle: a "../" line must not reach it
    outside.write_text("x")
    digest = hashlib.sha256(b"x").hexdigest()
    manifest = copy / MANIFEST
    manifest.write_text(
        manifest.read_text()
        + f"{digest}  ../secret.txt\n{digest}  {outside}\nnot a manifest line\n{digest[:10]}  README.md\n"
    )
    (copy / "adapters/extra.bin").write_bytes(b"added")
    (copy / "eval_report.md").write_text("tampered")
    n = len(EXPECTED_FILES) - 1  # lines written by the bundle
    expected = [
        f"outside the bundle: line {n + 1}",
        f"outside the bundle: line {n + 2}",
        f"malformed: line {n + 3}",
        f"malformed: line {n + 4}",
        "modified: eval_report.md",
        "unlisted: adapters/extra.bin",
    ]
    assert verify_manifest(copy) == expected
    # the shipped command applies the same check, with the standard library only, and fails
    run = subprocess.run([sys.executable, "-I", "-S", "verify.py"], cwd=copy, capture_output=True, text=True)
    assert (run.returncode, run.stdout.splitlines()) == (1, expected)
    intact = subprocess.run([sys.executable, "-I", "-S", "verify.py"], cwd=bundle.dir, capture_output=True, text=True)
    assert (intact.returncode, intact.stdout) == (0, "OK\n")


def test_requirements_pin_the_project_versions(bundle: Bundle) -> None:
    assert (bundle.dir / "requirements.txt").read_text().splitlines() == [
        "torch==2.13.0",
        "transformers==5.23.0",
        "tokenizers==0.23.3",
        "peft==0.21.2",
        "accelerate==1.15.0",
        "bitsandbytes==0.50.2",
        "safetensors==0.8.0",
        "jinja2==3.1.6",
        "fastapi==0.150.0",
        "starlette==1.10.0",
        "pydantic==2.14.4",
        "uvicorn==0.54.0",
    ]
    for package, pinned in REQUIREMENTS.items():  # the environment that trained it
        assert installed_version(package).split("+")[0] == pinned, package


def test_metrics_csv_and_json(bundle: Bundle) -> None:
    with open(bundle.dir / "metrics.csv", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    assert header == list(CORE_COLUMNS)
    assert header[:5] == ["step", "epoch", "loss", "eval_loss", "perplexity"]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5", "6"]  # one row per step, train + eval merged
    step3 = dict(zip(header, rows[2], strict=True))
    assert (step3["loss"], step3["eval_loss"], step3["epoch"]) == ("4.5", "5.0", "1.0")
    assert float(step3["perplexity"]) == pytest.approx(math.exp(5.0))
    assert dict(zip(header, rows[1], strict=True))["eval_loss"] == ""
    doc = json.loads((bundle.dir / "metrics.json").read_text())
    assert list(doc) == ["job_metadata", "training_metrics", "final_metrics"]
    assert doc["job_metadata"]["configuration"] == SUMMARY["config"]
    assert [r["step"] for r in doc["training_metrics"]] == [1, 2, 3, 4, 5, 6]
    assert doc["final_metrics"]["final_validation_loss"] == 4.5
    assert doc["final_metrics"]["perplexity_improvement_pct"] == pytest.approx(77.69, abs=0.01)  # 1 - e^-1.5
    # every metric with a base and an adapter value, + when better; token_f1 and refusal_accuracy rise from 0: no %
    assert doc["final_metrics"]["improvement_pct"] == {"eval_loss": 25.0, "perplexity": 77.69}


def test_training_summary_examples_and_reports(bundle: Bundle) -> None:
    summary = json.loads((bundle.dir / "training_summary.json").read_text())
    assert (summary["adapter_name"], summary["adapter_version"]) == ("acme-kb", "v3")
    assert summary["configuration"] == SUMMARY["config"]
    assert (summary["duration_s"], summary["estimated_cost_usd"]) == (12.5, 0.0)
    assert summary["final_metrics"]["final_training_loss"] == 3.0
    assert summary["final_metrics"]["eval_verdict"] == "go"
    assert summary["training"]["train_tokens"] == 768
    examples = json.loads((bundle.dir / "example_prompts.json").read_text())
    assert examples["prompts"] == PROMPTS
    assert examples["expected_quality_examples"][0]["token_f1"] == 1.0
    report = EvalReport.from_json((bundle.dir / "eval_report.json").read_text())
    assert report.verdict == "go" and report.metrics["adapter"]["eval_loss"] == 4.5
    assert (bundle.dir / "eval_report.md").read_text() == report.to_markdown()
    readme = (bundle.dir / "README.md").read_text()
    assert "python3 verify.py" in readme and "~6 GB" in readme and "~40 GB" in readme
    assert f'python inference.py "{PROMPTS[0]}"' in readme


def test_readme_and_container_files_document_serving(bundle: Bundle, tiny: TinySetup) -> None:
    readme = (bundle.dir / "README.md").read_text()
    for heading in ("## Serve over HTTP", "## Deploy", "## Tune", "## Troubleshoot", "### Memory per model size"):
        assert f"\n{heading}\n" in readme, heading
    assert f"vllm serve {tiny.base_dir} --enable-lora --max-lora-rank 8 --lora-modules acme-kb=./adapters" in readme
    assert "0.5-0.6 GB per billion in 4-bit" in readme and "python serve.py --host 127.0.0.1 --port 8000" in readme
    assert "$" + "{" not in readme.replace("$" + "$", "")  # every placeholder was filled
    compose = yaml.safe_load((bundle.dir / "compose.yaml").read_text())
    service = compose["services"]["adapter-api"]
    assert service["build"] == "." and service["ports"] == ["127.0.0.1:8000:8000"]
    assert service["environment"]["LORAFORGE_API_KEY"].startswith("${LORAFORGE_API_KEY:?")
    dockerfile = (bundle.dir / "Dockerfile").read_text()
    assert "RUN pip install -r requirements.txt" in dockerfile and "RUN python verify.py" in dockerfile
    assert {".venv", ".env", "__pycache__"} <= set((bundle.dir / ".dockerignore").read_text().split())
    assert dockerfile.rstrip().endswith(
        'CMD ["python", "serve.py", "--host", "0.0.0.0", "--port", "8000", "--allow-download"]'
    )


@pytest.mark.parametrize(
    ("config", "rank"),
    [({"r": 8}, 8), ({"r": 16}, 16), ({"r": 24}, 32), ({"r": 4}, 8), ({"r": 16, "rank_pattern": {"q": 64}}, 64)],
)
def test_vllm_max_lora_rank(config: dict, rank: int) -> None:
    assert vllm_lora_rank(config) == rank


def test_loss_curve_is_a_png(bundle: Bundle) -> None:
    from PIL import Image

    data = (bundle.dir / "loss_curve.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(bundle.dir / "loss_curve.png") as img:
        img.verify()
        assert (img.format, img.size) == ("PNG", (700, 400))


def test_rebuild_is_byte_identical(bundle: Bundle, tiny: TinySetup) -> None:
    again = build_bundle(
        tiny.adapter_dir,
        str(tiny.base_dir),
        SUMMARY,
        HISTORY,
        eval_report(tiny.adapter_dir).to_dict(),  # a report read back from JSON works too
        bundle.dir.parent,
        example_prompts=PROMPTS,
        name="acme-kb",
        version="v3",
        system_prompt=SYSTEM,
    )
    assert again.zip_sha256 == bundle.zip_sha256
    assert {p.name for p in bundle.dir.parent.iterdir()} == {bundle.dir.name, bundle.zip_path.name}


def test_default_name_and_version(tiny: TinySetup, tmp_path: Path) -> None:
    b = build_bundle(tiny.adapter_dir, "org/base", {}, [], eval_report(tiny.adapter_dir), tmp_path, example_prompts=[])
    digest = hashlib.sha256((tiny.adapter_dir / "adapter_model.safetensors").read_bytes()).hexdigest()
    assert (b.name, b.version) == ("adapter", f"sha-{digest[:12]}")
    assert json.loads((b.dir / "example_prompts.json").read_text())["prompts"] == [PROMPTS[0]]  # from the report
    assert set(b.files) == EXPECTED_FILES
    with open(b.dir / "metrics.csv") as f:
        assert f.read() == ",".join(CORE_COLUMNS) + "\n"


def test_missing_adapter_weights_fail_cleanly(tmp_path: Path, tiny: TinySetup) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(tiny.adapter_dir / "adapter_config.json", broken)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FileNotFoundError, match="adapter_model.safetensors"):
        build_bundle(broken, "b", {}, [], eval_report(broken), out, example_prompts=[], version="v1")
    assert list(out.iterdir()) == []


def _greedy(tiny: TinySetup, prompt: str, max_new_tokens: int) -> str:
    from peft import PeftModel

    from loraforge.evaluate.model import generate, load_base_model, load_tokenizer

    tokenizer = load_tokenizer(str(tiny.base_dir), tiny.adapter_dir)
    model = PeftModel.from_pretrained(load_base_model(str(tiny.base_dir), "cpu", False), str(tiny.adapter_dir))
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return generate(model, tokenizer, [ids], max_new_tokens, 1)[0][0]


def test_inference_script_runs_from_the_unzipped_bundle(bundle: Bundle, tiny: TinySetup, tmp_path: Path) -> None:
    root = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle.zip_path) as zf:
        zf.extractall(root)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "inference.py", PROMPTS[0], "--max-tokens", "8", "--temperature", "0"]
    run = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    expected = _greedy(tiny, PROMPTS[0], 8)
    assert expected  # the trained adapter says something
    assert run.stdout.strip() == expected

    # --base-model overrides the reference in adapter_config.json
    config_path = root / "adapters/adapter_config.json"
    config_path.write_text(config_path.read_text().replace(str(tiny.base_dir), "org/not-downloadable"))
    cmd += ["--base-model", str(tiny.base_dir)]
    run = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == expected


def test_the_package_stage_gives_inference_the_training_system_prompt(
    tiny: TinySetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    store = LocalStore(tmp_path / "store")
    run = FineTuneRun(tenant="acme", project="advisory", dataset_version="ds-tiny", run_name="ft-system")
    store.put_dir(run.dataset_key, tiny.dataset_dir)
    store.put_dir(f"{run.prefix}/adapter", tiny.adapter_dir)
    report = eval_report(tiny.adapter_dir)
    write_json(store, f"{run.prefix}/eval_report.json", report.to_dict())
    trained = TrainOutcome(
        run=run, adapter_key=f"{run.prefix}/adapter", base_model=str(tiny.base_dir), metrics=HISTORY, summary=SUMMARY
    )
    evaluated = EvalOutcome(
        trained=trained,
        report_key=f"{run.prefix}/eval_report.json",
        verdict=report.verdict,
        reasons=report.reasons,
        metrics={},
    )

    packaged = stages.package_bundle(store, evaluated, FineTuneConfig())

    with zipfile.ZipFile(store.root / packaged.zip_key) as zf:
        script = zf.read("inference.py").decode()
    assert f"\nSYSTEM_PROMPT = {SYSTEM!r}\n" in script
    assert json.loads((tiny.dataset_dir / "card.json").read_text())["system_prompt"] == SYSTEM
    assert packaged.dir_key == f"{run.prefix}/bundle" and store.exists(f"{run.prefix}/bundle/inference.py")
