"""The deduplicator: LSH buckets, verified pairs, union-find, survivors, against earlier runs' entries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import cast

import numpy as np

from loraforge.dedup.entries import EarlierEntries, NearDupIndex
from loraforge.dedup.minhash import (
    DedupConfig,
    _buckets,
    _chunks,
    _normalized,
    _shingle_hashes,
    _tokenize,
    band_hashes,
    compute_signatures,
)
from loraforge.dedup.store import IndexStore, StoredIndex
from loraforge.records import Document


@dataclass(slots=True)
class DuplicateOf:
    """A removed document and the survivor it duplicates (ids and sources only, never text)."""

    doc_id: str
    source: str
    kind: str  # "exact" (same normalised text) or "near"
    survivor_id: str
    similarity: float  # Jaccard with the survivor, 1.0 if exact; below threshold only via a chain

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(slots=True)
class DedupResult:
    kept: list[Document]  # input order
    removed: list[DuplicateOf]
    clusters: list[list[str]]  # distinct ids, survivor first, the rest sorted; earlier runs' members too
    added: NearDupIndex  # this run's survivors not already in the index: the part a run persists
    earlier: EarlierEntries  # the index the run was given (in memory, or the parts of an IndexStore)

    @property
    def index(self) -> NearDupIndex:
        """The input index plus this run's survivors, in memory."""
        earlier = self.earlier.load() if isinstance(self.earlier, StoredIndex) else self.earlier
        return NearDupIndex.concat(self.added.config, [cast(NearDupIndex, earlier), self.added])


class _ShingleSets:
    """Sorted unique shingle hashes of this run's texts, tokenised in batches and only when asked."""

    def __init__(self, texts: Sequence[str], shingle_size: int) -> None:
        self.texts, self.shingle_size, self.sets = texts, shingle_size, {}

    def prefetch(self, nodes: set[int]) -> None:
        need = sorted(i for i in nodes if i < len(self.texts) and i not in self.sets)
        for sl in _chunks(need_texts := [self.texts[i] for i in need]):
            flat, offsets = _shingle_hashes(_tokenize(need_texts[sl]), self.shingle_size)
            for k, i in enumerate(need[sl]):
                self.sets[i] = np.unique(flat[offsets[k] : offsets[k + 1]])

    def jaccard(self, a: int, b: int) -> float:
        sa, sb = self.sets[a], self.sets[b]
        inter = len(np.intersect1d(sa, sb, assume_unique=True))
        return inter / max(len(sa) + len(sb) - inter, 1)


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = x = self.parent[self.parent[x]]  # path halving
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


