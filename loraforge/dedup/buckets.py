"""The files of a bucketed index part: sorted (key, row) tables and row blocks (see ``store``).

A key table is one ``.npy`` of shape (2, n) uint64, keys sorted in row 0 and their rows in row 1, so a
run finds its keys by binary search with no temporary the size of the table. A block holds whole
entries, names as UTF-8 bytes with offsets (a long source path costs only its own length).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence

import numpy as np

from loraforge.dedup.entries import NearDupIndex
from loraforge.dedup.minhash import _U64, DedupConfig, band_hashes

Entry = tuple[str, str, np.ndarray, int, np.ndarray]  # id, source, digest, length, signature


def id_keys(ids: Iterable[str]) -> np.ndarray:
    """uint64 lookup keys of document ids (any string, not only hex content ids)."""
    return np.array([int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8).digest(), "little") for i in ids], _U64)


def digest_keys(exact: np.ndarray) -> np.ndarray:
    """uint64 lookup keys of (n, 32) sha256 digests: their first 8 bytes."""
    return np.ascontiguousarray(exact[:, :8]).view(_U64).ravel()


def sorted_table(keys: np.ndarray) -> np.ndarray:
    order = np.argsort(keys, kind="stable")
    return np.stack([keys[order], order.astype(_U64)])


def lookup(table: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Rows of a sorted (2, n) key table whose key is one of ``wanted``: a binary search per wanted key."""
    keys = table[0]
    lo, hi = np.searchsorted(keys, wanted, "left"), np.searchsorted(keys, wanted, "right")
    counts = hi - lo
    if not (total := int(counts.sum())):
        return np.empty(0, np.int64)
    at = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return np.unique(table[1][at].astype(np.int64))


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def from_npy(data: bytes) -> np.ndarray:
    """The array of an ``.npy`` file's bytes, without a copy."""
    buf = io.BytesIO(data)
    major, _ = np.lib.format.read_magic(buf)
    read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    shape, _, dtype = read(buf)
    return np.frombuffer(data, dtype, int(np.prod(shape)), buf.tell()).reshape(shape)


def _packed(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of ``strings`` joined, and offsets: a long source path costs its own length only."""
    encoded = [s.encode() for s in strings]
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded], dtype=np.int64)])
    return np.frombuffer(b"".join(encoded), np.uint8), offsets


def block_bytes(part: NearDupIndex, rows: slice) -> bytes:
    """The ``rows`` of ``part`` as one block file."""
    (ids, id_offsets), (sources, source_offsets) = _packed(part.ids[rows]), _packed(part.sources[rows])
    buf = io.BytesIO()
    fields = {"exact": part.exact[rows], "lengths": part.lengths[rows], "signatures": part.signatures[rows]}
    np.savez(buf, ids=ids, id_offsets=id_offsets, sources=sources, source_offsets=source_offsets, **fields)
    return buf.getvalue()


def _read_block(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data)) as z:
        return {name: z[name] for name in z.files}


def _names(block: dict[str, np.ndarray], field: str, rows: Iterable[int]) -> list[str]:
    """The ``field`` names ("ids" or "sources") of a block at ``rows``, decoded from their UTF-8 bytes."""
    blob, at = block[field].tobytes(), block[f"{field[:-1]}_offsets"].tolist()
    return [blob[at[i] : at[i + 1]].decode() for i in rows]


def block_entries(data: bytes, rows: Sequence[int]) -> list[Entry]:
    """The entries at the block-relative ``rows`` of a block file."""
    b = _read_block(data)
    ids, sources = _names(b, "ids", rows), _names(b, "sources", rows)
    return [
        (doc_id, source, b["exact"][i].copy(), int(b["lengths"][i]), b["signatures"][i].copy())
        for doc_id, source, i in zip(ids, sources, rows, strict=True)
    ]


def block_signatures(data: bytes) -> np.ndarray:
    """The signatures of a block file (to reband a part written under another banding)."""
    with np.load(io.BytesIO(data)) as z:
        return z["signatures"]


def block_index(data: bytes, config: DedupConfig) -> NearDupIndex:
    """Every entry of a block file, banded for ``config`` (to load a part whole)."""
    b = _read_block(data)
    rows = range(len(b["lengths"]))
    bands = band_hashes(b["signatures"], config.bands, config.rows)
    return NearDupIndex(
        config, _names(b, "ids", rows), _names(b, "sources", rows), b["exact"], b["lengths"], b["signatures"], bands
    )
