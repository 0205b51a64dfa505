"""The ``pipeline`` flow: data-prep, then fine-tune on the dataset it produced.

from flows.pipeline import pipeline
outcome = pipeline(source="examples/docs")
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from pydantic import BaseModel

from flows.data_prep import DataPrepManifest, data_prep
from flows.fine_tune import fine_tune
from loraforge.evaluate import EvalConfig
from loraforge.finetune import FineTuneOutcome


class PipelineOutcome(BaseModel):
    data_prep: DataPrepManifest
    fine_tune: FineTuneOutcome


@flow(name="pipeline", description="data-prep over a folder, then fine-tune on the new dataset version.")
def pipeline(
    source: str = "examples/docs",
    tenant: str = "default",
    project: str = "default",
    base_model: str | None = None,
    recipe: str | None = None,
    overrides: dict[str, Any] | None = None,
    evaluation: EvalConfig = EvalConfig(),
    store: str | None = None,
    tracking_uri: str | None = None,
) -> PipelineOutcome:
    prepared = data_prep(source=source, tenant=tenant, project=project, store=store)
    tuned = fine_tune(
        dataset_version=prepared.version,
        tenant=tenant,
        project=project,
        base_model=base_model,
        recipe=recipe,
        overrides=overrides,
        evaluation=evaluation,
        store=store,
        tracking_uri=tracking_uri,
    )
    return PipelineOutcome(data_prep=prepared, fine_tune=tuned)


if __name__ == "__main__":
    out = pipeline()
    ft = out.fine_tune
    print(f"dataset  {out.data_prep.version}: {out.data_prep.n_examples} examples at {out.data_prep.dataset_uri}")
    print(f"adapter  {ft.model_name} v{ft.model_version} aliases={ft.aliases} verdict={ft.verdict}")
    for reason in ft.reasons:
        print(f"         {reason}")
    print(f"bundle   {ft.bundle_uri} (sha256 {ft.bundle_sha256})")
    print(f"mlflow   run {ft.mlflow_run_id}")
