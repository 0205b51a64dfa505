"""Fine-tune glue: checkpoints mirrored to the store are what a retry on another worker resumes from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loraforge.dataset.version import DatasetVersion
from loraforge.finetune import FineTuneRun
from loraforge.finetune import stages as finetune
from loraforge.storage import LocalStore


def _checkpoint(root: Path, step: int) -> Path:
    path = root / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    (path / "optimizer.pt").write_bytes(b"opt-%d" % step)
    return path


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FineTuneRun:
    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    return FineTuneRun(tenant="acme", project="advisory", dataset_version="ds-0", run_name="ft-1")


def test_newest_complete_checkpoint_is_pulled_from_the_store(tmp_path: Path, run: FineTuneRun):
    store = LocalStore(tmp_path / "store")
    for step in (4, 8):
        ckpt = _checkpoint(tmp_path / "worker-a", step)
        store.put_dir(f"{run.prefix}/checkpoints/{ckpt.name}", ckpt)
        store.put_bytes(f"{run.prefix}/checkpoints/{ckpt.name}.complete", b"")
    # a checkpoint whose upload never finished (no marker) is ignored
    half = _checkpoint(tmp_path / "worker-a", 12)
    store.put_dir(f"{run.prefix}/checkpoints/{half.name}", half)

    output = tmp_path / "worker-b" / "train"
    pulled = finetune._pull_latest_checkpoint(store, run, output)
    assert pulled == output / "checkpoints" / "checkpoint-8"
    assert (pulled / "optimizer.pt").read_bytes() == b"opt-8"


def test_a_newer_local_checkpoint_wins_and_none_means_fresh_start(tmp_path: Path, run: FineTuneRun):
    store = LocalStore(tmp_path / "store")
    output = tmp_path / "worker" / "train"
    assert finetune._pull_latest_checkpoint(store, run, output) is None
    old = _checkpoint(tmp_path / "elsewhere", 4)
    store.put_dir(f"{run.prefix}/checkpoints/{old.name}", old)
    store.put_bytes(f"{run.prefix}/checkpoints/{old.name}.complete", b"")
    local = _checkpoint(output / "checkpoints", 6)
    assert finetune._pull_latest_checkpoint(store, run, output) == local


def test_example_prompts_come_from_held_out_user_turns(tmp_path: Path):
    rows = [
        {
            "messages": [
                {"role": "system", "content": "s"},
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": "a"},
            ]
        }
        for i in range(3)
    ]
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:2]))
    (tmp_path / "validation.jsonl").write_text(json.dumps(rows[2]) + "\n")
    assert DatasetVersion(tmp_path).example_prompts(n=3) == ["q0", "q1", "q2"]


def test_configs_and_manifests_import_without_torch() -> None:
    """Recipes and the fine-tune models (flow parameters, manifests) load in a process without torch."""
    probe = (
        "import sys, loraforge.train.config, loraforge.finetune; "
        "print(sorted(m for m in ('torch', 'transformers', 'trl', 'peft') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_three_files_never_certify_an_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny folder builds a handful of examples: the gate says inconclusive (never go), the champion
    alias stays where it was, and the outcome warns about the data size and the epochs."""
    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.prep import run_data_prep
    from loraforge.target import Target

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    monkeypatch.setenv("LORAFORGE_MODEL_CACHE", str(tmp_path / "models"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.txt").write_text(
        "Northwind Outfitters accepts returns of unworn boots within 60 days of delivery. Refunds go back to "
        "the original payment method within five business days of the parcel reaching our Leeds warehouse.\n"
    )
    (docs / "sizing.md").write_text(
        "# Sizing\n\nOur trail boots run half a size small. Customers between sizes should order the larger "
        "size. Wide fittings are available for the Ridge and Fell models only.\n"
    )
    (docs / "care.html").write_text(
        "<html><body><h1>Boot care</h1><p>Clean the leather uppers with a soft brush after every walk and "
        "apply wax every three months. Never dry wet boots next to a radiator.</p></body></html>"
    )
    store = LocalStore(tmp_path / "store")
    target = Target(tenant="acme", project="boots", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    prep = run_data_prep(docs, store, target=target)
    assert prep.n_examples < 20
    config = FineTuneConfig(evaluation={"max_new_tokens": 8})  # the default recipe: 40 steps of batch 4
    outcome = run_fine_tune(prep.version, store, config, target)
    assert outcome.verdict == "inconclusive"
    assert "champion" not in outcome.aliases
    assert any("the gate needs 20" in reason for reason in outcome.reasons)
    n_train = sum(prep.examples["train"].values())
    assert any(w.startswith(f"only {n_train} train examples") for w in outcome.warnings), outcome.warnings
    assert any("passes over the train split" in w for w in outcome.warnings), outcome.warnings


def test_a_hub_model_with_the_hub_off_fails_at_once_with_what_to_do(no_network: list[str]) -> None:
    """Even when transformers was imported first, nothing is looked up: the error names the fix."""
    import time

    from loraforge.basemodel import ensure_base_model
    from loraforge.errors import ModelNotFound, is_permanent

    started = time.perf_counter()
    with pytest.raises(ModelNotFound, match="HF_HUB_OFFLINE=0") as failure:
        ensure_base_model("Qwen/Qwen2.5-0.5B-Instruct", [], Path("/nonexistent"))
    assert time.perf_counter() - started < 5 and no_network == []
    assert is_permanent(failure.value)


def test_hub_offline_holds_when_transformers_is_imported_before_loraforge(tmp_path: Path) -> None:
    probe = (
        "import transformers, huggingface_hub.constants as c; before = c.HF_HUB_OFFLINE; "
        "from loraforge.offline import ensure_offline; ensure_offline(); print(before, c.is_offline_mode())"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env)
    assert done.stdout.split() == ["False", "True"], done.stderr[-2000:]
    env["HF_HUB_OFFLINE"] = "0"  # the one documented switch
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env)
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]
