"""The ``pipeline`` flow: data-prep, then fine-tune on the dataset it produced.

from flows.pipeline import pipeline
outcome = pipeline(source="examples/docs")

Locally, fine-tune runs in-process as a subflow. Deployed (``prefect.yaml``), the pipeline runs on the
CPU pool and triggers the ``fine-tune`` deployment on the GPU pool with ``run_deployment``; the
finished run's outcome comes back through the artifact store.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, runtime
from prefect.artifacts import create_markdown_artifact
from prefect.deployments import run_deployment
from prefect.logging import get_run_logger
from prefect.settings import PREFECT_API_URL, PREFECT_HOME
from pydantic import BaseModel

from flows import data_prep as data_prep_flow
from flows import fine_tune as fine_tune_flow
from flows.names import pipeline_run_name
from flows.runners import ShardRunner
from flows.states import verdict_state
from flows.target import FlowTarget
from loraforge.display import mlflow_run_markdown, text
from loraforge.finetune import FineTuneConfig, FineTuneOutcome, FineTuneRun
from loraforge.finetune.report import bundle_markdown
from loraforge.prep import DataPrepConfig, DataPrepManifest
from loraforge.storage import read_json
from loraforge.target import Target
from tasks.common import resolve_store, resolve_tracking, target_store


class PipelineOutcome(BaseModel):
    data_prep: DataPrepManifest
    fine_tune: FineTuneOutcome


@flow(
    name="pipeline",
    flow_run_name=pipeline_run_name,
    description="data-prep over a folder or bucket prefix, then fine-tune on the new dataset.",
)
def pipeline(
    source: str = "examples/docs",
    target: FlowTarget = FlowTarget(),
    data_prep: DataPrepConfig = DataPrepConfig(),
    fine_tune: FineTuneConfig = FineTuneConfig(),
    fine_tune_deployment: str | None = None,
    runner: ShardRunner = ShardRunner(),
) -> PipelineOutcome:
    """Run data-prep here with ``data_prep``, then fine-tune with ``fine_tune`` on the new dataset:
    in-process, or on the GPU pool when ``fine_tune_deployment`` (e.g. ``fine-tune/gpu``) is named.

    Args:
        source: The documents: a folder on the worker, or s3://bucket/prefix/ in the store's endpoint.
        target: Where the run lives: tenant/project scope, artifact store and MLflow (blocks win).
        data_prep: Ingest limits, PII policy and allow-list, dedup threshold, dataset scope and splits.
        fine_tune: Base model, recipe, training settings, overrides and the evaluation gate.
        fine_tune_deployment: Run fine-tune on this deployment (e.g. fine-tune/gpu) instead of in-process.
        runner: Where data-prep's ingest and PII shard tasks run: threads, a local Dask cluster or an
            existing one (its address, or LORAFORGE_DASK_ADDRESS); by default chosen by input size.
    """
    prepared = data_prep_flow.data_prep(source=source, target=target, config=data_prep, runner=runner)
    if fine_tune_deployment:
        tuned = _fine_tune_remote(fine_tune_deployment, prepared.version, target, fine_tune)
    else:
        tuned = fine_tune_flow.fine_tune(dataset_version=prepared.version, target=target, config=fine_tune)
    outcome = PipelineOutcome(data_prep=prepared, fine_tune=tuned)
    key = f"pipeline-{target.tenant}-{target.project}"
    create_markdown_artifact(
        _summary(outcome, _tracking_uri(target.library(), tuned)),
        key=key,
        description=f"pipeline run summary: dataset {prepared.version}, the adapter's verdict ({tuned.verdict}) "
        "with one reason per gate check, and where the bundle and the MLflow run are",
    )
    return verdict_state(tuned.verdict, tuned.reasons, outcome)  # type: ignore[return-value]


def _tracking_uri(target: Target, tuned: FineTuneOutcome) -> str | None:
    """The MLflow store the run went to, to say how to open it when the outcome has no web link to it."""
    if tuned.mlflow_run_url:
        return None
    from loraforge.tracking import default_tracking_uri

    return resolve_tracking(target.tracking_uri, target.mlflow_block) or default_tracking_uri()


def _summary(outcome: PipelineOutcome, tracking_uri: str | None = None) -> str:
    """One screen for the pipeline run: the dataset it built and the adapter it judged."""
    prep, tuned = outcome.data_prep, outcome.fine_tune
    reasons = "\n".join(f"  - {text(r)}" for r in tuned.reasons)
    return (
        f"# pipeline {prep.tenant}/{prep.project}: **{tuned.verdict}**\n\n"
        f"- dataset `{prep.version}`: {prep.n_files} files, {prep.n_documents} documents, "
        f"{prep.n_examples} examples\n"
        f"- quarantined: {sum(prep.quarantined_by_reason.values())}, PII findings: {sum(prep.pii_by_entity.values())}\n"
        f"- fine-tune run `{tuned.run_name}`: "
        f"{mlflow_run_markdown(tuned.mlflow_run_id, tuned.mlflow_run_url, tracking_uri)}\n"
        f"- registered `{tuned.model_name}` version {tuned.model_version}, aliases: {', '.join(tuned.aliases)}\n"
        f"- bundle {bundle_markdown(tuned)}\n"
        f"- gate:\n{reasons}\n" + "".join(f"- **warning**: {text(w)}\n" for w in tuned.warnings)
    )


def _fine_tune_remote(deployment: str, version: str, target: FlowTarget, config: FineTuneConfig) -> FineTuneOutcome:
    """Trigger the fine-tune deployment, wait for it, and read its outcome from the store."""
    params: dict[str, Any] = {
        "dataset_version": version,
        "target": target.as_parameter(),
        "config": config.model_dump(),
    }
    # A retried pipeline run attaches to the fine-tune it already triggered instead of training twice.
    key = f"pipeline-{runtime.flow_run.id}-{version}"
    child = run_deployment(deployment, parameters=params, idempotency_key=key, timeout=None, poll_interval=10)
    if not child.state or not child.state.is_completed():
        state = child.state.name if child.state else "unknown"
        raise RuntimeError(f"fine-tune run {child.name} ({child.id}) ended {state}")
    get_run_logger().info("fine-tune run %s completed on deployment %s", child.name, deployment)
    run_name = FineTuneRun.name_for(version, str(child.id))
    run = FineTuneRun(tenant=target.tenant, project=target.project, dataset_version=version, run_name=run_name)
    return FineTuneOutcome.model_validate(read_json(resolve_store(target_store(target.library())), run.outcome_key))


if __name__ == "__main__":
    from flows.logs import quiet_console
    from flows.runners import runner_from, runner_options
    from loraforge.cli import flow_arguments, print_dataset, print_outcome

    # the arguments of `loraforge pipeline` and where the shard tasks run, run through Prefect
    args, config = flow_arguments("pipeline", on_quiet=quiet_console, options=runner_options)
    out = pipeline(
        source=config.source,
        target=config.target,
        data_prep=config.data_prep,
        fine_tune=config.fine_tune,
        runner=runner_from(args),
    )
    print_dataset(out.data_prep)
    print_outcome(out.fine_tune, resolve_tracking(config.target.tracking_uri, config.target.mlflow_block))
    if not PREFECT_API_URL.value():
        print("prefect  a temporary server without a UI ran these flows; their runs and artifacts are kept in")
        print(f"         {PREFECT_HOME.value()}/prefect.db: `prefect server start` shows them at http://127.0.0.1:4200")
        print("         (README.md, 'Looking at results')")
