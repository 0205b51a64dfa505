"""Production shape against real servers: PostgreSQL, a Prefect server on it, process workers for the
CPU and GPU pools, a SeaweedFS S3 server and an MLflow server (PostgreSQL backend, artifacts on S3).

The setup script creates pools, blocks and the GPU limit; ``prefect --no-prompt deploy --all`` deploys
``prefect.yaml``; ``run_deployment`` triggers ``pipeline/main``, which runs data-prep on the CPU pool
and triggers ``fine-tune/gpu`` on the GPU pool. Everything is checked through the servers' APIs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import servers
from mlflow import MlflowClient
from prefect import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from blocks import ObjectStore
from loraforge.finetune import FineTuneOutcome
from loraforge.storage import S3Store, read_json

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
TENANT, PROJECT = "acme", "advisory"
INBOX = f"{TENANT}/{PROJECT}/inbox"
MLFLOW_BUCKET = "mlflow"
FAST = {
    "base_model": "tiny",
    "recipe": "configs/tiny-cpu.yaml",
    "training": {"max_steps": 8, "learning_rate": 0.01},
    "overrides": {"sft": {"save_steps": 4, "eval_steps": 4, "logging_steps": 2}},
    "evaluation": {"max_examples": 4, "max_new_tokens": 8, "max_loss_examples": 16},
}


# A run's parameters replace whole top-level parameters: the run names the deployment's blocks again.
def _block(slug: str) -> dict:
    """A deployment parameter's reference to a saved block (what the UI's block picker sends)."""
    return {"$ref": {"block_document_slug": slug}}


TARGET = {
    "tenant": TENANT,
    "project": PROJECT,
    "store_block": _block("loraforge-object-store/minio"),
    "mlflow_block": _block("loraforge-mlflow-server/mlflow"),
}
# Documents with PII are dropped instead of redacted: proves a data-prep setting reaches the PII stage.
DATA_PREP = {"pii": {"policy": "drop"}}
PLACEHOLDERS = ("<PERSON>", "<EMAIL_ADDRESS>", "<PHONE_NUMBER>", "<US_SSN>")

pytestmark = pytest.mark.timeout(2400)


@dataclass
class Stack:
    api: str
    mlflow: str
    env: dict[str, str]
    home: Path
    s3: object  # the s3_server fixture

    def store(self, tenant: str) -> S3Store:
        access, secret = self.s3.tenants[tenant]
        return S3Store(self.s3.endpoint, self.s3.bucket, access, secret)


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def stack(s3_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("production")
    admin_key, admin_secret = s3_server.admin
    S3Store(s3_server.endpoint, MLFLOW_BUCKET, admin_key, admin_secret).ensure_bucket()
    aws = {
        "MLFLOW_S3_ENDPOINT_URL": f"http://{s3_server.endpoint}",
        "AWS_ACCESS_KEY_ID": admin_key,
        "AWS_SECRET_ACCESS_KEY": admin_secret,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    access, secret = s3_server.tenants[TENANT]
    with (
        servers.postgres(["prefect", "mlflow"]) as pg,
        servers.prefect_server(pg.url("prefect", "asyncpg"), home) as api,
        servers.mlflow_server(pg.url("mlflow", "psycopg"), f"s3://{MLFLOW_BUCKET}/artifacts", aws, home) as mlflow_uri,
    ):
        env = {
            **servers.prefect_env(api, home),
            "LORAFORGE_S3_ENDPOINT": s3_server.endpoint,
            "LORAFORGE_S3_BUCKET": s3_server.bucket,
            "LORAFORGE_S3_ACCESS_KEY": access,
            "LORAFORGE_S3_SECRET_KEY": secret,
            "LORAFORGE_S3_SECURE": "false",
            "MLFLOW_TRACKING_URI": mlflow_uri,
            "LORAFORGE_REPO": str(REPO),
            "LORAFORGE_HOME": str(home / "worker"),
            "OMP_NUM_THREADS": "2",
        }
        env.pop("MLFLOW_S3_ENDPOINT_URL", None)
        _run([sys.executable, "-m", "deployments.setup"], env)
        _run([str(servers.BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)
        with servers.worker("cpu-pool", env, REPO, home), servers.worker("gpu-pool", env, REPO, home):
            yield Stack(api, mlflow_uri, env, home, s3_server)


@pytest.fixture(scope="module")
def pipeline_run(stack):
    acme = stack.store(TENANT)
    acme.put_dir(INBOX, EXAMPLES / "docs")
    params = {
        "source": f"s3://{stack.s3.bucket}/{INBOX}/",
        "target": TARGET,
        "data_prep": DATA_PREP,
        "fine_tune": FAST,
    }
    with temporary_settings({PREFECT_API_URL: stack.api}):
        flow_run = run_deployment("pipeline/main", parameters=params, timeout=1800, poll_interval=3)
    return flow_run


def _fine_tune_runs(stack):
    with temporary_settings({PREFECT_API_URL: stack.api}), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("fine-tune/gpu")
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])))
    return deployment, runs


def _outcome(stack) -> FineTuneOutcome:
    acme = stack.store(TENANT)
    keys = [k for k in acme.list(f"{TENANT}/{PROJECT}/runs") if k.endswith("/outcome.json")]
    assert len(keys) == 1, keys
    return FineTuneOutcome.model_validate(read_json(acme, keys[0]))


def test_pipeline_completed_and_triggered_fine_tune_on_the_gpu_pool(stack, pipeline_run):
    assert pipeline_run.state.is_completed(), _worker_logs(stack)
    deployment, runs = _fine_tune_runs(stack)
    assert deployment.work_pool_name == "gpu-pool"
    assert len(runs) == 1
    assert runs[0].state.is_completed()
    assert runs[0].parent_task_run_id is not None  # linked under the pipeline run in the UI
    # the GPU run got a reference to the block, never its contents (credentials)
    assert set(runs[0].parameters["target"]["store_block"]) == {"$ref"}
    assert runs[0].parameters["config"]["training"]["max_steps"] == FAST["training"]["max_steps"]


def test_shards_dataset_and_bundle_are_in_the_bucket_under_the_tenant_prefix(stack, pipeline_run):
    keys = stack.store(TENANT).list(f"{TENANT}/{PROJECT}")
    assert any(k.startswith(f"{TENANT}/{PROJECT}/prep/ingest/") and k.endswith(".docs.jsonl") for k in keys)
    assert any(k.startswith(f"{TENANT}/{PROJECT}/prep/pii/") for k in keys)
    cards = [k for k in keys if k.startswith(f"{TENANT}/{PROJECT}/datasets/") and k.endswith("/card.json")]
    assert len(cards) == 1
    outcome = _outcome(stack)
    assert outcome.bundle_uri.startswith(f"s3://{stack.s3.bucket}/{TENANT}/{PROJECT}/runs/{outcome.run_name}/")
    assert any(k.endswith("/bundle/MANIFEST.sha256") for k in keys)


def test_the_pii_policy_set_on_the_pipeline_run_reached_the_dataset(stack, pipeline_run):
    acme = stack.store(TENANT)
    [card_key] = [k for k in acme.list(f"{TENANT}/{PROJECT}/datasets") if k.endswith("/card.json")]
    card = read_json(acme, card_key)
    # "redact", the default, drops no document; "drop" takes out every one with a finding before dedup
    documents = json.loads((EXAMPLES / "corpus_manifest.json").read_text())["totals"]["documents_ingested"]
    assert card["quarantined_by_reason"]["pii_drop"] == documents - card["dedup"]["in"] > 0
    rows = acme.get_bytes(card_key.removesuffix("card.json") + "train.jsonl").decode()
    assert rows and not [p for p in PLACEHOLDERS if p in rows]  # dropped, not redacted


def test_bundle_presigned_url_downloads_the_same_bytes(stack, pipeline_run):
    outcome = _outcome(stack)
    key = outcome.bundle_uri.removeprefix(f"s3://{stack.s3.bucket}/")
    stored = stack.store(TENANT).get_bytes(key)
    assert outcome.bundle_url.startswith("http://") and "X-Amz-Signature" in outcome.bundle_url
    with urllib.request.urlopen(outcome.bundle_url, timeout=60) as resp:
        downloaded = resp.read()
    assert downloaded == stored
    assert hashlib.sha256(downloaded).hexdigest() == outcome.bundle_sha256


def test_mlflow_server_has_the_run_and_a_registered_version_with_aliases(stack, pipeline_run):
    outcome = _outcome(stack)
    client = MlflowClient(tracking_uri=stack.mlflow, registry_uri=stack.mlflow)
    run = client.get_run(outcome.mlflow_run_id)
    assert run.info.status == "FINISHED"
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == f"loraforge/{TENANT}/{PROJECT}"
    assert "eval.adapter.loss" in run.data.metrics or any(k.startswith("eval.") for k in run.data.metrics)
    version = client.get_model_version(f"{TENANT}-{PROJECT}-adapter", str(outcome.model_version))
    assert version.run_id == outcome.mlflow_run_id
    assert "challenger" in version.aliases
    assert ("champion" in version.aliases) == (outcome.verdict == "go")
    assert version.tags["bundle_sha256"] == outcome.bundle_sha256
    # artifacts went through the server's proxy into the S3 bucket
    artifacts = [a.path for a in client.list_artifacts(outcome.mlflow_run_id, "bundle")]
    assert "bundle/MANIFEST.sha256" in artifacts


def test_scheduled_deployment_has_its_cron_schedule(stack):
    with temporary_settings({PREFECT_API_URL: stack.api}), get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name("data-prep/nightly")
        pool = client.read_work_pool("gpu-pool")
        limits = {limit.tag: limit.concurrency_limit for limit in client.read_concurrency_limits(limit=50, offset=0)}
    assert [s.schedule.cron for s in nightly.schedules] == ["0 2 * * *"]
    assert all(s.active for s in nightly.schedules)
    # the server's scheduler turned the schedule into runs at 02:00 UTC on the coming nights
    scheduled = _scheduled_runs(stack, nightly.id)
    assert scheduled and all(r.state.is_scheduled() for r in scheduled)
    assert {(r.expected_start_time.hour, r.expected_start_time.minute) for r in scheduled} == {(2, 0)}
    assert nightly.work_pool_name == "cpu-pool"
    assert pool.concurrency_limit == 1
    assert limits["gpu"] == 1


def _scheduled_runs(stack, deployment_id, timeout: float = 120) -> list:
    """The nightly deployment's scheduled runs, once the scheduler service (a loop on the server) made them."""
    deadline = time.monotonic() + timeout
    with temporary_settings({PREFECT_API_URL: stack.api}), get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["SCHEDULED"]))
                ),
            )
            if runs or time.monotonic() > deadline:
                return runs
            time.sleep(2)


