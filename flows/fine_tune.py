"""The ``fine-tune`` flow: train → evaluate → package (→ export-merged) → register, on a dataset built by ``data-prep``.

from flows.fine_tune import fine_tune
outcome = fine_tune(dataset_version="ds-…", target=Target(tenant="acme", project="advisory"))
"""

from __future__ import annotations

from prefect import flow, runtime
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from flows.names import fine_tune_run_name
from flows.progress import RunProgress
from flows.states import verdict_state
from flows.target import FlowTarget
from loraforge.display import is_web_url
from loraforge.evaluate import EvalReport
from loraforge.finetune import FineTuneConfig, FineTuneOutcome, FineTuneRun, register
from loraforge.finetune.report import report_markdown
from loraforge.storage import read_json
from tasks.common import resolve_store, resolve_tracking, target_store
from tasks.fine_tune import (
    evaluate_adapter,
    export_merged,
    package_bundle,
    register_adapter,
    start_tracking,
    train_adapter,
)

TRAINED, EVALUATED = 80.0, 95.0  # the progress bar's share of each stage


@flow(
    name="fine-tune",
    flow_run_name=fine_tune_run_name,
    description="QLoRA-train an adapter, judge it against base and champion, package, register.",
)
def fine_tune(
    dataset_version: str, target: FlowTarget = FlowTarget(), config: FineTuneConfig = FineTuneConfig()
) -> FineTuneOutcome:
    """Fine-tune ``config.base_model`` (default: the recipe's; "tiny" builds the offline tiny Llama) on a dataset.

    Args:
        dataset_version: A dataset version built by data-prep for this tenant/project, e.g. ds-0123456789ab.
        target: Where the run lives: tenant/project scope, the artifact store (block wins; default
            .loraforge/artifacts) and MLflow (block wins; default MLFLOW_TRACKING_URI, else a local SQLite store).
        config: Base model, recipe, training settings, overrides and the evaluation gate.
    """
    where = target.library()
    store = target_store(where)
    run = FineTuneRun(
        tenant=target.tenant,
        project=target.project,
        dataset_version=dataset_version,
        run_name=FineTuneRun.name_for(dataset_version, str(runtime.flow_run.id or "local")),
        tracking_uri=resolve_tracking(where.tracking_uri, where.mlflow_block),
        tags=flow_run_tags(),
    )
    progress = RunProgress(
        f"fine-tune-{target.tenant}-{target.project}-progress",
        f"fine-tune progress of {run.run_name}: training to {TRAINED:.0f}%, then evaluation, bundle, registry",
    )
    run = start_tracking(store, run, config)
    try:
        trained = train_adapter(store, run, config, progress.id)
        progress.set(TRAINED)
        evaluated = evaluate_adapter(store, trained, config)
        progress.set(EVALUATED)
        packaged = package_bundle(store, evaluated, config)
        if config.export_merged:
            packaged = export_merged(store, packaged, config)
        outcome = register_adapter(store, packaged, config)
        progress.set(100)
    except BaseException:
        register.fail(run)
        raise
    report = EvalReport.from_dict(read_json(resolve_store(store), evaluated.report_key))
    _publish(f"fine-tune-{target.tenant}-{target.project}", outcome, report, run.tracking_uri)
    return verdict_state(outcome.verdict, outcome.reasons, outcome)  # type: ignore[return-value]


def _publish(key: str, outcome: FineTuneOutcome, report: EvalReport, tracking_uri: str | None) -> None:
    """The run's artifacts in the Prefect UI; links only to pages a browser opens (http(s))."""
    from loraforge.tracking import default_tracking_uri

    tracking_uri = tracking_uri or default_tracking_uri()
    create_markdown_artifact(
        report_markdown(outcome, report.to_dict(), tracking_uri),
        key=key,
        description=f"fine-tune report of {outcome.run_name}: verdict, registered version, MLflow run, bundle, "
        "training summary, evaluation and gate, sample generations",
    )
    create_table_artifact(
        report.metric_rows(),
        key=f"{key}-metrics",
        description="evaluation on held-out examples (and the probe file): base vs adapter (vs champion), rounded; "
        "each metric says whether lower or higher is better; improvement % is + when the adapter is better",
    )
    create_table_artifact(
        report.gate_rows(),
        key=f"{key}-gate",
        description=f"gate: {outcome.verdict} (one row per check: value, threshold, result and why)",
    )
    if is_web_url(outcome.mlflow_run_url):
        create_link_artifact(
            outcome.mlflow_run_url,
            link_text=f"MLflow run {outcome.mlflow_run_id}",
            key=f"{key}-mlflow",
            description=f"the MLflow run of {outcome.run_name}: params, per-step and system metrics, eval metrics, "
            "the bundle",
        )
    if is_web_url(outcome.bundle_url):
        create_link_artifact(
            outcome.bundle_url,
            link_text=f"download bundle {outcome.run_name}",
            key=f"{key}-bundle",
            description="the adapter bundle (zip: adapter, model card, eval report, inference script); "
            "a presigned URL that expires after 7 days",
        )


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
    from flows.logs import quiet_console
    from loraforge.cli import flow_arguments, print_outcome

    args, config = flow_arguments(
        "train", on_quiet=quiet_console
    )  # the arguments of `loraforge train`, run through Prefect
    outcome = fine_tune(dataset_version=args.dataset_version, target=config.target, config=config.fine_tune)
    print_outcome(outcome, resolve_tracking(config.target.tracking_uri, config.target.mlflow_block))
