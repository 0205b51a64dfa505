"""Deduplication: exact (sha256 of normalised text), then near-duplicate (MinHash + LSH, verified).

``minhash`` turns texts into signatures (pure; the PII shard tasks compute them in parallel);
``index`` holds the persisted ``NearDupIndex`` and the ``Deduplicator`` that clusters and picks survivors.
"""

from loraforge.dedup.index import Deduplicator, DedupResult, DuplicateOf, IndexStore, NearDupIndex
from loraforge.dedup.minhash import (
    DedupAdvanced,
    DedupConfig,
    band_hashes,
    compute_signatures,
    normalize,
    optimal_bands,
    signature_id,
)

__all__ = [
    "DedupAdvanced",
    "DedupConfig",
    "DedupResult",
    "Deduplicator",
    "DuplicateOf",
    "IndexStore",
    "NearDupIndex",
    "band_hashes",
    "compute_signatures",
    "normalize",
    "optimal_bands",
    "signature_id",
]
