"""Blocks, the setup script and prefect.yaml, against a real (temporary) Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prefect import get_client
from prefect.flows import load_flow_from_entrypoint
from prefect.settings import PREFECT_API_URL

from blocks import MlflowServer, ObjectStore
from deployments import setup
from loraforge.storage import LocalStore, S3Store
from loraforge.train.config import resolve_recipe
from tasks.common import resolve_store, resolve_tracking, store_spec

REPO = Path(__file__).resolve().parents[1]
SECRET = "s3cr3t-value-never-shown"


def test_object_store_block_round_trips_and_hides_its_secret(prefect_server):
    ObjectStore(endpoint="127.0.0.1:9", bucket="loraforge", access_key="acme", secret_key=SECRET).save(
        "test-store", overwrite=True
    )
    with get_client(sync_client=True) as client:
        shown = client.read_block_document_by_name("test-store", "loraforge-object-store", include_secrets=False)
    assert SECRET not in str(shown.data)
    assert shown.data["access_key"] == "acme"
    store = resolve_store(store_spec(None, "test-store"))
    assert isinstance(store, S3Store)
    assert store.uri("acme/x/y.json") == "s3://loraforge/acme/x/y.json"
    assert SECRET not in repr(store) and SECRET not in repr(ObjectStore.load("test-store"))


def test_block_types_register_with_the_prefect_cli(prefect_server):
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    prefect = str(Path(sys.executable).parent / "prefect")
    done = subprocess.run(
        [prefect, "block", "register", "-m", "blocks"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Successfully registered 2 blocks" in " ".join(done.stdout.split())
    with get_client(sync_client=True) as client:
        schema = client.get_most_recent_block_schema_for_block_type(
            client.read_block_type_by_slug("loraforge-object-store").id
        )
        mlflow = client.read_block_type_by_slug("loraforge-mlflow-server")
    assert schema.fields["secret_fields"] == ["secret_key"]  # shown masked in the UI
    assert mlflow.name == "loraforge mlflow server"


def test_store_spec_without_a_block_is_the_folder_or_uri_given(tmp_path):
    assert store_spec(str(tmp_path), None) == str(tmp_path)
    assert isinstance(resolve_store(store_spec(str(tmp_path), None)), LocalStore)
    assert store_spec(None, None).endswith("artifacts")  # the embedded default folder


def test_mlflow_block_gives_the_uri_and_sets_the_token(prefect_server, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    MlflowServer(tracking_uri="http://mlflow.example:5000", token="tok-123").save("test-mlflow", overwrite=True)
    assert resolve_tracking(None, "test-mlflow") == "http://mlflow.example:5000"
    assert os.environ["MLFLOW_TRACKING_TOKEN"] == "tok-123"
    assert resolve_tracking("sqlite:///x.db", None) == "sqlite:///x.db"


def test_setup_creates_pools_limit_and_blocks_idempotently(prefect_server, monkeypatch, capsys):
    monkeypatch.setenv("LORAFORGE_S3_ENDPOINT", "minio:9000")
    monkeypatch.setenv("LORAFORGE_S3_ACCESS_KEY", "acme")
    monkeypatch.setenv("LORAFORGE_S3_SECRET_KEY", SECRET)
    monkeypatch.setenv("LORAFORGE_S3_PUBLIC_ENDPOINT", "localhost:9000")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    setup.main(["--gpus", "2"])
    setup.main(["--gpus", "2"])  # a second run updates, never fails on what exists
    with get_client(sync_client=True) as client:
        cpu, gpu = client.read_work_pool("cpu-pool"), client.read_work_pool("gpu-pool")
        limit = client.read_concurrency_limit_by_tag("gpu")
    assert (cpu.type, gpu.type) == ("process", "process")
    assert gpu.concurrency_limit == 2 and cpu.concurrency_limit is None
    assert limit.concurrency_limit == 2
    assert "command" in gpu.base_job_template["job_configuration"]
    assert ObjectStore.load("minio").endpoint == "minio:9000"
    assert ObjectStore.load("minio").public_endpoint == "localhost:9000"  # download links people can open
    assert MlflowServer.load("mlflow").tracking_uri == "http://mlflow:5000"
    assert SECRET not in capsys.readouterr().out


@pytest.mark.parametrize("pool_type", ["docker", "kubernetes"])
def test_setup_can_make_the_gpu_pool_a_docker_or_kubernetes_pool(prefect_server, pool_type):
    setup.main(["--gpu-pool-type", pool_type])
    with get_client(sync_client=True) as client:
        gpu = client.read_work_pool("gpu-pool")
    assert gpu.type == pool_type
    assert "gpu_count" in gpu.base_job_template["variables"]["properties"]
    setup.main([])  # and back to a process pool
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("gpu-pool").type == "process"


def _deployments() -> list[dict]:
    return yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]


def test_prefect_yaml_deployments_are_the_three_flows_on_the_right_pools():
    found = {(d["entrypoint"], d["name"]): d["work_pool"]["name"] for d in _deployments()}
    assert found == {
        ("flows/data_prep.py:data_prep", "nightly"): "cpu-pool",
        ("flows/fine_tune.py:fine_tune", "gpu"): "gpu-pool",
        ("flows/pipeline.py:pipeline", "main"): "cpu-pool",
    }
    nightly = next(d for d in _deployments() if d["name"] == "nightly")
    assert nightly["schedules"][0]["cron"] == "0 2 * * *"
    main = next(d for d in _deployments() if d["name"] == "main")
    fine_tune = next(d for d in _deployments() if d["name"] == "gpu")
    flow_name = load_flow_from_entrypoint(str(REPO / fine_tune["entrypoint"])).name
    assert main["parameters"]["fine_tune_deployment"] == f"{flow_name}/{fine_tune['name']}"


@pytest.fixture
def setup_blocks(prefect_server, monkeypatch):
    """The blocks `deployments.setup` saves for a compose-like environment (minio, mlflow)."""
    monkeypatch.setenv("LORAFORGE_S3_ENDPOINT", "minio:9000")
    monkeypatch.setenv("LORAFORGE_S3_ACCESS_KEY", "acme")
    monkeypatch.setenv("LORAFORGE_S3_SECRET_KEY", SECRET)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    setup.main([])


@pytest.mark.parametrize("index", range(3))
def test_prefect_yaml_parameters_validate_against_the_flow_signature(index, setup_blocks):
    """The deployments' defaults name the blocks setup saves, and validate into loaded blocks."""
    deployment = _deployments()[index]
    flow = load_flow_from_entrypoint(str(REPO / deployment["entrypoint"]))
    params = dict(deployment["parameters"])
    if "dataset_version" not in params and "dataset_version" in flow.parameters.properties:
        params["dataset_version"] = "ds-0123456789abcdef"  # the one required parameter, given per run
    validated = flow.validate_parameters(params)
    assert set(params) <= set(validated)
    target = validated["target"]
    assert isinstance(target.store_block, ObjectStore) and target.store_block.endpoint == "minio:9000"
    assert target.library().store_block == "minio" and target.library().mlflow_block == "mlflow"
    assert deployment["description"] and deployment["tags"]
    for section in ("config", "fine_tune"):
        if "recipe" in params.get(section, {}):
            assert resolve_recipe(params[section]["recipe"]).is_file()


