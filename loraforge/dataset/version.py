"""The one reader of a saved dataset version (what ``save_dataset`` writes): card, splits, system prompt.

    version = DatasetVersion.fetch(store, "acme/advisory/datasets/ds-…", Path("/tmp/ds"))
    version.card["counts"], version.system_prompt, version.splits()["train"], version.held_out()

Training, evaluation and packaging all read a dataset through this class, so the on-disk layout
(``hf/`` DatasetDict, ``<split>.jsonl``, ``card.json``) is known in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loraforge.dataset.split import SPLITS

if TYPE_CHECKING:
    from datasets import DatasetDict

    from loraforge.storage import ArtifactStore


class DatasetVersion:
    """A dataset version in a local folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"DatasetVersion({str(self.path)!r})"

    @classmethod
    def fetch(cls, store: ArtifactStore, key: str, local: Path) -> DatasetVersion:
        """The version stored under ``key``, copied to ``local`` once (a later call reuses the copy)."""
        if not (Path(local) / "card.json").exists():
            if not store.exists(key + "/card.json"):
                raise FileNotFoundError(f"no dataset at {store.uri(key)}")
            store.get_dir(key, Path(local))
        return cls(local)

    @cached_property
    def card(self) -> dict[str, Any]:
        """``card.json``: version, counts, drop reasons, upstream counts, system prompt ({} when absent)."""
        path = self.path / "card.json"
        return json.loads(path.read_text()) if path.exists() else {}

    @cached_property
    def system_prompt(self) -> str | None:
        """The system prompt the examples were built with: from the card, else the first system turn."""
        if self.card.get("system_prompt"):
            return self.card["system_prompt"]
        for split in SPLITS:
            for row in self.jsonl(split):
                first = row["messages"][0]
                if first["role"] == "system":
                    return first["content"]
        return None

    @cached_property
    def refusal_answer(self) -> str | None:
        """The answer the dataset's refusal examples teach (None when it has none)."""
        for split in SPLITS:
            for row in self.jsonl(split):
                if row.get("kind") == "refusal":
                    return row["messages"][-1]["content"]
        return None

    def splits(self) -> DatasetDict:
        """The ``hf/`` DatasetDict, in memory (TRL's map() caches then never write into the dataset folder)."""
        from datasets import load_from_disk

        return load_from_disk(str(self.path / "hf"), keep_in_memory=True)

    def split(self, name: str) -> list[dict[str, Any]]:
        """Rows of one split of ``hf/`` ([] when the split is empty or absent)."""
        # Split by split, not DatasetDict.load_from_disk: datasets 5.2 saves an empty split with no data
        # file and then fails to load the whole dict (IndexError in concat_tables).
        from datasets import Dataset

        hf = self.path / "hf" if (self.path / "hf").exists() else self.path
        state = hf / name / "state.json"
        if not state.exists() or not json.loads(state.read_text()).get("_data_files"):
            return []
        return Dataset.load_from_disk(str(hf / name)).to_list()

    def held_out(self) -> tuple[str, list[dict[str, Any]]]:
        """The test split (validation when test is empty), sorted by id: what evaluation scores."""
        for split in ("test", "validation"):
            rows = self.split(split)
            if rows:
                return split, sorted(rows, key=lambda r: r["id"])
        raise ValueError(f"{self.path}: no held-out examples (test and validation splits are empty)")

    def jsonl(self, split: str) -> Iterator[dict[str, Any]]:
        """Rows of ``<split>.jsonl`` (nothing when the file is absent)."""
        path = self.path / f"{split}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
            yield json.loads(line)

    def texts(self) -> Iterator[str]:
        """Every message of the train split, read only when iterated (the tiny base model's corpus)."""
        for row in self.splits()["train"]["messages"]:
            for message in row:
                yield message["content"]

    def example_prompts(self, n: int = 5) -> list[str]:
        """Up to ``n`` distinct last user turns, held-out splits first: prompts the adapter should answer."""
        prompts: list[str] = []
        for split in ("test", "validation", "train"):
            for row in self.jsonl(split):
                user = [m["content"] for m in row["messages"] if m["role"] == "user"]
                if user and user[-1] not in prompts:
                    prompts.append(user[-1])
            if len(prompts) >= n:
                break
        return prompts[:n]
