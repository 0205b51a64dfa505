"""Fine-tune glue: checkpoints mirrored to the store are what a retry on another worker resumes from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loraforge.dataset.version import DatasetVersion
from loraforge.finetune import FineTuneConfig, FineTuneRun
from loraforge.finetune import stages as finetune
from loraforge.storage import LocalStore


def _checkpoint(root: Path, step: int, best: int | None = None) -> Path:
    path = root / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "trainer_state.json").write_text(json.dumps({"global_step": step, "best_global_step": best}))
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
        store.put_dir(f"{run.checkpoints_prefix}/0/{ckpt.name}", ckpt)
        store.put_bytes(f"{run.checkpoints_prefix}/0/{ckpt.name}.complete", b"")
    # a checkpoint whose upload never finished (no marker) is ignored
    half = _checkpoint(tmp_path / "worker-a", 12)
    store.put_dir(f"{run.checkpoints_prefix}/0/{half.name}", half)

    output = tmp_path / "worker-b" / "train"
    pulled = finetune._pull_latest_checkpoint(store, f"{run.checkpoints_prefix}/0", output)
    assert pulled == output / "checkpoints" / "checkpoint-8"
    assert (pulled / "optimizer.pt").read_bytes() == b"opt-8"


def test_the_best_checkpoint_is_pulled_beside_the_newest(tmp_path: Path, run: FineTuneRun):
    """load_best_model_at_end: the newest checkpoint's state names the best step; a resume on another
    worker needs that checkpoint too, or the run would ship its last step instead of its best."""
    store = LocalStore(tmp_path / "store")
    prefix = f"{run.checkpoints_prefix}/0"
    for step in (2, 4, 6):
        ckpt = _checkpoint(tmp_path / "worker-a", step, best=2)
        store.put_dir(f"{prefix}/{ckpt.name}", ckpt)
        store.put_bytes(f"{prefix}/{ckpt.name}.complete", b"")
    output = tmp_path / "worker-b" / "train"
    pulled = finetune._pull_latest_checkpoint(store, prefix, output)
    assert pulled == output / "checkpoints" / "checkpoint-6"
    assert sorted(p.name for p in (output / "checkpoints").iterdir()) == ["checkpoint-2", "checkpoint-6"]
    assert (output / "checkpoints" / "checkpoint-2" / "optimizer.pt").read_bytes() == b"opt-2"
    # the newest is local already: only the missing best one comes from the store
    shutil.rmtree(output / "checkpoints" / "checkpoint-2")
    assert finetune._pull_latest_checkpoint(store, prefix, output) == output / "checkpoints" / "checkpoint-6"
    assert (output / "checkpoints" / "checkpoint-2" / "trainer_state.json").exists()


def test_a_newer_local_checkpoint_wins_and_none_means_fresh_start(tmp_path: Path, run: FineTuneRun):
    store = LocalStore(tmp_path / "store")
    output = tmp_path / "worker" / "train"
    prefix = f"{run.checkpoints_prefix}/0"
    assert finetune._pull_latest_checkpoint(store, prefix, output) is None
    old = _checkpoint(tmp_path / "elsewhere", 4)
    store.put_dir(f"{prefix}/{old.name}", old)
    store.put_bytes(f"{prefix}/{old.name}.complete", b"")
    local = _checkpoint(output / "checkpoints", 6)
    assert finetune._pull_latest_checkpoint(store, prefix, output) == local


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


def _three_files(docs: Path) -> Path:
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
    return docs


def test_three_files_never_certify_an_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny folder builds a handful of examples: the gate says inconclusive (never go), the champion
    alias stays where it was, and the outcome warns about the data size and the epochs."""
    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.prep import run_data_prep
    from loraforge.target import Target

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    monkeypatch.setenv("LORAFORGE_MODEL_CACHE", str(tmp_path / "models"))
    docs = _three_files(tmp_path / "docs")
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


_TRAIN_IN_A_PROCESS = """
import sys
from loraforge.finetune import FineTuneConfig, run_fine_tune
from loraforge.storage import LocalStore
from loraforge.target import Target

store, uri, version, config = sys.argv[1:]
target = Target(tenant="acme", project="boots", tracking_uri=uri)
run_fine_tune(version, LocalStore(store), FineTuneConfig.model_validate_json(config), target)
"""


