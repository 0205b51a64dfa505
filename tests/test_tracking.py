"""MLflow tracking and registry on a real (SQLite-backed) MLflow store."""

from __future__ import annotations

from pathlib import Path

import pytest

from loraforge.tracking import Tracker, flatten


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    return Tracker("acme", "advisory", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")


def _adapter(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "adapter_config.json").write_text('{"base_model_name_or_path": "tiny"}')
    (folder / "adapter_model.safetensors").write_bytes(b"weights-" + name.encode())
    return folder


def _run(tracker: Tracker, tmp_path: Path, name: str, promote: bool):  # type: ignore[no-untyped-def]
    run_id = tracker.start_run(name, {"lora": {"r": 16, "target_modules": ["q_proj", "v_proj"]}, "lr": 2e-4})
    tracker.log_metrics(run_id, [{"step": 1, "loss": 2.5, "eval_loss": 2.6}, {"step": 2, "loss": 1.9}])
    tracker.log_dataset(run_id, "file:///store/acme/advisory/datasets/ds-0123456789ab", "ds-0123456789ab")
    tracker.log_artifacts(run_id, _adapter(tmp_path, name), "bundle/adapters")
    version = tracker.register_adapter(
        run_id,
        "bundle/adapters",
        {"dataset_version": "ds-0123456789ab", "verdict": "go" if promote else "no-go"},
        promote=promote,
    )
    tracker.end_run(run_id)
    return run_id, version


def test_flatten_nested_params():
    assert flatten({"lora": {"r": 16, "targets": ["q", "v"]}, "name": "x"}) == {
        "lora.r": "16",
        "lora.targets": '["q", "v"]',
        "name": "x",
    }


def test_run_metrics_lineage_and_aliases(tracker: Tracker, tmp_path: Path):
    run_id, v1 = _run(tracker, tmp_path, "first", promote=True)
    run = tracker.client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["lora.r"] == "16"
    assert [(m.step, m.value) for m in tracker.client.get_metric_history(run_id, "loss")] == [(1, 2.5), (2, 1.9)]
    assert [(d.dataset.name, d.dataset.digest) for d in run.inputs.dataset_inputs] == [
        ("ds-0123456789ab", "0123456789ab")
    ]
    assert tracker.experiment_name == "loraforge/acme/advisory"
    assert (v1.name, v1.version, sorted(v1.aliases)) == ("acme-advisory-adapter", 1, ["challenger", "champion"])
    assert v1.tags == {"dataset_version": "ds-0123456789ab", "verdict": "go"}

    # a no-go challenger takes "challenger" but leaves "champion" where it was
    _, v2 = _run(tracker, tmp_path, "second", promote=False)
    assert (v2.version, v2.aliases) == (2, ["challenger"])
    assert tracker.champion().version == 1
    fetched = tracker.download_version(tracker.champion(), tmp_path / "download")
    assert sorted(p.name for p in fetched.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert (fetched / "adapter_model.safetensors").read_bytes() == b"weights-first"


def test_no_champion_before_first_promotion(tracker: Tracker):
    assert tracker.champion() is None
