"""One configuration for a whole run, read from YAML plus dotted overrides (the CLI's input).

    source: examples/docs
    target: {tenant: acme, project: advisory}
    data_prep: {pii: {policy: drop}}
    fine_tune: {base_model: tiny, training: {max_steps: 200}}

``loraforge pipeline run.yaml data_prep.pii.policy=drop fine_tune.training.learning_rate=1e-4`` reads
the file (every section optional), applies the overrides and validates the result into the same
models the Prefect flows take as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field

from loraforge.finetune.manifests import FineTuneConfig
from loraforge.prep.manifests import DataPrepConfig
from loraforge.target import Target

M = TypeVar("M", bound=BaseModel)


class RunConfig(BaseModel):
    """Everything a pipeline run needs: inputs, where it runs, and both halves' settings."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field("examples/docs", description="Input documents: a folder or s3://bucket/prefix/.")
    target: Target = Field(default_factory=Target)
    data_prep: DataPrepConfig = Field(default_factory=DataPrepConfig)
    fine_tune: FineTuneConfig = Field(default_factory=FineTuneConfig)


def parse_value(text: str) -> Any:
    """A YAML scalar/flow value (``8``, ``true``, ``[a, b]``, ``{k: v}``); ``1e-4`` is a float too."""
    value = yaml.safe_load(text) if text.strip() else ""
    if isinstance(value, str):
        try:
            return float(value)  # YAML 1.1 reads "1e-4" (no dot) as a string
        except ValueError:
            return value
    return value


def apply_overrides(data: Mapping[str, Any], overrides: Iterable[str | tuple[str, Any]]) -> dict[str, Any]:
    """``data`` with each ``a.b.c=value`` (or ``("a.b.c", value)``) set, creating nested mappings as needed.

    A mapping value merges into a mapping already there (``("sft", {"max_steps": 8})`` keeps the other
    ``sft`` settings), and its own keys may be dotted too."""
    out = _copy(data)
    for item in overrides:
        if isinstance(item, str):
            key, sep, text = item.partition("=")
            if not sep or not key:
                raise ValueError(f"an override is key.path=value, got {item!r}")
            value = parse_value(text)
        else:
            key, value = item
        node = out
        *parents, leaf = key.strip().split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if isinstance(value, Mapping) and isinstance(node.get(leaf), dict):  # a mapping merges into a mapping
            value = apply_overrides(node[leaf], value.items())
        node[leaf] = _copy(value) if isinstance(value, Mapping) else value
    return out


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def load_config(model: type[M], path: str | Path | None = None, overrides: Iterable[str] = ()) -> M:
    """``model`` validated from the YAML at ``path`` (none: all defaults) with dotted ``overrides`` applied."""
    data: Any = {}
    if path is not None:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a YAML mapping of {model.__name__} fields")
    return model.model_validate(apply_overrides(data, overrides))