def test_importing_the_flows_turns_prefect_telemetry_off(tmp_path):
    """The temporary server a flow call starts inherits the environment: without these defaults its
    telemetry service posts to Prefect's analytics endpoint (a network call nobody configured), and
    it gets 20 s to start, which a busy machine exceeds."""
    probe = (
        "import os, sys; from prefect.settings import Settings; "
        "from prefect._internal.analytics.enabled import is_telemetry_enabled; "
        "__import__('flows') if sys.argv[1] == 'flows' else None; "
        "print(Settings().server.analytics_enabled, is_telemetry_enabled(), "
        "Settings().server.ephemeral.startup_timeout_seconds)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k not in ("DO_NOT_TRACK", "CI")}
    clean["PREFECT_HOME"] = str(tmp_path)

    def probe_with(module: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, module], cwd=REPO, env=clean, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert probe_with("none") == ["True", "True", "20"]  # Prefect's own defaults: telemetry on
    assert probe_with("flows") == ["False", "False", "120"]


FLOWS = ["flows/data_prep.py:data_prep", "flows/fine_tune.py:fine_tune", "flows/pipeline.py:pipeline"]


@pytest.mark.parametrize("entrypoint", FLOWS)
def test_blocks_are_block_typed_parameters_the_ui_shows_as_pickers(entrypoint):
    """The UI renders a block picker for a property whose schema carries a block type slug."""
    schema = load_flow_from_entrypoint(str(REPO / entrypoint)).parameters.model_dump()
    definitions = schema["definitions"]
    target = definitions[schema["properties"]["target"]["$ref"].rsplit("/", 1)[1]]["properties"]
    for field, slug in (("store_block", "loraforge-object-store"), ("mlflow_block", "loraforge-mlflow-server")):
        refs = [option["$ref"].rsplit("/", 1)[1] for option in target[field]["anyOf"] if "$ref" in option]
        assert [definitions[ref]["block_type_slug"] for ref in refs] == [slug]
        assert target[field]["description"]


def test_a_picked_block_reaches_the_flow_as_the_saved_block(setup_blocks):
    """What the UI sends for a picked block ({"$ref": {"block_document_id": ...}}) resolves to the block; a
    remote deployment gets the block back as such a reference, never its contents."""
    with get_client(sync_client=True) as client:
        doc = client.read_block_document_by_name("minio", "loraforge-object-store")
    flow = load_flow_from_entrypoint(str(REPO / "flows/data_prep.py:data_prep"))
    picked = {"$ref": {"block_document_id": str(doc.id)}}
    target = flow.validate_parameters({"target": {"tenant": "acme", "store_block": picked}})["target"]
    assert target.store_block.endpoint == "minio:9000" and target.library().store_block == "minio"
    sent = target.as_parameter()
    assert sent["store_block"] == picked and SECRET not in str(sent)
    assert flow.validate_parameters({"target": sent})["target"].library() == target.library()
    by_slug = {"$ref": {"block_document_slug": "loraforge-object-store/minio"}}  # prefect.yaml, run_deployment
    assert flow.validate_parameters({"target": {"store_block": by_slug}})["target"].library().store_block == "minio"


def test_a_missing_or_unsaved_block_is_a_clear_error(prefect_server):
    from flows.target import FlowTarget

    with pytest.raises(ValueError, match="no loraforge-object-store block named 'nowhere'.*deployments.setup"):
        FlowTarget(store_block="nowhere")
    unsaved = FlowTarget(store_block=ObjectStore(endpoint="e:1", access_key="a", secret_key=SECRET))
    with pytest.raises(ValueError, match="must be saved first"):
        unsaved.library()