def test_second_tenant_cannot_read_the_first_tenants_prefix(stack, pipeline_run):
    outcome = _outcome(stack)
    key = outcome.bundle_uri.removeprefix(f"s3://{stack.s3.bucket}/")
    globex = stack.store("globex")
    with pytest.raises(PermissionError):
        globex.get_bytes(key)
    with pytest.raises(PermissionError):
        globex.put_bytes(key, b"overwritten")
    assert stack.store(TENANT).get_bytes(key) != b"overwritten"
    # and through Prefect: a globex run pointed at acme's inbox fails instead of reading it
    access, secret = stack.s3.tenants["globex"]
    with temporary_settings({PREFECT_API_URL: stack.api}):
        ObjectStore(endpoint=stack.s3.endpoint, bucket=stack.s3.bucket, access_key=access, secret_key=secret).save(
            "minio-globex", overwrite=True
        )
        run = run_deployment(
            "data-prep/nightly",
            parameters={
                "source": f"s3://{stack.s3.bucket}/{INBOX}/",
                "target": {
                    "tenant": "globex",
                    "project": PROJECT,
                    "store_block": _block("loraforge-object-store/minio-globex"),
                },
            },
            timeout=900,
            poll_interval=3,
        )
    assert run.state.is_failed()
    assert "access denied" in run.state.message and f"{INBOX}" in run.state.message
    assert stack.store("globex").list(f"globex/{PROJECT}") == []  # nothing written for the failed run


def test_logs_carry_no_secrets_or_pii(stack, pipeline_run):
    manifest = json.loads((EXAMPLES / "corpus_manifest.json").read_text())
    secrets = [stack.env["LORAFORGE_S3_SECRET_KEY"], stack.s3.admin[1]]
    pii = [v for values in manifest["pii_classes"].values() for v in values]
    with temporary_settings({PREFECT_API_URL: stack.api}), get_client(sync_client=True) as client:
        logs = client.read_logs(limit=200, offset=0)
        texts = [log.message for log in logs]
        offset = 200
        while len(logs) == 200:
            logs = client.read_logs(limit=200, offset=offset)
            texts += [log.message for log in logs]
            offset += 200
    blob = "\n".join(texts)
    assert "step" in blob  # training progress was logged
    leaked = [v for v in [*secrets, *pii] if v in blob]
    assert leaked == []


def _worker_logs(stack) -> str:
    return "\n".join(servers._tail(stack.home / f"worker-{p}.log", 4000) for p in ("cpu-pool", "gpu-pool"))
