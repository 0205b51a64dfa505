"""Deduplication: exact (sha256 of normalised text), then near-duplicate (MinHash + LSH, verified).

Near-duplicates are found with rensa's R-MinHash over word n-gram shingles, LSH banding gives
candidate pairs, every candidate is verified against the Jaccard threshold, and union-find turns
verified pairs into clusters with one deterministic survivor each. A persisted ``NearDupIndex``
carries earlier runs' survivors so a later run also drops copies of documents it has already kept.

Tokenising and shingle hashing run in numpy over code points, with no Python object per word or
shingle: joining shingles in Python, not the MinHash, is what limits throughput (bench/bench_dedup.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rensa import RMinHash

# Signatures are only comparable under the same rensa algorithm and the same tokeniser; an index
# built under another scheme must be rebuilt, never mixed (rensa 0.5 changed its algorithm).
SIGNATURE_SCHEME = f"rensa-rminhash-v{RMinHash.ALGORITHM_VERSION}/cp-poly-v1"
_CHUNK_CHARS = 1 << 19  # a tokenising batch: its uint64 temporaries (4 MiB each) stay in cache
_U64 = np.uint64


class DedupAdvanced(BaseModel):
    """MinHash/LSH internals; the defaults suit most corpora. ``bands``/``rows`` default to the
    datasketch-style optimum for the threshold."""

    model_config = ConfigDict(extra="forbid", title="Advanced")

    num_perm: int = Field(128, ge=8, le=1024, description="MinHash permutations per signature")
    bands: int | None = Field(None, ge=1, description="LSH bands (derived from the threshold when unset)")
    rows: int | None = Field(None, ge=1, description="rows per LSH band (derived from the threshold when unset)")
    # Every candidate is verified, so a false positive costs one comparison while a false negative
    # is a duplicate lost for good: weight misses 9:1 (at 0.8/128 -> 14x9, P(candidate|J=0.85)=0.97).
    false_positive_weight: float = Field(0.1, ge=0.0, description="weight of false candidates in the banding choice")
    false_negative_weight: float = Field(0.9, ge=0.0, description="weight of missed duplicates in the banding choice")
    # "exact": shingle-set Jaccard when both texts are at hand (this run), the signature estimate
    # (+-0.04 at 128 perms) against earlier runs, whose texts the index does not keep.
    verify: Literal["exact", "signature"] = Field(
        "exact", description="verify candidates by shingle-set Jaccard (exact) or by the signature estimate"
    )
    seed: int = Field(42, ge=0, description="MinHash seed; an index is only usable under the same seed")


class DedupConfig(BaseModel):
    """Dedup settings: the threshold and shingle size, the MinHash/LSH internals under ``advanced``.

    The flat form of earlier releases (``num_perm``, ``bands``, ... at the top) is still read: those
    keys move into ``advanced``, so old configs and old index metadata load unchanged.
    """

    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(0.8, gt=0.0, le=1.0, description="Jaccard similarity at which docs are duplicates")
    # Word 5-grams (Gopher, datatrove): one edited word changes <= 5 shingles, so a few edits in a
    # 300-word text keep J ~ 0.9, while same-topic documents share few 5-grams. Character shingles
    # would cost ~6x more hashing per byte; short docs (< n words) become one whole-text shingle,
    # i.e. they only match exact copies, which stage 1 catches anyway.
    shingle_size: int = Field(5, ge=1, le=32, description="words per shingle")
    advanced: DedupAdvanced = Field(default_factory=DedupAdvanced)

    @model_validator(mode="before")
    @classmethod
    def _flat_into_advanced(cls, data: object) -> object:
        if isinstance(data, dict) and (flat := data.keys() & DedupAdvanced.model_fields.keys()):
            data = dict(data)
            nested = data.get("advanced") or {}
            nested = nested.model_dump() if isinstance(nested, DedupAdvanced) else dict(nested)
            data["advanced"] = nested | {k: data.pop(k) for k in flat}
        return data

    @model_validator(mode="after")
    def _derive_bands(self) -> DedupConfig:
        adv = self.advanced
        if adv.bands is None and adv.rows is None:
            adv.bands, adv.rows = optimal_bands(
                self.threshold, adv.num_perm, adv.false_positive_weight, adv.false_negative_weight
            )
        elif adv.rows is None:
            adv.rows = adv.num_perm // adv.bands
        elif adv.bands is None:
            adv.bands = adv.num_perm // adv.rows
        if adv.bands * adv.rows > adv.num_perm or adv.bands * adv.rows == 0:
            raise ValueError(f"bands*rows = {adv.bands}*{adv.rows} must be in 1..num_perm={adv.num_perm}")
        return self

    # Read-only shortcuts for the library code; settings are written under ``advanced``.
    num_perm = property(lambda self: self.advanced.num_perm)
    bands = property(lambda self: self.advanced.bands)
    rows = property(lambda self: self.advanced.rows)
    verify = property(lambda self: self.advanced.verify)
    seed = property(lambda self: self.advanced.seed)


@functools.cache
def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false-positive and false-negative areas of the S-curve."""
    best, best_err = (1, num_perm), float("inf")
    lo, hi = np.linspace(0.0, threshold, 201), np.linspace(threshold, 1.0, 201)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(1 - (1 - lo**r) ** b, lo)
            fn = np.trapezoid((1 - hi**r) ** b, hi)
            err = fp_weight * fp + fn_weight * fn
            if err < best_err - 1e-12:
                best, best_err = (b, r), err
    return best


