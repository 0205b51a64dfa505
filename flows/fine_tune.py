"""The ``fine-tune`` flow: train → evaluate → package → register, on a dataset built by ``data-prep``.

from flows.fine_tune import fine_tune
outcome = fine_tune(dataset_version="ds-…", target=Target(tenant="acme", project="advisory"))
"""

from __future__ import annotations

from prefect import flow, runtime
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from loraforge.evaluate import EvalReport
from loraforge.finetune import FineTuneConfig, FineTuneOutcome, FineTuneRun, register
from loraforge.finetune.report import report_markdown
from loraforge.storage import read_json
from loraforge.target import Target
from tasks.common import resolve_store, resolve_tracking, target_store
from tasks.fine_tune import evaluate_adapter, package_bundle, register_adapter, start_tracking, train_adapter


@flow(name="fine-tune", description="QLoRA-train an adapter, judge it against base and champion, package, register.")
def fine_tune(
    dataset_version: str, target: Target = Target(), config: FineTuneConfig = FineTuneConfig()
) -> FineTuneOutcome:
    """Fine-tune ``config.base_model`` (default: the recipe's; "tiny" builds the offline tiny Llama) on a dataset.

    ``target`` scopes the run and names the artifact store (``store_block`` when set, else ``store``;
    default ``.loraforge/artifacts``) and MLflow (``mlflow_block`` when set, else ``tracking_uri``;
    default ``MLFLOW_TRACKING_URI``, else a local SQLite store).
    """
    store = target_store(target)
    run = FineTuneRun(
        tenant=target.tenant,
        project=target.project,
        dataset_version=dataset_version,
        run_name=FineTuneRun.name_for(dataset_version, str(runtime.flow_run.id or "local")),
        tracking_uri=resolve_tracking(target.tracking_uri, target.mlflow_block),
        tags=flow_run_tags(),
    )
    run = start_tracking(store, run, config)
    try:
        trained = train_adapter(store, run, config)
        evaluated = evaluate_adapter(store, trained, config)
        packaged = package_bundle(store, evaluated, config)
        outcome = register_adapter(store, packaged, config)
    except BaseException:
        register.fail(run)
        raise
    report = EvalReport.from_dict(read_json(resolve_store(store), evaluated.report_key))
    key = f"fine-tune-{target.tenant}-{target.project}"
    create_markdown_artifact(report_markdown(outcome, report.to_dict()), key=key, description="fine-tune report")
    create_table_artifact(report.metric_rows(), key=f"{key}-metrics", description="evaluation: base vs adapter")
    create_table_artifact(report.gate_rows(), key=f"{key}-gate", description=f"gate: {outcome.verdict}")
    create_link_artifact(outcome.mlflow_run_url, link_text=f"MLflow run {outcome.mlflow_run_id}", key=f"{key}-mlflow")
    create_link_artifact(outcome.bundle_url, link_text=f"download bundle {outcome.run_name}", key=f"{key}-bundle")
    return outcome


def flow_run_tags() -> dict[str, str]:
    """The MLflow run tags that lead back to this flow run (none outside a flow run)."""
    flow_run_id = runtime.flow_run.id
    if not flow_run_id:
        return {}
    tags = {"prefect.flow_run_id": str(flow_run_id)}
    url = runtime.flow_run.ui_url
    if url and url.startswith(("http://", "https://")):  # no PREFECT_UI_URL: "None/flow-runs/..."
        tags["prefect.flow_run_url"] = url
    return tags


if __name__ == "__main__":
    import sys

    print(fine_tune(dataset_version=sys.argv[1]).model_dump_json(indent=2))
