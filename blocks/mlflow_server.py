"""``loraforge-mlflow-server`` block: the MLflow tracking server and registry runs report to."""

from __future__ import annotations

import os

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class MlflowServer(Block):
    """An MLflow tracking server (runs, metrics, registered adapter versions)."""

    _block_type_name = "loraforge mlflow server"
    _block_type_slug = "loraforge-mlflow-server"
    _description = "MLflow tracking server and model registry used by fine-tune runs."

    tracking_uri: str = Field(description="Tracking URI, e.g. http://mlflow:5000")
    token: SecretStr | None = Field(default=None, description="Bearer token, when the server requires one.")

    def activate(self) -> str:
        """Make MLflow clients of this process authenticate to the server; returns the tracking URI.

        MLflow reads the token from ``MLFLOW_TRACKING_TOKEN`` (there is no client argument for it).
        """
        if self.token is not None:
            os.environ["MLFLOW_TRACKING_TOKEN"] = self.token.get_secret_value()
        return self.tracking_uri