# ---------------------------------------------------------------- normalisation and tokenising


@functools.cache
def _char_classes() -> np.ndarray:
    """Per code point: 0 word char, 1 separator (punctuation, symbols, spaces, controls), 2 dropped."""
    table = np.zeros(0x110000, np.uint8)
    for c in [*range(0x32400), *range(0xE0000, 0xE1000)]:  # beyond: unassigned or private use
        cat = unicodedata.category(chr(c))
        if cat[0] in "PSZ" or cat in ("Cc", "Cs"):
            table[c] = 1
        elif cat == "Cf":  # soft hyphen, zero-width joiners, BOM: invisible, must not split words
            table[c] = 2
    table[[0x27, 0x2019]] = 2  # apostrophes: "don't", "don’t" and "dont" are one word
    return table


@dataclass(slots=True)
class _Tokens:
    cp: np.ndarray  # uint32 code points of all texts joined by a space
    sep: np.ndarray  # bool, True where cp is a separator
    starts: np.ndarray  # word start offsets into cp
    ends: np.ndarray
    doc_words: np.ndarray  # word offsets per text, len(texts) + 1


def _tokenize(texts: Sequence[str]) -> _Tokens:
    prepped = [unicodedata.normalize("NFKC", t).casefold() for t in texts]
    cp = np.frombuffer(" ".join(prepped).encode("utf-32-le", "surrogatepass"), np.uint32)
    cls = _char_classes()[cp]
    lens = np.fromiter(map(len, prepped), np.int64, len(prepped))
    doc_start = np.cumsum(lens + 1) - (lens + 1)
    if (dropped := cls == 2).any():
        doc_start = np.concatenate([[0], np.cumsum(~dropped)])[doc_start]
        cp, cls = cp[~dropped], cls[~dropped]
    sep = cls == 1
    edges = np.diff(np.concatenate([[0], (~sep).view(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    word_doc = np.searchsorted(doc_start, starts, side="right") - 1
    doc_words = np.searchsorted(word_doc, np.arange(len(texts) + 1))
    return _Tokens(cp, sep, starts, ends, doc_words)


def _normalized(tok: _Tokens) -> list[str]:
    """Each text's words joined by single spaces."""
    nonempty = np.diff(tok.doc_words) > 0
    first, last = tok.doc_words[:-1][nonempty], tok.doc_words[1:][nonempty] - 1
    keep = ~tok.sep
    keep[tok.starts[1:] - 1] = True  # one space before every word ...
    keep[tok.starts[first[first > 0]] - 1] = False  # ... but a text's first
    out = np.where(tok.sep, np.uint32(32), tok.cp)[keep]
    pos = np.concatenate([[0], np.cumsum(keep)])  # output offset of every code point
    a, b = np.zeros(len(nonempty), np.int64), np.zeros(len(nonempty), np.int64)
    a[nonempty], b[nonempty] = pos[tok.starts[first]], pos[tok.ends[last]]
    return [out[i:j].tobytes().decode("utf-32-le", "surrogatepass") for i, j in zip(a, b, strict=True)]


def normalize(text: str) -> str:
    """The exact-duplicate identity: NFKC, casefold, punctuation/symbols/controls to spaces, apostrophes
    and invisible format characters dropped, whitespace collapsed to single spaces, ends stripped."""
    return _normalized(_tokenize([text]))[0]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: polynomial hashes are linear, rensa's bucket choice wants uniform bits."""
    x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


_BASE = 0x100000001B3
_powers_cache: tuple[np.ndarray, np.ndarray] = (np.ones(1, _U64), np.ones(1, _U64))


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**k and BASE**-k mod 2**64 (BASE is odd, hence invertible) for k < n; grown, never rebuilt."""
    global _powers_cache
    if len(_powers_cache[0]) < n:
        n = max(n, 2 * len(_powers_cache[0]))
        pw = np.full(n, _U64(_BASE), _U64)
        inv = np.full(n, _U64(pow(_BASE, -1, 1 << 64)), _U64)
        pw[0] = inv[0] = 1
        _powers_cache = (np.cumprod(pw, dtype=_U64), np.cumprod(inv, dtype=_U64))
    return _powers_cache


def _shingle_hashes(tok: _Tokens, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat uint64 hashes of every text's word n-grams, and row offsets (len(texts) + 1)."""
    pw, inv = _powers(len(tok.cp) + 1)
    prefix = np.concatenate([[_U64(0)], np.cumsum(tok.cp.astype(_U64) * pw[: len(tok.cp)], dtype=_U64)])
    # Polynomial hash of a span from two prefix sums, shifted back to position 0 so equal words
    # anywhere hash equal: one vectorised pass instead of a Python object per word.
    words = _mix((prefix[tok.ends] - prefix[tok.starts]) * inv[tok.starts])
    k = np.diff(tok.doc_words)
    count = np.where(k >= n, k - n + 1, (k > 0).astype(np.int64))
    offsets = np.concatenate([[0], np.cumsum(count)])
    first = np.repeat(tok.doc_words[:-1], count) + (np.arange(offsets[-1]) - np.repeat(offsets[:-1], count))
    width = np.repeat(np.minimum(k, n), count)
    h, short = words[first], (width < n).any()
    for t in range(1, n):
        nxt = h * _U64(0x9E3779B97F4A7C15) + words[np.minimum(first + t, len(words) - 1)]
        h = np.where(width > t, nxt, h) if short else nxt  # texts under n words: one shorter shingle
    return _mix(h), offsets.astype(_U64)


def _chunks(texts: Sequence[str]) -> Iterator[slice]:
    start, size = 0, 0
    for i, t in enumerate(texts):
        size += len(t) + 1
        if size >= _CHUNK_CHARS:
            yield slice(start, i + 1)
            start, size = i + 1, 0
    if start < len(texts):
        yield slice(start, len(texts))


def compute_signatures(texts: Sequence[str], config: DedupConfig) -> np.ndarray:
    """MinHash signatures, shape (len(texts), num_perm) uint32; shard-parallel safe (pure function)."""
    out = [np.empty((0, config.num_perm), np.uint32)]
    for sl in _chunks(texts):
        flat, offsets = _shingle_hashes(_tokenize(texts[sl]), config.shingle_size)
        matrix = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, config.num_perm, config.seed)
        out.append(np.array(matrix.to_rows(), np.uint32).reshape(-1, config.num_perm))
    return np.concatenate(out)


def signature_id(config: DedupConfig) -> str:
    """A name for the signatures ``compute_signatures`` gives under ``config``: same name, same signatures."""
    key = json.dumps([SIGNATURE_SCHEME, config.num_perm, config.seed, config.shingle_size])
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _buckets(nodes: np.ndarray, bands: np.ndarray, n: int) -> list[list[int]]:
    """Groups of 2+ nodes sharing a band hash, per band, holding at least one of this run's nodes (< n)."""
    groups = []
    for col in bands.T:
        order = np.argsort(col, kind="stable")
        same = np.flatnonzero(col[order][1:] == col[order][:-1])  # sorted positions equal to the next
        breaks = np.flatnonzero(np.diff(same) != 1)
        for lo, hi in zip(np.r_[same[:1], same[breaks + 1]], np.r_[same[breaks], same[-1:]] + 1, strict=True):
            if (group := nodes[order[lo : hi + 1]]).min() < n:
                groups.append(sorted(group.tolist()))
    return groups


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 per LSH band, shape (n, bands): what the index persists and buckets on."""
    sig = signatures[:, : bands * rows].astype(_U64).reshape(len(signatures), bands, rows)
    h = np.broadcast_to(np.arange(bands, dtype=_U64), (len(signatures), bands)).copy()
    for r in range(rows):
        h = _mix(h * _U64(0x9E3779B97F4A7C15) ^ sig[:, :, r])
    return h