def kill_fine_tune_at_checkpoint(tmp_path: Path, uri: str, version: str, config: FineTuneConfig) -> int:
    """Run the fine-tune of acme/boots (store ``tmp_path/store``) in a process of its own, kill it with
    SIGKILL once a checkpoint of step 4 or later is complete in the store; return the newest complete step."""
    import signal
    import time

    args = [str(tmp_path / "store"), uri, version, config.model_dump_json()]
    first = subprocess.Popen([sys.executable, "-c", _TRAIN_IN_A_PROCESS, *args], env=os.environ.copy())

    def complete_steps() -> list[int]:
        markers = (tmp_path / "store" / "acme" / "boots" / "checkpoints").glob("*/0/checkpoint-*.complete")
        return sorted(int(m.name.removesuffix(".complete").split("-")[1]) for m in markers)

    deadline = time.monotonic() + 600
    while not any(step >= 4 for step in complete_steps()):
        assert first.poll() is None, "the training ended before it could be killed"
        assert time.monotonic() < deadline, "no complete checkpoint within 600 s"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    return max(complete_steps())


def test_a_training_killed_with_sigkill_resumes_from_its_last_complete_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 mid-training, then a plain rerun (a new run name, as a new flow run gets): it resumes from
    the newest complete checkpoint in the store, and the dead attempt's MLflow run is KILLED, not RUNNING."""

    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.finetune.manifests import training_key
    from loraforge.prep import run_data_prep
    from loraforge.storage import read_json
    from loraforge.target import Target
    from loraforge.tracking import Tracker

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    monkeypatch.setenv("LORAFORGE_MODEL_CACHE", str(tmp_path / "models"))
    store, uri = LocalStore(tmp_path / "store"), f"sqlite:///{tmp_path / 'mlflow.db'}"
    target = Target(tenant="acme", project="boots", tracking_uri=uri)
    version = run_data_prep(_three_files(tmp_path / "docs"), store, target=target).version
    config = FineTuneConfig(
        training={"max_steps": 60},
        overrides={"sft.save_steps": 2, "sft.eval_steps": 2, "sft.save_total_limit": 3},
        evaluation={"max_new_tokens": 4, "max_examples": 2},
    )
    killed_at = kill_fine_tune_at_checkpoint(tmp_path, uri, version, config)

    outcome = run_fine_tune(version, store, config, target)
    summary = read_json(store, f"acme/boots/runs/{outcome.run_name}/train_result.json")["summary"]
    assert summary["resumed_from_step"] == killed_at
    assert summary["steps"] == 60
    # the best checkpoint across both attempts is the one shipped (the store holds every evaluated step)
    evals = {
        row["step"]: row["eval_loss"]
        for row in read_json(store, f"acme/boots/runs/{outcome.run_name}/train_result.json")["metrics"]
        if "eval_loss" in row
    }
    assert sorted(evals) == list(range(2, 61, 2))
    best = min(evals, key=evals.get)
    assert (summary["kept"], summary["kept_step"], summary["best_step"]) == ("best", best, best)
    assert outcome.metrics["best_step"] == best and outcome.metrics["best_eval_loss"] == evals[best]
    tracker = Tracker("acme", "boots", uri)
    runs = tracker.client.search_runs([tracker.experiment_id()])
    status = {r.info.run_name: r.info.status for r in runs}
    assert status.pop(outcome.run_name) == "FINISHED"
    recorded = tracker.client.get_run(outcome.mlflow_run_id).data
    assert (recorded.tags["kept_checkpoint"], recorded.tags["best_step"]) == ("best", str(best))
    assert (recorded.metrics["best_step"], recorded.metrics["best_eval_loss"]) == (best, evals[best])
    assert list(status.values()) == ["KILLED"]
    # the training finished: a deliberate rerun of the same data and settings starts a new generation
    run = FineTuneRun(
        tenant="acme",
        project="boots",
        dataset_version=version,
        run_name="ft-again",
        training_key=training_key(version, config.train_config().resolved()),
    )
    assert finetune._checkpoint_generation(store, run)[1] == 1
