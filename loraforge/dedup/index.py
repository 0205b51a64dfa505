"""Near-duplicate index and the deduplicator: LSH buckets, verified pairs, union-find, survivors."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from loraforge.dedup.minhash import (
    _U64,
    SIGNATURE_SCHEME,
    DedupConfig,
    _buckets,
    _chunks,
    _normalized,
    _shingle_hashes,
    _tokenize,
    band_hashes,
    compute_signatures,
)
from loraforge.records import Document
from loraforge.storage import ArtifactStore


@dataclass(slots=True)
class NearDupIndex:
    """Survivors of earlier runs: id, source, sha256 of normalised text, length, signature, band hashes."""

    config: DedupConfig
    ids: list[str]
    sources: list[str]  # with the id, tells a rerun over the same file from a copy of it elsewhere
    exact: np.ndarray  # (n, 32) uint8 sha256 digests
    lengths: np.ndarray  # (n,) int64 normalised length, the survivor tie-break among earlier docs
    signatures: np.ndarray  # (n, num_perm) uint32
    bands: np.ndarray  # (n, bands) uint64

    @classmethod
    def empty(cls, config: DedupConfig) -> NearDupIndex:
        sigs, bands = np.empty((0, config.num_perm), np.uint32), np.empty((0, config.bands), _U64)
        return cls(config, [], [], np.empty((0, 32), np.uint8), np.empty(0, np.int64), sigs, bands)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, docs: Sequence[Document], exact: np.ndarray, lengths: np.ndarray, sigs: np.ndarray) -> NearDupIndex:
        """A new index with these documents appended; ids already present are skipped."""
        return NearDupIndex.concat(self.config, [self, self.new_entries(docs, exact, lengths, sigs)])

    def new_entries(
        self, docs: Sequence[Document], exact: np.ndarray, lengths: np.ndarray, sigs: np.ndarray
    ) -> NearDupIndex:
        """An index of those ``docs`` whose id is not in this one (the first of repeated ids)."""
        seen = set(self.ids)
        new = [i for i, d in enumerate(docs) if not (d.id in seen or seen.add(d.id))]
        bands = band_hashes(sigs[new], self.config.bands, self.config.rows)
        ids, sources = [docs[i].id for i in new], [docs[i].source for i in new]
        return NearDupIndex(self.config, ids, sources, exact[new], lengths[new], sigs[new], bands)

    def rows(self, keep: np.ndarray) -> NearDupIndex:
        """The entries at the row numbers ``keep``, in that order."""
        ids, sources = [self.ids[i] for i in keep], [self.sources[i] for i in keep]
        fields = (self.exact, self.lengths, self.signatures, self.bands)
        return NearDupIndex(self.config, ids, sources, *(f[keep] for f in fields))

    def rows_sharing(self, exact: np.ndarray | None = None, bands: np.ndarray | None = None) -> np.ndarray:
        """Sorted row numbers of the entries with one of the ``exact`` digests (n, 32), or sharing a band
        hash with a row of ``bands`` (m, bands) in the same band: vectorised, so a run against an index
        of millions touches only the entries that can meet its documents."""
        hit = np.zeros(len(self), bool)
        if exact is not None and len(exact) and len(self):
            # the first 8 bytes find the candidates, the whole digest confirms them
            head = np.ascontiguousarray(self.exact[:, :8]).view(np.uint64).ravel()
            wanted = np.ascontiguousarray(exact[:, :8]).view(np.uint64).ravel()
            digests = {e.tobytes() for e in exact}
            for row in np.flatnonzero(_member(head, wanted)):
                hit[row] = self.exact[row].tobytes() in digests
        if bands is not None and len(bands) and len(self):
            for b in range(self.bands.shape[1]):
                hit |= _member(self.bands[:, b], bands[:, b])
        return np.flatnonzero(hit)

    def for_config(self, config: DedupConfig) -> NearDupIndex:
        """This index under ``config``: the same signatures, band hashes redone for its banding."""
        old, new = self.config, config
        if (old.num_perm, old.seed, old.shingle_size) != (new.num_perm, new.seed, new.shingle_size):
            raise ValueError("the index was built with another num_perm/seed/shingle_size; rebuild it")
        same = (old.bands, old.rows) == (new.bands, new.rows) and self.bands.shape[1:] == (new.bands,)
        bands = self.bands if same else band_hashes(self.signatures, new.bands, new.rows)
        return NearDupIndex(config, self.ids, self.sources, self.exact, self.lengths, self.signatures, bands)

    def save(self, store: ArtifactStore, key: str) -> str:
        """One uncompressed ``.npz``: signatures are random bits, compression would gain nothing."""
        meta = json.dumps({"scheme": SIGNATURE_SCHEME, "config": self.config.model_dump()})
        buf = io.BytesIO()
        arrays = {"exact": self.exact, "lengths": self.lengths, "signatures": self.signatures, "bands": self.bands}
        names = {"ids": np.array(self.ids, dtype=str), "sources": np.array(self.sources, dtype=str)}
        np.savez(buf, meta=np.array(meta), **names, **arrays)
        return store.put_bytes(key, buf.getvalue())

    @classmethod
    def concat(cls, config: DedupConfig, parts: Sequence[NearDupIndex]) -> NearDupIndex:
        """One index of ``parts`` (each rebanded for ``config`` when needed), in the given order."""
        parts = [p.for_config(config) for p in parts] or [cls.empty(config)]
        if len(parts) == 1:
            return parts[0]
        fields = ("exact", "lengths", "signatures", "bands")
        arrays = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
        ids = [i for p in parts for i in p.ids]
        return cls(config, ids, [s for p in parts for s in p.sources], **arrays)

    def content_id(self) -> str:
        """A digest of the entries (ids, sources, texts' digests): the name of a persisted part."""
        h = hashlib.sha256()
        for doc_id, source, digest in zip(self.ids, self.sources, self.exact, strict=True):
            h.update(json.dumps([doc_id, source]).encode() + digest.tobytes())
        return h.hexdigest()[:32]

    @classmethod
    def load(cls, store: ArtifactStore, key: str) -> NearDupIndex:
        with np.load(io.BytesIO(store.get_bytes(key)), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta["scheme"] != SIGNATURE_SCHEME:
                raise ValueError(f"index {key!r} has {meta['scheme']} signatures, not {SIGNATURE_SCHEME}; rebuild it")
            ids, sources = z["ids"].tolist(), z["sources"].tolist()  # plain str, in C
            config = DedupConfig(**meta["config"])
            return cls(config, ids, sources, z["exact"], z["lengths"], z["signatures"], z["bands"])


def _member(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``np.isin(values, wanted)`` for a few ``wanted`` among many ``values``: a binary search of the
    small sorted side instead of sorting the large one."""
    wanted = np.sort(wanted)
    at = np.minimum(np.searchsorted(wanted, values), len(wanted) - 1)
    return wanted[at] == values


class IndexStore:
    """The persisted index of one ``tenant/project``: append-only parts, never rewritten.

    Each run writes the survivors it added as one part, ``<folder>/index/<content id>.npz``; loading
    reads every part (and the single ``<folder>/index.npz`` of earlier releases, when present). Two
    concurrent runs each write their own part, so neither loses the other's survivors. A document of
    one run that duplicates a document the other run kept at the same time is not seen as a
    duplicate: both survive, both parts hold them, and every later run sees both (and keeps both,
    as they are already in datasets).
    """

    def __init__(self, store: ArtifactStore, folder: str) -> None:
        self.store, self.folder = store, folder.rstrip("/")
        self.legacy_key, self.parts_dir = f"{self.folder}/index.npz", f"{self.folder}/index"

    def part_keys(self) -> list[str]:
        """The parts' keys, the legacy single index first; a part being written (``.tmp``) is skipped."""
        parts = [
            k for k in self.store.list(self.parts_dir) if k.startswith(self.parts_dir + "/") and k.endswith(".npz")
        ]
        return ([self.legacy_key] if self.store.exists(self.legacy_key) else []) + sorted(parts)

    def load(self, config: DedupConfig) -> NearDupIndex:
        """Every part as one index under ``config`` (empty when nothing was persisted yet)."""
        return NearDupIndex.concat(config, [NearDupIndex.load(self.store, k) for k in self.part_keys()])

    def append(self, part: NearDupIndex) -> str | None:
        """Persist ``part`` as a new part under its content id; nothing for an empty part."""
        if not len(part):
            return None
        key = f"{self.parts_dir}/{part.content_id()}.npz"
        if not self.store.exists(key):  # the same survivors again: the part is already there
            part.save(self.store, key)
        return key


# ---------------------------------------------------------------- dedup run


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
    earlier: NearDupIndex  # the index the run was given

    @property
    def index(self) -> NearDupIndex:
        """The input index plus this run's survivors."""
        return NearDupIndex.concat(self.added.config, [self.earlier, self.added])


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

    Graph nodes 0..n-1 are this run's documents, n.. the earlier runs' survivors held in the index.
    """

    def __init__(self, config: DedupConfig | None = None, index: NearDupIndex | None = None) -> None:
        self.config = config or DedupConfig()
        self.index = (index or NearDupIndex.empty(self.config)).for_config(self.config)

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
        known, first_now = {self.index.exact[r].tobytes() for r in same_text}, {}
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
