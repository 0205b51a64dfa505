"""Where a run lives: its tenant/project scope, the artifact store and the MLflow tracking server.

One ``Target`` travels with every flow (a nested form in the Prefect UI) and every library entry point,
so tenant, project, store and tracking are declared once and cannot be dropped between layers.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_slug(value: str) -> str:
    """``value`` when it is a valid tenant or project name (it becomes a store key part and an MLflow name)."""
    if not _SLUG.match(value):
        raise ValueError("must be lowercase letters, digits and '-' (max 63), starting alphanumeric")
    return value


class Target(BaseModel):
    """Tenant/project scope plus where artifacts and tracking go (blocks win over plain URIs)."""

    model_config = ConfigDict(extra="forbid")

    tenant: str = Field("default", description="Tenant: the first part of every store key, experiment and model.")
    project: str = Field("default", description="Project of the tenant.")
    store: str | None = Field(None, description="Artifact store: a folder or s3:// URI (default .loraforge/artifacts).")
    store_block: str | None = Field(None, description="Name of a loraforge-object-store block (wins over store).")
    tracking_uri: str | None = Field(
        None, description="MLflow tracking URI (default MLFLOW_TRACKING_URI, else .loraforge/mlflow.db)."
    )
    mlflow_block: str | None = Field(None, description="Name of a loraforge-mlflow-server block (wins over the URI).")

    _slug = field_validator("tenant", "project")(classmethod(lambda cls, value: check_slug(value)))

    @property
    def prefix(self) -> str:
        """Every key a run of this target writes lives under ``tenant/project/``."""
        return f"{self.tenant}/{self.project}"
