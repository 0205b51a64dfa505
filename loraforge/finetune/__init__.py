"""The fine-tune half: train → evaluate → package (→ export-merged) → register, each a stage over the artifact store.

    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.storage import LocalStore
    from loraforge.target import Target

    outcome = run_fine_tune("ds-…", LocalStore("/tmp/store"), FineTuneConfig(), Target(tenant="acme"))

Every stage is ``stage(store, input manifest, config) -> manifest`` (``stages``, ``register``); the
Prefect tasks wrap exactly these functions and ``run_fine_tune`` chains them without Prefect.
"""

from __future__ import annotations

import uuid

from loraforge.finetune.manifests import (
    EvalOutcome,
    FineTuneConfig,
    FineTuneOutcome,
    FineTuneRun,
    MergedModel,
    Packaged,
    TrainOutcome,
)
from loraforge.finetune.register import ProgressFn
from loraforge.storage import ArtifactStore
from loraforge.target import Target

__all__ = [
    "EvalOutcome",
    "FineTuneConfig",
    "FineTuneOutcome",
    "FineTuneRun",
    "MergedModel",
    "Packaged",
    "TrainOutcome",
    "run_fine_tune",
]


def run_fine_tune(
    dataset_version: str,
    store: ArtifactStore,
    config: FineTuneConfig | None = None,
    target: Target | None = None,
    run_id: str | None = None,
    on_progress: ProgressFn | None = None,
) -> FineTuneOutcome:
    """The whole chain in one process, no orchestration: same stages, same outputs as the flow.

    ``target.tracking_uri`` names the MLflow server (blocks are resolved by the caller); ``run_id``
    makes the run name (default: random), so a caller that knows it can find the outcome in the store;
    ``on_progress(step, max_steps, metrics, eta_s)`` is called at every logged training step.
    """
    from loraforge.finetune import export, register, stages

    config, target = config or FineTuneConfig(), target or Target()
    run = FineTuneRun(
        tenant=target.tenant,
        project=target.project,
        dataset_version=dataset_version,
        run_name=FineTuneRun.name_for(dataset_version, run_id or uuid.uuid4().hex),
        tracking_uri=target.tracking_uri,
    )
    run = register.start_tracking(store, run, config)
    try:
        trained = stages.train_adapter(store, run, config, on_progress)
        evaluated = stages.evaluate_adapter(store, trained, config)
        packaged = stages.package_bundle(store, evaluated, config)
        if config.export_merged:
            packaged = export.export_merged(store, packaged, config)
        return register.register_adapter(store, packaged, config)
    except BaseException:
        register.fail(run)
        raise
