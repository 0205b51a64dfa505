"""Leak-free, rerun-stable train/validation/test split.

Examples are split by *group*, never one by one: all chunks of one document, all turns of one
conversation and every member of a near-duplicate cluster share a group, so nothing the model trains
on reappears, nearly verbatim, in the held-out splits. A group's side is a pure function of its key
(hash -> [0, 1)), so reruns and a growing corpus never move an existing group to another side.
"""

from __future__ import annotations

from collections.abc import Sequence

from loraforge.records import Example, sha256_hex

SPLITS = ("train", "validation", "test")


def _unit(key: str, salt: str) -> float:
    return int(sha256_hex(f"{salt}\x1f{key}")[:15], 16) / float(1 << 60)


def assign_splits(examples: Sequence[Example], ratios: tuple[float, float, float], salt: str) -> None:
    """Set ``example.split`` for every example, by group.

    When there are at least three groups, validation and test are never left empty: the train groups
    nearest the boundary move over. That keeps tiny corpora evaluable without touching larger ones.
    """
    if abs(sum(ratios) - 1.0) > 1e-6:
        raise ValueError(f"split ratios must sum to 1, got {ratios}")
    groups = sorted({ex.group or ex.id for ex in examples})
    position = {g: _unit(g, salt) for g in groups}
    cut_train, cut_val = ratios[0], ratios[0] + ratios[1]
    side = {g: "train" if u < cut_train else "validation" if u < cut_val else "test" for g, u in position.items()}
    if len(groups) >= 3:
        for name, ratio in (("test", ratios[2]), ("validation", ratios[1])):
            if ratio > 0 and name not in side.values():
                train_groups = sorted((g for g in groups if side[g] == "train"), key=lambda g: -position[g])
                if len(train_groups) > 1:
                    side[train_groups[0]] = name
    for ex in examples:
        ex.split = side[ex.group or ex.id]
