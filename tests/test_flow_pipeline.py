"""The whole pipeline (data-prep → fine-tune) on the sample corpus: tiny model, real QLoRA on CPU."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, LogFilter, LogFilterFlowRunId
from prefect.client.schemas.sorting import FlowRunSort
from test_package import EXPECTED_FILES

from flows.pipeline import pipeline
from loraforge.evaluate import EvalConfig
from loraforge.finetune import FineTuneConfig
from loraforge.package import verify_manifest
from loraforge.target import Target

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# every PII value the sample corpus plants (examples/CORPUS.md): none may reach a log line
PLANTED = [
    v for values in json.loads((EXAMPLES / "corpus_manifest.json").read_text())["pii_classes"].values() for v in values
]


@pytest.fixture(scope="module")
def outcome(prefect_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    result = pipeline(
        source=str(EXAMPLES / "docs"),
        target=Target(tenant="acme", project="advisory", store=str(home / "store"), tracking_uri=uri),
        fine_tune=FineTuneConfig(
            training={"max_steps": 16, "learning_rate": 0.01},
            overrides={"sft": {"save_steps": 8, "eval_steps": 8, "logging_steps": 2}},
            evaluation=EvalConfig(max_examples=4, max_new_tokens=12, max_loss_examples=32),
            export_merged=True,
        ),
    )
    return result, home, uri


def test_training_loss_decreased(outcome):
    result, _, _ = outcome
    bundle = zipfile.ZipFile(result.fine_tune.bundle_uri.removeprefix("file://"))
    metrics = json.loads(bundle.read("metrics.json"))["training_metrics"]
    logged = [(row["step"], row["loss"]) for row in metrics if row.get("loss") is not None]
    assert [step for step, _ in logged] == [1, 2, 4, 6, 8, 10, 12, 14, 16]  # first step, then every 2
    losses = [loss for _, loss in logged]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3
    assert result.fine_tune.metrics["steps"] == 16


def test_bundle_has_exactly_the_listed_files_and_a_valid_manifest(outcome, tmp_path):
    result, _, _ = outcome
    zip_path = Path(result.fine_tune.bundle_uri.removeprefix("file://"))
    with zipfile.ZipFile(zip_path) as zf:
        names = {n for n in zf.namelist() if not n.endswith("/")}
        zf.extractall(tmp_path)
    assert names == EXPECTED_FILES  # same bundle spec as the packaging unit test
    assert verify_manifest(tmp_path) == []


def test_bundle_inference_generates_text(outcome, tmp_path):
    result, _, _ = outcome
    with zipfile.ZipFile(result.fine_tune.bundle_uri.removeprefix("file://")) as zf:
        zf.extractall(tmp_path)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "inference.py", "What are the advisory fees?", "--max-tokens", "8", "--temperature", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip()


def test_the_bundle_and_the_registry_serve_the_adapter_over_http(outcome, tmp_path):
    """The pipeline's bundle answers with its own serve.py, and ``loraforge serve`` answers with the
    registered version (the challenger: an inconclusive verdict promotes no champion)."""
    import httpx
    from servers import free_port, http_ok, start

    result, _, uri = outcome
    with zipfile.ZipFile(result.fine_tune.bundle_uri.removeprefix("file://")) as zf:
        zf.extractall(tmp_path / "bundle")
    env = {**os.environ, "LORAFORGE_API_KEY": "pipeline-key", "LORAFORGE_HOME": str(tmp_path / "home")}
    env["OMP_NUM_THREADS"] = "1"
    question = {"messages": [{"role": "user", "content": "What are the advisory fees?"}], "max_tokens": 8}
    commands = {
        "serve.py": ([sys.executable, "serve.py"], tmp_path / "bundle"),
        "loraforge serve": (
            [sys.executable, "-m", "loraforge.cli", "serve", "--model", "acme-advisory-adapter@challenger"]
            + [f"target.tracking_uri={uri}"],
            Path(__file__).resolve().parents[1],
        ),
    }
    for name, (argv, cwd) in commands.items():
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start(name, [*argv, "--port", str(port)], tmp_path / f"{port}.log", http_ok(f"{url}/health"), env, cwd)
        try:
            with httpx.Client(base_url=url, headers={"X-API-Key": "pipeline-key"}, timeout=120) as client:
                info = client.get("/model-info").json()
                assert info["evaluation"]["verdict"] == "inconclusive", name
                assert info["adapter_version"] == result.fine_tune.run_name, name
                reply = client.post("/api/v1/chat", json=question | {"temperature": 0})
                assert reply.status_code == 200 and reply.json()["usage"]["completion_tokens"] >= 1, name
                streamed = client.post("/v1/chat/completions", json=question | {"stream": True})
                assert streamed.text.rstrip().endswith("data: [DONE]"), name
                assert httpx.get(f"{url}/model-info").status_code == 401
            if name == "loraforge serve":
                assert info["registry"]["version"] == result.fine_tune.model_version
        finally:
            server.stop()


def test_registered_version_has_tags_and_aliases(outcome):
    result, _, uri = outcome
    ft = result.fine_tune
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    version = client.get_model_version("acme-advisory-adapter", str(ft.model_version))
    assert version.tags["dataset_version"] == result.data_prep.version
    # 4 generated answers are fewer than the gate needs to judge: never promoted on that
    assert version.tags["verdict"] == ft.verdict == "inconclusive"
    assert version.tags["base_model"] and version.run_id == ft.mlflow_run_id
    assert sorted(version.aliases) == ["challenger"]
    run = client.get_run(ft.mlflow_run_id)
    assert run.info.status == "FINISHED"
    assert [d.dataset.name for d in run.inputs.dataset_inputs] == [result.data_prep.version]
    assert len(client.get_metric_history(ft.mlflow_run_id, "loss")) == 9
    assert "eval.adapter.eval_loss" in run.data.metrics
    assert ft.reasons and all(" -> " in r for r in ft.reasons)
    tags = run.data.tags
    assert tags["base_model"] == version.tags["base_model"] == "tiny"  # the name, not the local cache path
    assert tags["verdict"] == "inconclusive"
    assert tags["mlflow.note.content"].startswith("**Verdict: inconclusive**")
    assert ft.run_name.endswith("-" + tags["prefect.flow_run_id"][:8])  # the fine-tune flow run
    assert "eval_samples.json" in {a.path for a in client.list_artifacts(ft.mlflow_run_id)}


def test_registered_version_loads_as_a_pyfunc_model_that_generates(outcome, monkeypatch):
    import mlflow.pyfunc

    _, _, uri = outcome
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    model = mlflow.pyfunc.load_model("models:/acme-advisory-adapter@challenger")
    [answer] = model.predict(
        [{"messages": [{"role": "user", "content": "What are the advisory fees?"}]}], params={"max_new_tokens": 8}
    )
    assert isinstance(answer, str) and answer


def test_the_merged_export_task_writes_the_store_and_the_mlflow_run(outcome):
    result, home, uri = outcome
    ft = result.fine_tune
    merged = Path(ft.merged_uri.removeprefix("file://"))
    assert merged == home / "store" / "acme" / "advisory" / "runs" / ft.run_name / "merged"
    assert {"model.safetensors", "tokenizer.json", "generation_config.json"} <= {p.name for p in merged.iterdir()}
    logged = {a.path for a in MlflowClient(uri).list_artifacts(ft.mlflow_run_id, "merged")}
    assert "merged/model.safetensors" in logged


def test_ui_artifacts_of_the_fine_tune_and_pipeline_runs(outcome):
    result, _, uri = outcome
    ft = result.fine_tune

    async def artifacts(key: str) -> list[Any]:
        async with get_client() as client:
            found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        return sorted(found, key=lambda a: a.created)

    async def latest(key: str) -> Any:
        found = await artifacts(key)
        assert found, f"no artifact {key}"
        return found[-1]

    key = "fine-tune-acme-advisory"
    report, metrics, gate, summary = (
        asyncio.run(latest(k)) for k in (key, f"{key}-metrics", f"{key}-gate", "pipeline-acme-advisory")
    )
    assert all(a.description for a in (report, metrics, gate, summary))
    rows = {r["metric"]: r for r in json.loads(metrics.data)}
    loss = rows["eval_loss (lower is better)"]  # the registry's direction beside each metric
    assert float(loss["adapter"]) == pytest.approx(ft.metrics["adapter.eval_loss"], rel=1e-3)  # 4 digits
    assert float(loss["base"]) == pytest.approx(ft.metrics["base.eval_loss"], rel=1e-3)
    assert rows["token_f1 (higher is better)"]["adapter"] == f"{ft.metrics['adapter.token_f1']:.3f}"
    checks = json.loads(gate.data)
    assert "inconclusive" in {c["result"] for c in checks}
    assert {c["threshold"][0] for c in checks} <= {"≤", "≥"}  # not ">=", a blockquote in the UI
    assert gate.description.startswith(f"gate: {ft.verdict}")
    # Local MLflow and a local store: nothing a browser could open, so no link artifacts and no dead links,
    # but the bundle's path and the command that serves the MLflow UI.
    assert ft.mlflow_run_url == "" and ft.bundle_url.startswith("file://")
    assert asyncio.run(artifacts(f"{key}-mlflow")) == [] and asyncio.run(artifacts(f"{key}-bundle")) == []
    bundle_path = ft.bundle_uri.removeprefix("file://")
    for markdown in (report.data, summary.data):
        assert "file://" not in markdown and not re.search(r"(?<!\\)\]\(", markdown)  # no Markdown link at all
        assert f"`{bundle_path}`" in markdown and f"mlflow ui --backend-store-uri {uri}" in markdown
    assert summary.data.startswith(f"# pipeline acme/advisory: **{ft.verdict}**")
    assert result.data_prep.version in summary.data


async def _latest_runs() -> dict[str, Any]:
    """The newest flow run of each flow (by flow name) on the test server."""
    async with get_client() as client:
        runs = await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=50)
        flows = {f.id: f.name for f in await client.read_flows()}
    latest: dict[str, Any] = {}
    for run in runs:
        latest.setdefault(flows[run.flow_id], run)
    return latest


async def _log_lines(flow_run_id: Any) -> list[str]:
    async with get_client() as client:
        logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return [f"{log.name}: {log.message}" for log in logs]


def test_runs_say_what_they_are_and_how_they_ended(outcome):
    result, _, _ = outcome
    runs = asyncio.run(_latest_runs())
    pipeline_run, prep_run, tune_run = runs["pipeline"], runs["data-prep"], runs["fine-tune"]
    assert pipeline_run.name.startswith("pipeline acme/advisory ")
    assert prep_run.name.startswith("data-prep acme/advisory ")
    assert tune_run.name.startswith(f"fine-tune acme/advisory ds-{result.data_prep.version[3:11]} ")
    # the verdict is on the run, in the runs list: a named completed state and its first undecided check
    for run in (pipeline_run, tune_run):
        assert (run.state.type.value, run.state.name) == ("COMPLETED", "Inconclusive")
        assert run.state.message.startswith("gate: inconclusive (")


def test_library_log_lines_reach_the_run_logs_without_values(outcome):
    result, _, _ = outcome
    runs = asyncio.run(_latest_runs())
    prep_logs = asyncio.run(_log_lines(runs["data-prep"].id))
    stages = [line for line in prep_logs if line.startswith("loraforge.prep.stages: ")]
    assert any(": ingest: " in line for line in stages) and any(": pii: " in line for line in stages)
    assert any(": dataset: " in line for line in stages)
    assert not [line for line in prep_logs if any(value in line for value in PLANTED)]
    tune_logs = asyncio.run(_log_lines(runs["fine-tune"].id))
    assert any(line.startswith("loraforge.finetune.stages: gate: inconclusive") for line in tune_logs)


def test_one_progress_bar_per_run_ends_full(outcome):
    async def progress(key: str) -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))

    runs = asyncio.run(_latest_runs())
    for flow in ("data-prep", "fine-tune"):
        mine = [a for a in asyncio.run(progress(f"{flow}-acme-advisory-progress")) if a.flow_run_id == runs[flow].id]
        assert len(mine) == 1 and mine[0].type == "progress" and mine[0].data == 100.0, mine


INGEST_SHARDS = "acme/advisory/prep/ingest/"


def _contents(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """``data`` and, for a zip (bundle, DOCX) or gzip file, every member's bytes, recursively."""
    yield name, data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                yield from _contents(f"{name}!{member}", zf.read(member))
    elif data[:2] == b"\x1f\x8b":
        yield from _contents(f"{name}!gz", gzip.decompress(data))


