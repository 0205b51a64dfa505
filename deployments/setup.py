"""Prepare a Prefect server for loraforge: work pools, blocks and the one-training-per-GPU limit.

    python -m deployments.setup [--gpu-pool-type process|docker|kubernetes] [--gpus N]

Idempotent: a second run updates what the first created. It reads its settings from the environment:
``PREFECT_API_URL`` (the server), ``LORAFORGE_S3_ENDPOINT``/``_BUCKET``/``_ACCESS_KEY``/``_SECRET_KEY``/
``_SECURE``/``_PUBLIC_ENDPOINT`` (saved as the ``minio`` object-store block) and ``MLFLOW_TRACKING_URI`` (+ optional
``MLFLOW_TRACKING_TOKEN``, saved as the ``mlflow`` block). A block whose variables are unset is
skipped: flows then use their embedded defaults. Then deploy: ``prefect --no-prompt deploy --all``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker

from blocks import MlflowServer, ObjectStore
from loraforge.settings import Settings

CPU_POOL, GPU_POOL = "cpu-pool", "gpu-pool"
GPU_TAG = "gpu"  # the tag of the training and evaluation tasks (tasks/fine_tune.py)
TEMPLATES = Path(__file__).parent / "job_templates"


def base_job_template(pool_type: str) -> dict:
    """The process worker's default template, or the GPU template shipped for docker/kubernetes."""
    if pool_type == "process":
        return ProcessWorker.get_default_base_job_template()
    return json.loads((TEMPLATES / f"{pool_type}-gpu.json").read_text())


def ensure_pool(name: str, pool_type: str, description: str, concurrency: int | None = None) -> None:
    template = base_job_template(pool_type)
    with get_client(sync_client=True) as client:
        try:
            existing = client.read_work_pool(name)
        except ObjectNotFound:
            existing = None
        if existing is not None and existing.type == pool_type:
            update = WorkPoolUpdate(description=description, base_job_template=template, concurrency_limit=concurrency)
            client.update_work_pool(name, update)
            return
        if existing is not None:
            # The server cannot change a pool's type in place: replace the pool (its queues go with it;
            # deployments keep the pool by name and a rerun of `prefect deploy` reattaches them).
            client.delete_work_pool(name)
        create = WorkPoolCreate(
            name=name,
            type=pool_type,
            description=description,
            base_job_template=template,
            concurrency_limit=concurrency,
        )
        client.create_work_pool(create)


def save_blocks(settings: Settings, store_block: str, mlflow_block: str) -> list[str]:
    """Register the block types and save the blocks the environment describes; returns their names."""
    saved = []
    for block_type in (ObjectStore, MlflowServer):
        block_type.register_type_and_schema()
    if settings.s3_endpoint:
        endpoint, access_key, secret_key = settings.s3_required()
        ObjectStore(
            endpoint=endpoint,
            bucket=settings.s3_bucket,
            access_key=access_key,
            secret_key=secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
            public_endpoint=settings.s3_public_endpoint,
        ).save(store_block, overwrite=True)
        saved.append(f"loraforge-object-store/{store_block}")
    if settings.mlflow_tracking_uri:
        token = settings.mlflow_tracking_token
        MlflowServer(tracking_uri=settings.mlflow_tracking_uri, token=token.get_secret_value() if token else None).save(
            mlflow_block, overwrite=True
        )
        saved.append(f"loraforge-mlflow-server/{mlflow_block}")
    return saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpu-pool-type", choices=["process", "docker", "kubernetes"], default="process")
    parser.add_argument("--gpus", type=int, default=1, help="GPUs behind the GPU pool: trainings at a time")
    parser.add_argument("--store-block", default="minio")
    parser.add_argument("--mlflow-block", default="mlflow")
    args = parser.parse_args(argv)

    ensure_pool(CPU_POOL, "process", "CPU workers: data-prep (ingest, PII scan, dedup, dataset build).")
    ensure_pool(GPU_POOL, args.gpu_pool_type, "GPU workers: QLoRA fine-tune and evaluation.", concurrency=args.gpus)
    with get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag=GPU_TAG, concurrency_limit=args.gpus)
    saved = save_blocks(Settings(), args.store_block, args.mlflow_block)
    print(f"pools: {CPU_POOL} (process), {GPU_POOL} ({args.gpu_pool_type}, {args.gpus} at a time)")
    print(f"tag concurrency limit: {GPU_TAG}={args.gpus}")
    print("blocks: " + (", ".join(saved) or "none (embedded defaults)"))


if __name__ == "__main__":
    main()
