"""The environment, read once where a run starts (the CLI, a flow run, ``open_store``), never at import.

LORAFORGE_HOME          .loraforge: artifacts/ (default store), work/ (scratch), models/, mlflow.db
LORAFORGE_SCRATCH       local scratch of fine-tune runs (default $LORAFORGE_HOME/work)
LORAFORGE_MODEL_CACHE   built tiny base models (default $LORAFORGE_HOME/models)
LORAFORGE_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _SECURE, _REGION, _BUCKET   an s3:// store or input
LORAFORGE_S3_PUBLIC_ENDPOINT   host:port (or http(s)://host:port) people reach the S3 server at: download
                        links are presigned for it (default: LORAFORGE_S3_ENDPOINT, e.g. minio:9000 in compose)
MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN    the MLflow server (default: SQLite under LORAFORGE_HOME)
LORAFORGE_DASK_ADDRESS  scheduler address of an existing Dask cluster (tcp://host:8786) for the data-prep
                        shard tasks (default: a local cluster for a large input, threads for a small one)
LORAFORGE_MLFLOW_UI_URL the MLflow UI people open (links to runs); default: an http(s) tracking URI, else
                        no link (a local store is shown with the `mlflow ui` command that serves it)
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """loraforge's environment variables, validated (``Settings()`` reads them now)."""

    model_config = SettingsConfigDict(env_prefix="LORAFORGE_", extra="ignore")

    home: Path = Path(".loraforge")
    scratch: Path | None = None
    model_cache: Path | None = None
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_region: str | None = None
    s3_bucket: str = "loraforge"
    s3_public_endpoint: str = ""
    mlflow_ui_url: str = ""
    dask_address: str = ""
    mlflow_tracking_uri: str | None = Field(None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI"))
    mlflow_tracking_token: SecretStr | None = Field(None, validation_alias=AliasChoices("MLFLOW_TRACKING_TOKEN"))

    @field_validator("s3_secure", mode="before")
    @classmethod
    def _true_or_false(cls, value: object) -> object:
        text = str(value).strip().lower()
        if isinstance(value, str) and text not in ("true", "false", ""):
            raise ValueError(f"LORAFORGE_S3_SECURE must be 'true' or 'false', not {value!r}")
        return text == "true" if isinstance(value, str) else value

    @field_validator("s3_public_endpoint")
    @classmethod
    def _host_port(cls, value: str) -> str:
        parts = urlsplit(value if "://" in value else f"//{value}")
        if value and (parts.scheme not in ("", "http", "https") or not parts.netloc or parts.path.strip("/")):
            raise ValueError(f"LORAFORGE_S3_PUBLIC_ENDPOINT must be host:port or http(s)://host:port, not {value!r}")
        return value

    @field_validator("mlflow_ui_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError(f"LORAFORGE_MLFLOW_UI_URL must be an http(s) URL, not {value!r}")
        return value

    @property
    def artifacts_root(self) -> Path:
        """The default artifact store: a folder."""
        return (self.home / "artifacts").resolve()

    @property
    def scratch_root(self) -> Path:
        return (self.scratch or self.home / "work").resolve()

    @property
    def model_cache_root(self) -> Path:
        # absolute: the base model path is recorded in the bundle and the registry, and read from other cwds
        return (self.model_cache or self.home / "models").resolve()

    def s3_required(self) -> tuple[str, str, str]:
        """Endpoint, access key and secret of an ``s3://`` store or input; a clear error when one is unset."""
        values = {"ENDPOINT": self.s3_endpoint, "ACCESS_KEY": self.s3_access_key}
        values["SECRET_KEY"] = self.s3_secret_key.get_secret_value()
        for name, value in values.items():
            if not value:
                raise ValueError(f"an s3:// store needs the environment variable LORAFORGE_S3_{name}")
        return values["ENDPOINT"], values["ACCESS_KEY"], values["SECRET_KEY"]
