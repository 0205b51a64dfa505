"""MLflow tracking and registry on a real (SQLite-backed) MLflow store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from model_fixtures import SYSTEM, TinySetup, tiny_setup

from loraforge.serving.pyfunc import save_adapter_model
from loraforge.tracking import EXPERIMENT_KIND_TAG, Tracker, flatten


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
    adapter = _adapter(tmp_path, name)
    tracker.log_artifacts(run_id, adapter, "bundle/adapters")
    # saving the pyfunc model loads no model: a placeholder adapter is enough here
    model = tracker.log_model(run_id, lambda folder, mm: save_adapter_model(adapter, folder, "tiny", mlflow_model=mm))
    version = tracker.register_adapter(
        run_id,
        model,
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


def test_version_is_the_runs_logged_pyfunc_model(tracker: Tracker, tmp_path: Path):
    run_id, version = _run(tracker, tmp_path, "first", promote=True)
    [output] = tracker.client.get_run(run_id).outputs.model_outputs
    logged = tracker.client.get_logged_model(output.model_id)
    assert logged.source_run_id == run_id and logged.status == "READY"
    assert version.source == logged.artifact_location and version.run_id == run_id
    assert json.loads(logged.tags["mlflow.modelVersions"]) == [{"name": version.name, "version": version.version}]
    files = {a.path for a in tracker.client.list_logged_model_artifacts(output.model_id)}
    assert {"MLmodel", "adapter_model.py", "requirements.txt", "artifacts"} <= files
    adapter = {a.path for a in tracker.client.list_logged_model_artifacts(output.model_id, "artifacts/adapter")}
    assert adapter == {"artifacts/adapter/adapter_config.json", "artifacts/adapter/adapter_model.safetensors"}


def test_a_version_registered_as_a_bare_adapter_folder_still_downloads(tracker: Tracker, tmp_path: Path):
    """Versions registered before the pyfunc layout (source: the run's bundle/adapters) stay usable."""
    run_id = tracker.start_run("old", {})
    tracker.log_artifacts(run_id, _adapter(tmp_path, "old"), "bundle/adapters")
    tracker.client.create_registered_model(tracker.model_name)
    source = f"{tracker.client.get_run(run_id).info.artifact_uri}/bundle/adapters"
    old = tracker.client.create_model_version(tracker.model_name, source, run_id=run_id)
    fetched = tracker.download_version(old, tmp_path / "download")
    assert (fetched / "adapter_model.safetensors").read_bytes() == b"weights-old"


def test_experiment_kind_is_finetuning_also_for_older_experiments(tmp_path: Path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    new = Tracker("acme", "advisory", tracking_uri=uri)
    assert new.client.get_experiment(new.experiment_id()).tags[EXPERIMENT_KIND_TAG] == "finetuning"
    # created by an older loraforge (no kind): tagged on first use
    old = Tracker("acme", "legacy", tracking_uri=uri)
    old_id = old.client.create_experiment(old.experiment_name, tags={"tenant": "acme"})
    assert EXPERIMENT_KIND_TAG not in old.client.get_experiment(old_id).tags
    assert Tracker("acme", "legacy", tracking_uri=uri).experiment_id() == old_id
    assert old.client.get_experiment(old_id).tags[EXPERIMENT_KIND_TAG] == "finetuning"
    # a kind someone chose in the UI is theirs
    old.client.set_experiment_tag(old_id, EXPERIMENT_KIND_TAG, "custom_model_development")
    Tracker("acme", "legacy", tracking_uri=uri).experiment_id()
    assert old.client.get_experiment(old_id).tags[EXPERIMENT_KIND_TAG] == "custom_model_development"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    return tiny_setup(tmp_path_factory)


def _eval_report(adapter_dir: Path, verdict: str) -> dict:
    answer = "The advisory fee is one percent of assets, billed quarterly."
    return {
        "base_model": "tiny",
        "adapter_dir": str(adapter_dir),
        "dataset_dir": "ds",
        "split": "test",
        "metrics": {"base": {"token_f1": 0.0}, "adapter": {"token_f1": 0.9}},
        "improvements": {"token_f1": 0.9},
        "verdict": verdict,
        "checks": [],
        "reasons": ["token_f1 improvement 0.9000 >= 0.0500 -> pass"],
        "warnings": ["only 6 train examples"],
        "samples": [
            {
                "id": "x1",
                "kind": "instruction",
                "prompt": "What is the advisory fee?",
                "reference": answer,
                "outputs": {"base": "zzz", "adapter": answer},
                "scores": {"base": {"token_f1": 0.0, "refused": False}, "adapter": {"token_f1": 1.0, "refused": False}},
            },
            {
                "id": "r1",
                "kind": "refusal",
                "prompt": "How do I knit a scarf?",
                "reference": "I'm sorry, but I can't help with that.",
                "outputs": {"base": "knit", "adapter": "I'm sorry, but I can't help with that."},
                "scores": {"base": {"token_f1": 0.0, "refused": False}, "adapter": {"token_f1": 1.0, "refused": True}},
            },
        ],
    }


def test_registered_champion_loads_with_mlflow_pyfunc_and_generates(
    tiny: TinySetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    """The real register stage, then what a user does: ``mlflow.pyfunc.load_model("models:/…@champion")``."""
    import mlflow
    import pandas as pd

    from loraforge.finetune import EvalOutcome, FineTuneConfig, FineTuneRun, TrainOutcome, register, stages
    from loraforge.storage import LocalStore, write_json

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    store = LocalStore(tmp_path / "store")
    run = FineTuneRun(
        tenant="acme",
        project="advisory",
        dataset_version="ds-tiny",
        run_name="ft-pyfunc",
        tracking_uri=uri,
        tags={"prefect.flow_run_id": "0f1e2d3c", "prefect.flow_run_url": "http://prefect:4200/runs/flow-run/0f1e2d3c"},
    )
    store.put_dir(run.dataset_key, tiny.dataset_dir)
    store.put_dir(f"{run.prefix}/adapter", tiny.adapter_dir)
    config = FineTuneConfig(base_model="tiny")
    run = register.start_tracking(store, run, config)
    report = _eval_report(tiny.adapter_dir, "go")
    write_json(store, f"{run.prefix}/eval_report.json", report)
    summary = {"duration_s": 1.0, "steps": 6, "config": {"model": {"name": "tiny"}}}
    trained = TrainOutcome(
        run=run, adapter_key=f"{run.prefix}/adapter", base_model=str(tiny.base_dir), metrics=[], summary=summary
    )
    evaluated = EvalOutcome(
        trained=trained,
        report_key=f"{run.prefix}/eval_report.json",
        verdict="go",
        reasons=report["reasons"],
        warnings=report["warnings"],
        metrics={"adapter.token_f1": 0.9},
    )
    packaged = stages.package_bundle(store, evaluated, config)
    outcome = register.register_adapter(store, packaged, config)
    assert outcome.aliases == ["challenger", "champion"]

    tracker = Tracker("acme", "advisory", tracking_uri=uri)
    client = tracker.client
    mlrun = client.get_run(outcome.mlflow_run_id)
    tags = mlrun.data.tags
    assert tags["verdict"] == "go"
    assert tags["base_model"] == "tiny" and tags["base_model_path"] == str(tiny.base_dir)
    assert tags["prefect.flow_run_id"] == "0f1e2d3c"
    assert tags["prefect.flow_run_url"] == "http://prefect:4200/runs/flow-run/0f1e2d3c"
    note = tags["mlflow.note.content"]
    assert note.startswith("**Verdict: go**") and report["reasons"][0] in note and report["warnings"][0] in note
    assert "http://prefect:4200/runs/flow-run/0f1e2d3c" in note
    assert client.get_experiment(mlrun.info.experiment_id).tags[EXPERIMENT_KIND_TAG] == "finetuning"

    version = client.get_model_version(outcome.model_name, str(outcome.model_version))
    assert version.tags["base_model"] == "tiny" and version.tags["base_model_path"] == str(tiny.base_dir)
    assert version.description.startswith("**Verdict: go**") and report["reasons"][0] in version.description

    # the evaluation samples as a table: one row per sample, each variant's output and scores
    def table(dst: Path) -> pd.DataFrame:
        dst.mkdir()
        data = json.loads(Path(client.download_artifacts(mlrun.info.run_id, "eval_samples.json", str(dst))).read_text())
        return pd.DataFrame(data["data"], columns=data["columns"])

    frame = table(tmp_path / "table")
    assert list(frame["id"]) == ["x1", "r1"]
    assert {"prompt", "reference", "base_output", "adapter_output", "adapter_token_f1", "adapter_refused"} <= set(
        frame.columns
    )
    assert list(frame["adapter_refused"]) == [False, True]
    # a retried register stage does not append the rows again
    tracker.log_table(mlrun.info.run_id, frame, "eval_samples.json")
    assert len(table(tmp_path / "again")) == 2

    # the evaluator's champion: the raw adapter folder of the registered model
    champion_dir = register.champion_adapter(run)
    assert champion_dir.name == "adapter"
    assert (champion_dir / "adapter_model.safetensors").read_bytes() == (
        tiny.adapter_dir / "adapter_model.safetensors"
    ).read_bytes()

    # no base weights in the registered model: only referenced
    model_dir = Path(mlflow.artifacts.download_artifacts(version.source, dst_path=str(tmp_path / "model")))
    assert not list(model_dir.rglob("model.safetensors"))

    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    model = mlflow.pyfunc.load_model(f"models:/{outcome.model_name}@champion")
    question = "What is the advisory fee?"
    chat = [{"messages": [{"role": "user", "content": question}], "max_new_tokens": 8}]
    [answer] = model.predict(chat)
    assert isinstance(answer, str) and answer
    # the training system prompt is applied: same greedy answer as the adapter given it explicitly
    with_system = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    assert model.predict(pd.DataFrame({"messages": [with_system], "max_new_tokens": [8]})) == [answer]
    assert model.predict([{"prompt": question}], params={"max_new_tokens": 8}) == [answer]
    assert model.metadata.signature.inputs.input_names() == ["messages", "prompt", "max_new_tokens", "temperature"]
    # the base model reference can be overridden at load time (e.g. another copy); the rest of the config stays
    override = {"base_model": str(tiny.base_dir)}
    reloaded = mlflow.pyfunc.load_model(f"models:/{outcome.model_name}/{outcome.model_version}", model_config=override)
    assert reloaded.predict({"prompt": question}, params={"max_new_tokens": 8}) == [answer]
    assert no_network == []


def test_a_retried_start_continues_the_running_run(tracker: Tracker):
    first = tracker.start_run("ft-retry", {"lr": 1}, tags={"attempt": "1"})
    again = tracker.start_run("ft-retry", {"lr": 1}, tags={"attempt": "2"})
    assert again == first  # no second RUNNING run for the same fine-tune
    assert tracker.client.get_run(first).data.tags["attempt"] == "2"
    tracker.end_run(first)
    assert tracker.start_run("ft-retry", {"lr": 1}) != first  # a finished run is never reopened
