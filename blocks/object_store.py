"""``loraforge-object-store`` block: a MinIO/S3 bucket (optionally a prefix of it) for artifacts."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from loraforge.storage import S3Store


class ObjectStore(Block):
    """Where shards, checkpoints, datasets and bundles of one tenant live.

    Give each tenant its own block with credentials that can only reach its own prefix of the
    bucket: a run for one tenant then cannot read or overwrite another's artifacts.
    """

    _block_type_name = "loraforge object store"
    _block_type_slug = "loraforge-object-store"
    _description = "MinIO or any S3-compatible bucket holding loraforge artifacts."

    endpoint: str = Field(description="host:port of the S3 API, e.g. minio:9000")
    bucket: str = Field(default="loraforge", description="Bucket holding the artifacts.")
    access_key: str = Field(description="Access key id.")
    secret_key: SecretStr = Field(description="Secret access key.")
    secure: bool = Field(default=False, description="Use TLS (https) to reach the endpoint.")
    region: str | None = Field(default=None, description="Region, when the server requires one.")
    prefix: str = Field(default="", description="Optional key prefix inside the bucket.")
    public_endpoint: str = Field(
        default="",
        description="host:port (or http(s)://host:port) where people reach the S3 API, when it differs from "
        "`endpoint` (e.g. localhost:9000 for minio:9000): download links are presigned for it.",
    )

    def open(self) -> S3Store:
        """The artifact store this block describes."""
        return S3Store(
            self.endpoint,
            self.bucket,
            self.access_key,
            self.secret_key.get_secret_value(),
            secure=self.secure,
            region=self.region,
            prefix=self.prefix,
            public_endpoint=self.public_endpoint,
        )