class Deduplicator:
    """Exact then near-duplicate removal over one corpus, against an optional earlier-run index.

    Graph nodes 0..n-1 are this run's documents, n.. the earlier runs' survivors that can meet them.
    ``index`` is a ``NearDupIndex`` in memory or an ``IndexStore``, whose parts are read by bucket:
    the run gets the same result from either.
    """

    def __init__(self, config: DedupConfig | None = None, index: EarlierEntries | IndexStore | None = None) -> None:
        self.config = config or DedupConfig()
        self.index: EarlierEntries = (NearDupIndex.empty(self.config) if index is None else index).for_config(
            self.config
        )

    def signatures(self, docs: Sequence[Document]) -> np.ndarray:
        """Signatures of ``docs`` (see ``compute_signatures``), e.g. per shard before one global ``run``."""
        return compute_signatures([d.text for d in docs], self.config)

    def run(self, docs: Sequence[Document], signatures: np.ndarray | None = None) -> DedupResult:
        """Deduplicate ``docs``; pass ``signatures`` (aligned with docs) when computed elsewhere."""
        cfg, n = self.config, len(docs)
        texts = [d.text for d in docs]
        sigs = self.signatures(docs) if signatures is None else np.asarray(signatures, np.uint32)
        if sigs.shape != (n, cfg.num_perm):
            raise ValueError(f"signatures have shape {sigs.shape}, expected {(n, cfg.num_perm)}")
        norm = [s for sl in _chunks(texts) for s in _normalized(_tokenize(texts[sl]))]
        exact = np.frombuffer(b"".join(hashlib.sha256(s.encode()).digest() for s in norm), np.uint8).reshape(n, 32)
        digests, length = [e.tobytes() for e in exact], np.fromiter(map(len, norm), np.int64, n)
        # LSH runs over one document per distinct text (empty texts excluded), and an earlier run's
        # survivor with the same text stands for it.
        same_text = self.index.rows_sharing(exact=exact)
        known, first_now = {e.tobytes() for e in self.index.rows(same_text).exact}, {}
        for i, digest in enumerate(digests):
            first_now.setdefault(digest, i)
        reps = [i for i, d in enumerate(digests) if first_now[d] == i and d not in known and length[i] > 0]
        rep_bands = band_hashes(sigs[reps], cfg.bands, cfg.rows)
        # Only the earlier survivors this run can meet take part (same text, or a band hash shared with
        # a representative): the others cannot join a component that holds a document of this run.
        idx = self.index.rows(np.union1d(same_text, self.index.rows_sharing(bands=rep_bands)))
        digests += [e.tobytes() for e in idx.exact]
        lengths, all_sigs = np.concatenate([length, idx.lengths]), np.concatenate([sigs, idx.signatures])
        shingles = _ShingleSets(texts, cfg.shingle_size) if cfg.verify == "exact" else None

        def similarity(a: int, b: int) -> float:
            if shingles is not None and a < n and b < n:
                return shingles.jaccard(a, b)
            return float(np.mean(all_sigs[a] == all_sigs[b]))

        uf = _UnionFind(len(digests))
        # Stage 1, identical normalised text; index rows go first so that they are the representatives.
        first: dict[bytes, int] = {}
        for node in [*range(n, len(digests)), *range(n)]:
            uf.union(node, first.setdefault(digests[node], node))
        # Stage 2, LSH buckets of the representatives and those earlier survivors, verified pairs.
        nodes = np.concatenate([np.array(reps, np.int64), np.arange(n, len(digests))])
        groups = _buckets(nodes, np.concatenate([rep_bands, idx.bands]), n)
        if shingles is not None:
            shingles.prefetch({m for group in groups for m in group})
        self._link_verified(groups, uf, n, lambda a, b: similarity(a, b) >= cfg.threshold)

        ids = [d.id for d in docs] + idx.ids
        kept, dropped, clusters = self._survivors(docs, idx, ids, lengths, uf)
        if shingles is not None:
            shingles.prefetch({x for pair in dropped for x in pair})
        removed = []
        for m, best in dropped:
            is_exact = digests[m] == digests[best]
            sim = 1.0 if is_exact else round(similarity(m, best), 4)
            removed.append(DuplicateOf(ids[m], docs[m].source, "exact" if is_exact else "near", ids[best], sim))
        removed.sort(key=lambda r: (r.survivor_id, r.doc_id, r.source))
        # Against a store only the parts' id files are searched for these ids, not every entry.
        added = self.index.new_entries([docs[i] for i in kept], exact[kept], length[kept], sigs[kept])
        return DedupResult([docs[i] for i in kept], removed, clusters, added, self.index)

    @staticmethod
    def _link_verified(groups: list[list[int]], uf: _UnionFind, n: int, similar: Callable[[int, int], bool]) -> None:
        """Union the verified pairs of every LSH bucket."""
        rejected: set[tuple[int, int]] = set()  # a dissimilar pair may share several bands

        def verified(a: int, m: int) -> bool:
            if (a >= n and m >= n) or (a, m) in rejected:  # earlier runs' survivors stay as they are
                return False
            if similar(a, m):
                return True
            rejected.add((a, m))
            return False

        for group in groups:
            # A member is tested against each component met so far in the bucket until one member
            # verifies: the components of verifying every pair (so input order cannot change them),
            # but a bucket of k templated near-copies costs O(k) comparisons instead of O(k**2).
            met: list[list[int]] = []
            for a in group:
                for members in met:
                    if uf.find(members[0]) != uf.find(a) and any(verified(a, m) for m in members):
                        uf.union(a, members[0])
                if home := next((members for members in met if uf.find(members[0]) == uf.find(a)), None):
                    home.append(a)
                else:
                    met.append([a])

    @staticmethod
    def _survivors(
        docs: Sequence[Document], idx: NearDupIndex, ids: list[str], lengths: np.ndarray, uf: _UnionFind
    ) -> tuple[list[int], list[tuple[int, int]], list[list[str]]]:
        """Kept nodes (input order), (removed, survivor) node pairs, and the clusters' ids.

        ``idx`` holds the earlier survivors that take part; a document met again (same id, so same
        text) is among them."""
        n, earlier = len(docs), set(zip(idx.ids, idx.sources, strict=True))
        sources = [d.source for d in docs] + idx.sources
        components: dict[int, list[int]] = {}
        for node in range(len(ids)):
            components.setdefault(uf.find(node), []).append(node)
        kept, dropped, clusters = [], [], []
        for group in components.values():
            if not (current := [m for m in group if m < n]):
                continue
            # An earlier run's document wins (a dataset already holds it), then the longest text, then
            # the smallest id and source: a key over content alone, so input order cannot change it.
            # The same file met again (a rerun) is that earlier document and stays; a copy elsewhere
            # has the same id but another source and goes.
            best = min(
                group, key=lambda m: ((ids[m], sources[m]) not in earlier, -lengths[m], ids[m], m >= n, sources[m])
            )
            stays = [best] if best < n else []
            kept += stays
            dropped += [(m, best) for m in current if m not in stays]
            if len(current) > len(stays):
                clusters.append([ids[best], *sorted({ids[m] for m in group} - {ids[best]})])
        return sorted(kept), dropped, sorted(clusters)
