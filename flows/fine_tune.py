"""The ``fine-tune`` flow: train → evaluate → package → register, on a dataset built by ``data-prep``.

from flows.fine_tune import fine_tune
outcome = fine_tune(dataset_version="ds-…", tenant="acme", project="advisory")
"""

from __future__ import annotations

from typing import Any

from prefect import flow, runtime
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from loraforge import finetune
from loraforge.evaluate import EvalConfig, EvalReport
from loraforge.finetune import FineTuneOutcome, FineTuneRun
from loraforge.storage import write_json
from loraforge.tracking import Tracker
from tasks.common import resolve_store, resolve_tracking, store_spec
from tasks.fine_tune import evaluate_adapter, package_bundle, register_adapter, start_tracking, train_adapter


@flow(name="fine-tune", description="QLoRA-train an adapter, judge it against base and champion, package, register.")
def fine_tune(
    dataset_version: str,
    tenant: str = "default",
    project: str = "default",
    base_model: str | None = None,
    recipe: str | None = None,
    overrides: dict[str, Any] | None = None,
    evaluation: EvalConfig = EvalConfig(),
    store: str | None = None,
    store_block: str | None = None,
    tracking_uri: str | None = None,
    mlflow_block: str | None = None,
) -> FineTuneOutcome:
    """Fine-tune ``base_model`` (default: the recipe's; "tiny" builds the offline tiny Llama) on a dataset.

    Artifacts go to the ``store_block`` object-store block when named, else ``store`` (a folder or an
    ``s3://`` URI; default ``.loraforge/artifacts``). Tracking goes to the ``mlflow_block`` server when
    named, else ``tracking_uri`` (default ``MLFLOW_TRACKING_URI``, else a local SQLite store).
    """
    config = finetune.load_train_config(
        recipe, {**(overrides or {}), **({"base_model": base_model} if base_model else {})}
    )
    store = store_spec(store, store_block)
    tracking_uri = resolve_tracking(tracking_uri, mlflow_block)
    run = FineTuneRun(
        tenant=tenant,
        project=project,
        dataset_version=dataset_version,
        run_name=FineTuneRun.name_for(dataset_version, str(runtime.flow_run.id or "local")),
    )
    artifacts = resolve_store(store)
    dataset_uri = artifacts.uri(run.dataset_key)
    params = {"train": config.model_dump(), "eval": evaluation.model_dump(), "dataset_version": dataset_version}
    run.mlflow_run_id = start_tracking(run, params, tracking_uri, dataset_uri)
    try:
        trained = train_adapter(store, run, config, tracking_uri)
        report = evaluate_adapter(store, run, trained, evaluation, tracking_uri)
        bundle = package_bundle(store, run, trained, report)
        registered = register_adapter(run, trained, report, bundle, tracking_uri)
    except BaseException:
        Tracker(tenant, project, tracking_uri).end_run(run.mlflow_run_id, "FAILED")
        raise
    evaluated = EvalReport.from_dict(report)
    outcome = FineTuneOutcome(
        run_name=run.run_name,
        dataset_version=dataset_version,
        mlflow_run_id=run.mlflow_run_id,
        model_name=registered["name"],
        model_version=registered["version"],
        aliases=registered["aliases"],
        verdict=report["verdict"],
        reasons=evaluated.reasons,
        bundle_uri=bundle["zip_uri"],
        bundle_sha256=bundle["sha256"],
        bundle_url=bundle["url"],
        metrics={**finetune.eval_metrics(report), **{k: trained.summary.get(k) for k in finetune.SUMMARY_KEYS}},
    )
    key = f"fine-tune-{tenant}-{project}"
    create_markdown_artifact(finetune.report_markdown(outcome, report), key=key, description="fine-tune report")
    create_table_artifact(evaluated.metric_rows(), key=f"{key}-metrics", description="evaluation: base vs adapter")
    create_table_artifact(evaluated.gate_rows(), key=f"{key}-gate", description=f"go/no-go gate: {outcome.verdict}")
    create_link_artifact(registered["run_url"], link_text=f"MLflow run {run.mlflow_run_id}", key=f"{key}-mlflow")
    create_link_artifact(bundle["url"], link_text=f"download bundle {run.run_name}", key=f"{key}-bundle")
    write_json(artifacts, run.outcome_key, outcome.model_dump())
    return outcome


if __name__ == "__main__":
    import sys

    print(fine_tune(dataset_version=sys.argv[1]).model_dump_json(indent=2))
