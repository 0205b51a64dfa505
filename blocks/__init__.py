"""Prefect blocks of loraforge. Register the types with ``prefect block register -m blocks``."""

from blocks.mlflow_server import MlflowServer
from blocks.object_store import ObjectStore

__all__ = ["MlflowServer", "ObjectStore"]