def _leaks(root: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every planted value found in a file under ``root``, as UTF-8 or as JSON
    escapes it ("Am\\u00e9lie")."""
    forms = {v: {v.encode(), json.dumps(v).strip('"').encode()} for v in values}
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for name, data in _contents(str(path.relative_to(root)), path.read_bytes()):
            found += [(name, v) for v, encoded in forms.items() if any(e in data for e in encoded)]
    return found


def test_the_scan_finds_planted_values_where_they_are():
    """The check below can fail: in the raw corpus (a CSV, a DOCX's XML) the same scan finds them."""
    found = {v for _, v in _leaks(EXAMPLES / "docs", PLANTED)}
    assert {"Rebecca Stone", "rstone@harborview-wealth.com", "617-555-0126", "GB33 BUKB 2020 1555 5555 55"} <= found
    assert any(name.endswith(".docx!word/document.xml") for name, _ in _leaks(EXAMPLES / "docs", PLANTED))


def test_no_planted_value_reaches_any_produced_file_or_ui_artifact(outcome):
    """Every file the run wrote (the artifact store: shards, dataset JSONL and card, eval report, bundle
    zip and its members; MLflow's sqlite database and artifact folder) and every Prefect artifact."""
    _, home, _ = outcome
    written = sorted(p.relative_to(home).parts[0] for p in home.rglob("*") if p.is_file())
    assert {"store", "mlflow.db", "mlartifacts"} <= set(written)
    assert any(p.suffix == ".zip" for p in home.rglob("*")) and any(p.suffix == ".jsonl" for p in home.rglob("*"))
    leaks = sorted({name for name, _ in _leaks(home, PLANTED)})
    # The ingest stage's shards are the extracted input, kept before the PII stage so a rerun skips
    # parsing: they hold the documents as the source folder does. Nothing after the PII stage may.
    assert [name for name in leaks if not name.startswith(f"store/{INGEST_SHARDS}")] == []

    async def every_artifact() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(limit=200)

    artifacts = asyncio.run(every_artifact())
    assert artifacts
    texts = [json.dumps([a.key, a.description, a.data], ensure_ascii=False, default=str) for a in artifacts]
    assert [v for v in PLANTED if any(v in text for text in texts)] == []
