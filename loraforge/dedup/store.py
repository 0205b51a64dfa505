"""The persisted near-dup index of one ``tenant/project``: append-only parts, read by bucket, never whole.

Layout under ``<folder>`` (``<prefix>/prep/dedup``), after datatrove's multi-stage MinHash (keys sorted
per bucket, then matched per bucket):

    index/<content id>.json                part manifest, written last: readers list these only
    index-data/<content id>/keys/exact.npy   (2, n) uint64: sorted first 8 bytes of the text digests, row
    index-data/<content id>/keys/id.npy      the same for a hash of the document ids
    index-data/<content id>/keys/band-NN.npy the same for the hashes of LSH band NN
    index-data/<content id>/blocks/NNNNN.npz rows [NNNNN*B, (NNNNN+1)*B): ids, sources, digests, lengths, signatures

A run reads one key file at a time and binary-searches its own few keys in it, then reads only the
blocks that hold a matched row and keeps only those rows: memory is one key file (16 bytes per entry
of one part) plus the matched rows, not the index. Parts of earlier releases (``index/<id>.npz`` and
the single ``index.npz``) are still read, whole, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from loraforge.dedup.buckets import (
    Entry,
    block_bytes,
    block_entries,
    block_index,
    block_signatures,
    digest_keys,
    from_npy,
    id_keys,
    lookup,
    npy_bytes,
    sorted_table,
)
from loraforge.dedup.entries import NearDupIndex, _member
from loraforge.dedup.minhash import SIGNATURE_SCHEME, DedupConfig, band_hashes
from loraforge.records import Document
from loraforge.storage import ArtifactStore, LocalStore, read_json, write_json

LAYOUT = "bucketed-v1"
BLOCK_ROWS = 4096  # ~2.3 MiB per block at 128 permutations: a matched row costs one such read
# Key files or blocks read at once from an object store, where each read waits a round trip; a local
# disk answers at once and threads only add GIL contention there (measured: 0.85 s -> 1.4 s), so 1.
REMOTE_READERS = 8
_T, _R = TypeVar("_T"), TypeVar("_R")
_ROW_BITS = 32  # a position is (part number << 32) | row: sorted positions follow the parts' order


@dataclass(slots=True)
class _Part:
    key: str  # the manifest (bucketed) or the .npz (an earlier release's layout)
    data: str = ""  # folder of the bucket and block files
    rows: int = 0
    block_rows: int = BLOCK_ROWS
    same_bands: bool = True  # the part's band files fit the run's banding
    whole: NearDupIndex | None = None  # an earlier release's part, loaded whole when first asked


class IndexStore:
    """The persisted index of one ``tenant/project``: append-only parts, never rewritten.

    Each run writes the survivors it added as one part (its bucket and block files first, its manifest
    last, so a part being written is never read). A run reads, per part, only the key files and the
    blocks holding entries it can match (``for_config`` gives that view). Two concurrent runs each write
    their own part, so neither loses the other's survivors. A document of one run that duplicates a
    document the other run kept at the same time is not seen as a duplicate: both survive, both parts
    hold them, and every later run sees both (and keeps both, as they are already in datasets).
    """

    def __init__(
        self, store: ArtifactStore, folder: str, block_rows: int = BLOCK_ROWS, readers: int | None = None
    ) -> None:
        self.store, self.folder, self.block_rows = store, folder.rstrip("/"), block_rows
        self.readers = readers or (1 if isinstance(store, LocalStore) else REMOTE_READERS)
        self.legacy_key, self.parts_dir = f"{self.folder}/index.npz", f"{self.folder}/index"
        self.data_dir = f"{self.folder}/index-data"

    def part_keys(self) -> list[str]:
        """The parts' keys (manifests, and ``.npz`` parts of earlier releases), the legacy single index
        first; files still being written (no manifest yet, ``.tmp``) are skipped."""
        depth = self.parts_dir.count("/") + 1
        parts = [
            k
            for k in self.store.list(self.parts_dir)
            if k.startswith(self.parts_dir + "/") and k.count("/") == depth and k.endswith((".npz", ".json"))
        ]
        return ([self.legacy_key] if self.store.exists(self.legacy_key) else []) + sorted(parts)

    def for_config(self, config: DedupConfig) -> StoredIndex:
        """The parts present now, as a run under ``config`` reads them (see ``StoredIndex``)."""
        return StoredIndex(self, config, [self._part(k, config) for k in self.part_keys()])

    def load(self, config: DedupConfig) -> NearDupIndex:
        """Every part as one index under ``config``, in memory (what a run avoids; for tools and tests)."""
        return self.for_config(config).load()

    def append(self, part: NearDupIndex) -> str | None:
        """Persist ``part`` as a new part under its content id (its manifest's key); nothing for an empty part."""
        if not len(part):
            return None
        cid = part.content_id()
        key, data = f"{self.parts_dir}/{cid}.json", f"{self.data_dir}/{cid}"
        if self.store.exists(key):  # the same survivors again: the part is already there
            return key
        for block, start in enumerate(range(0, len(part), self.block_rows)):
            self.store.put_bytes(
                f"{data}/blocks/{block:05d}.npz", block_bytes(part, slice(start, start + self.block_rows))
            )
        self.store.put_bytes(f"{data}/keys/exact.npy", npy_bytes(sorted_table(digest_keys(part.exact))))
        self.store.put_bytes(f"{data}/keys/id.npy", npy_bytes(sorted_table(id_keys(part.ids))))
        for b in range(part.bands.shape[1]):
            self.store.put_bytes(f"{data}/keys/band-{b:02d}.npy", npy_bytes(sorted_table(part.bands[:, b])))
        manifest = {"layout": LAYOUT, "scheme": SIGNATURE_SCHEME, "config": part.config.model_dump()}
        write_json(self.store, key, manifest | {"rows": len(part), "block_rows": self.block_rows})
        return key

    def _part(self, key: str, config: DedupConfig) -> _Part:
        if key.endswith(".npz"):
            return _Part(key)
        manifest = read_json(self.store, key)
        if manifest.get("layout") != LAYOUT or manifest.get("scheme") != SIGNATURE_SCHEME:
            found = manifest.get("scheme"), manifest.get("layout")
            raise ValueError(f"index part {key!r} has {found}, not {(SIGNATURE_SCHEME, LAYOUT)}; rebuild it")
        old = DedupConfig(**manifest["config"])
        if (old.num_perm, old.seed, old.shingle_size) != (config.num_perm, config.seed, config.shingle_size):
            raise ValueError("the index was built with another num_perm/seed/shingle_size; rebuild it")
        same = (old.bands, old.rows) == (config.bands, config.rows)
        data = f"{self.data_dir}/{key.rsplit('/', 1)[1].removesuffix('.json')}"  # beside it, so a prefix can move
        return _Part(key, data, manifest["rows"], manifest["block_rows"], same)


class StoredIndex:
    """The parts of an ``IndexStore`` under one run's config, answering ``EarlierEntries`` from bucket files.

    Matched rows are kept (a run asks for the same rows more than once); nothing else stays in memory
    but the parts of earlier releases, which only exist whole.
    """

    def __init__(self, index: IndexStore, config: DedupConfig, parts: list[_Part]) -> None:
        self.index, self.store, self.config, self.parts = index, index.store, config, parts
        self._fetched: dict[int, Entry] = {}  # position -> entry

    def __len__(self) -> int:
        return sum(len(self._whole(p)) if p.key.endswith(".npz") else p.rows for p in self.parts)

    def for_config(self, config: DedupConfig) -> StoredIndex:
        """The same parts under another run config (band files are used where the banding fits)."""
        if config == self.config:
            return self
        return StoredIndex(self.index, config, [self.index._part(p.key, config) for p in self.parts])

    def rows_sharing(self, exact: np.ndarray | None = None, bands: np.ndarray | None = None) -> np.ndarray:
        """Sorted positions of the entries with one of the ``exact`` digests (n, 32), or sharing a band hash
        with a row of ``bands`` (m, bands) in the same band: a binary search per key file."""
        # the run's keys, sorted once: every key file is searched with the same few thousand keys
        heads = np.unique(digest_keys(exact)) if exact is not None and len(exact) else None
        columns = [np.unique(col) for col in bands.T] if bands is not None and len(bands) else []
        jobs = []
        for p, part in enumerate(self.parts):
            if part.key.endswith(".npz"):
                continue
            jobs += [(p, "exact", heads)] if heads is not None else []
            jobs += [(p, f"band-{b:02d}", col) for b, col in enumerate(columns) if part.same_bands]
        matched = self._lookups(jobs)
        candidates = {p: rows for (p, name, _), rows in zip(jobs, matched, strict=True) if name == "exact"}
        self._fetch(candidates)  # the first 8 bytes found them, the whole digest confirms them
        digests = {e.tobytes() for e in exact} if heads is not None else set()
        found = [(p << _ROW_BITS) + rows for (p, name, _), rows in zip(jobs, matched, strict=True) if name != "exact"]
        for p, rows in candidates.items():
            found.append(
                np.array([p << _ROW_BITS | r for r in rows.tolist() if self._digest(p, r) in digests], np.int64)
            )
        for p, part in enumerate(self.parts):
            if part.key.endswith(".npz"):
                found.append((p << _ROW_BITS) + self._whole(part).rows_sharing(exact, bands))
            elif columns and not part.same_bands:
                found.append((p << _ROW_BITS) + self._rebanded_sharing(p, columns))
        return np.unique(np.concatenate([np.empty(0, np.int64), *found]))

    def rows(self, keep: np.ndarray) -> NearDupIndex:
        """The entries at the sorted positions ``keep``, read from the blocks that hold them."""
        keep = np.asarray(keep, np.int64)
        pieces = []
        for p in np.unique(keep >> _ROW_BITS).tolist():
            rows, part = keep[(keep >> _ROW_BITS) == p] & ((1 << _ROW_BITS) - 1), self.parts[p]
            if part.key.endswith(".npz"):
                pieces.append(self._whole(part).rows(rows))
                continue
            self._fetch({p: rows})
            entries = [self._fetched[(p << _ROW_BITS) + r] for r in rows.tolist()]
            ids, sources, exact, lengths, sigs = zip(*entries, strict=True)
            sigs = np.stack(sigs)
            bands = band_hashes(sigs, self.config.bands, self.config.rows)
            pieces.append(
                NearDupIndex(self.config, [*ids], [*sources], np.stack(exact), np.array(lengths, np.int64), sigs, bands)
            )
        return NearDupIndex.concat(self.config, pieces)

    def new_entries(
        self, docs: Sequence[Document], exact: np.ndarray, lengths: np.ndarray, sigs: np.ndarray
    ) -> NearDupIndex:
        """Those ``docs`` whose id no part holds: the id key files find the few that one may."""
        wanted = sorted({d.id for d in docs})
        keys = np.unique(id_keys(wanted))
        jobs = [(p, "id", keys) for p, part in enumerate(self.parts) if not part.key.endswith(".npz")]
        found = [(p << _ROW_BITS) + rows for (p, _, _), rows in zip(jobs, self._lookups(jobs), strict=True)]
        for p, part in enumerate(self.parts):
            if part.key.endswith(".npz"):
                ids = set(wanted)
                rows = np.array([i for i, doc_id in enumerate(self._whole(part).ids) if doc_id in ids], np.int64)
                found.append((p << _ROW_BITS) + rows)
        present = self.rows(np.unique(np.concatenate([np.empty(0, np.int64), *found])))
        return present.new_entries(docs, exact, lengths, sigs)  # hash collisions fall out on the id itself

    def load(self) -> NearDupIndex:
        """Every entry, in memory, block by block."""
        pieces = []
        for part in self.parts:
            if part.key.endswith(".npz"):
                pieces.append(self._whole(part))
                continue
            for block in range(-(-part.rows // part.block_rows)):
                data = self.store.get_bytes(f"{part.data}/blocks/{block:05d}.npz")
                pieces.append(block_index(data, self.config))
        return NearDupIndex.concat(self.config, pieces)

    # ------------------------------------------------------------ reading

    def _whole(self, part: _Part) -> NearDupIndex:
        if part.whole is None:
            part.whole = NearDupIndex.load(self.store, part.key).for_config(self.config)
        return part.whole

    def _lookups(self, jobs: list[tuple[int, str, np.ndarray]]) -> list[np.ndarray]:
        """Rows matched by each (part, key file, sorted keys) job. Object stores answer each read after a
        round trip, so ``readers`` files are read at once: at most that many key files are in memory."""

        def one(job: tuple[int, str, np.ndarray]) -> np.ndarray:
            p, name, keys = job
            return lookup(from_npy(self.store.get_bytes(f"{self.parts[p].data}/keys/{name}.npy")), keys)

        return self._map(one, jobs)

    def _digest(self, p: int, row: int) -> bytes:
        return self._fetched[(p << _ROW_BITS) + row][2].tobytes()

    def _rebanded_sharing(self, p: int, columns: list[np.ndarray]) -> np.ndarray:
        """Rows of a part banded otherwise when written (its band files do not fit the run's banding)
        sharing a band hash: its signatures are rebanded block by block."""
        part, found = self.parts[p], []
        for block in range(-(-part.rows // part.block_rows)):
            sigs = block_signatures(self.store.get_bytes(f"{part.data}/blocks/{block:05d}.npz"))
            rebanded = band_hashes(sigs, self.config.bands, self.config.rows)
            hit = np.zeros(len(sigs), bool)
            for b, col in enumerate(columns):
                hit |= _member(rebanded[:, b], col)
            found.append(block * part.block_rows + np.flatnonzero(hit))
        return np.concatenate([np.empty(0, np.int64), *found])

    def _fetch(self, wanted: dict[int, np.ndarray]) -> None:
        """Read the ``wanted`` rows (per part) not read yet, from the blocks holding them, ``readers`` at once."""
        by_block: dict[tuple[int, int], list[int]] = {}
        for p, rows in wanted.items():
            for r in rows.tolist():
                if (p << _ROW_BITS) + r not in self._fetched:
                    by_block.setdefault((p, r // self.parts[p].block_rows), []).append(r)

        def one(item: tuple[tuple[int, int], list[int]]) -> list[tuple[int, Entry]]:
            (p, block), rows = item
            part, first = self.parts[p], block * self.parts[p].block_rows
            entries = block_entries(
                self.store.get_bytes(f"{part.data}/blocks/{block:05d}.npz"), [r - first for r in rows]
            )
            return [((p << _ROW_BITS) + r, entry) for r, entry in zip(rows, entries, strict=True)]

        for entries in self._map(one, sorted(by_block.items())):
            self._fetched.update(entries)

    def _map(self, fn: Callable[[_T], _R], items: list[_T]) -> list[_R]:
        if self.index.readers == 1 or len(items) < 2:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(self.index.readers) as pool:
            return list(pool.map(fn, items))
