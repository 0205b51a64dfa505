"""The flows' form of ``loraforge.target.Target``: the same fields, with the two blocks typed as blocks.

A block-typed parameter is what makes the Prefect UI show a picker of the saved blocks (and a
"create" button) instead of a free-text name. The UI sends a reference (``{"$ref": ...}``), which
Prefect resolves to the block before the flow starts; Python callers, the CLI and ``prefect.yaml``
may name the block instead, which loads it here. Tasks still receive only the block's *name*
(``library()``): credentials never travel in task parameters or cache keys.
"""

from __future__ import annotations

from typing import Any

from prefect.blocks.core import Block
from pydantic import Field, field_validator, model_validator

from blocks import MlflowServer, ObjectStore
from loraforge.target import Target


class FlowTarget(Target):
    """Tenant/project scope plus where artifacts and tracking go (blocks win over plain URIs)."""

    store_block: ObjectStore | None = Field(  # type: ignore[assignment]
        None, description="A saved loraforge object store (MinIO/S3 bucket); wins over store."
    )
    mlflow_block: MlflowServer | None = Field(  # type: ignore[assignment]
        None, description="A saved loraforge MLflow server; wins over the tracking URI."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_library_target(cls, data: Any) -> Any:
        """A library ``Target`` (blocks by name, e.g. from the CLI) becomes its flow form."""
        if isinstance(data, Target) and not isinstance(data, FlowTarget):
            return data.model_dump()
        return data

    @field_validator("store_block", "mlflow_block", mode="before")
    @classmethod
    def _load_by_name(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, str):
            return value
        block_type = ObjectStore if info.field_name == "store_block" else MlflowServer
        try:
            return block_type.load(value)
        except ValueError:
            raise ValueError(
                f"no {block_type.get_block_type_slug()} block named {value!r}: save one in the Prefect UI "
                "(Blocks) or with `python -m deployments.setup` (it saves the blocks the LORAFORGE_S3_* and "
                "MLFLOW_TRACKING_URI settings describe)"
            ) from None

    def library(self) -> Target:
        """The library's ``Target``: the same run, its blocks by name."""
        return Target(
            **self.model_dump(exclude={"store_block", "mlflow_block"}),
            store_block=_saved_name(self.store_block),
            mlflow_block=_saved_name(self.mlflow_block),
        )

    def as_parameter(self) -> dict[str, Any]:
        """This target as another deployment's run parameter: blocks as references, never their contents."""
        return self.model_dump(mode="json", context={"serialize_blocks_as_references": True})


def _saved_name(block: Block | None) -> str | None:
    if block is None:
        return None
    if not block._block_document_name or block._is_anonymous:
        raise ValueError(
            f"a {block.get_block_type_slug()} block given to a flow must be saved first (block.save('name')): tasks "
            "load it by name, so its credentials never travel in task parameters"
        )
    return block._block_document_name
