"""The earlier runs' survivors a dedup run meets: the in-memory ``NearDupIndex`` and what a run asks of any index.

A run never needs the whole index, only the entries that share an exact text or an LSH band hash with
its own documents (``rows_sharing``, then ``rows``); ``EarlierEntries`` is that question, answered by
a ``NearDupIndex`` in memory or by the bucket files of an ``IndexStore`` (``loraforge.dedup.store``).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from loraforge.dedup.minhash import _U64, SIGNATURE_SCHEME, DedupConfig, band_hashes
from loraforge.records import Document
from loraforge.storage import ArtifactStore


class EarlierEntries(Protocol):
    """The earlier runs' survivors as a dedup run asks for them: by position, never all at once."""

    @property
    def config(self) -> DedupConfig: ...

    def for_config(self, config: DedupConfig) -> EarlierEntries:
        """These entries banded for ``config`` (same signatures; another num_perm/seed/shingle_size is refused)."""
        ...

    def rows_sharing(self, exact: np.ndarray | None = None, bands: np.ndarray | None = None) -> np.ndarray:
        """Sorted positions of the entries with one of the ``exact`` digests or sharing a band hash."""
        ...

    def rows(self, keep: np.ndarray) -> NearDupIndex:
        """The entries at the sorted positions ``keep`` (from ``rows_sharing``), in that order."""
        ...

    def new_entries(
        self, docs: Sequence[Document], exact: np.ndarray, lengths: np.ndarray, sigs: np.ndarray
    ) -> NearDupIndex:
        """An index of those ``docs`` whose id is not among these entries (the first of repeated ids)."""
        ...


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
