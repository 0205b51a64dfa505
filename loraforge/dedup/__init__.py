"""Deduplication: exact (sha256 of normalised text), then near-duplicate (MinHash + LSH, verified).

``minhash`` turns texts into signatures (pure; the PII shard tasks compute them in parallel);
``entries`` holds the in-memory ``NearDupIndex``, ``store`` the persisted ``IndexStore`` (append-only parts
read by LSH bucket, their files in ``buckets``), ``index`` the ``Deduplicator`` that clusters and picks survivors.
"""

from loraforge.dedup.entries import EarlierEntries, NearDupIndex
from loraforge.dedup.index import Deduplicator, DedupResult, DuplicateOf
from loraforge.dedup.minhash import (
    DedupAdvanced,
    DedupConfig,
    band_hashes,
    compute_signatures,
    normalize,
    optimal_bands,
    signature_id,
)
from loraforge.dedup.store import IndexStore, StoredIndex

__all__ = [
    "DedupAdvanced",
    "DedupConfig",
    "DedupResult",
    "Deduplicator",
    "DuplicateOf",
    "EarlierEntries",
    "IndexStore",
    "NearDupIndex",
    "StoredIndex",
    "band_hashes",
    "compute_signatures",
    "normalize",
    "optimal_bands",
    "signature_id",
]
