"""Deduplication: exact (sha256 of normalised text), then near-duplicate (MinHash + LSH, verified).

``minhash`` turns texts into signatures (shard-parallel, pure); ``index`` holds the persisted
``NearDupIndex`` and the ``Deduplicator`` that clusters and picks survivors.
"""

from loraforge.dedup.index import Deduplicator, DedupResult, DuplicateOf, NearDupIndex
from loraforge.dedup.minhash import DedupConfig, band_hashes, compute_signatures, normalize, optimal_bands

__all__ = [
    "DedupConfig",
    "DedupResult",
    "Deduplicator",
    "DuplicateOf",
    "NearDupIndex",
    "band_hashes",
    "compute_signatures",
    "normalize",
    "optimal_bands",
]
