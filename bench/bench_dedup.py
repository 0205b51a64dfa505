"""MinHash signature throughput: datasketch (baseline) vs loraforge.dedup, single core, same process.

    python bench/bench_dedup.py [MB]      # default 30 MB of deterministic English-like text

Throughput is MB of UTF-8 input per CPU-second (``time.process_time``), and rensa's Rayon pool is
pinned to one thread, so the numbers are per core even where rensa would parallelise a batch.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # before rensa loads: measure one core

import re
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from datasketch import MinHash
from rensa import RMinHash

from loraforge.dedup.minhash import DedupConfig, _chunks, _shingle_hashes, _tokenize, compute_signatures, normalize

# The ~100 most frequent English words carry about half of running text; the tail is pseudo-words.
COMMON = (
    "the of and to a in is it you that he was for on are with as I his they be at one have this from or had by "
    "not word but what some we can out other were all there when up use your how said an each she which do "
    "their time if will way about many then them write would like so these her long make thing see him two has "
    "look more day could go come did number sound no most people my over know water than call first who may "
    "down side been now find any new work part take get place made live where after back little only round man "
    "year came show every good me give our under name very through just form sentence great think say help low"
).split()
ACCENTED = ["café", "naïve", "résumé", "“quoted”", "it’s", "—", "€20", "½"]


def make_texts(total_mb: float = 30.0, seed: int = 0) -> list[str]:
    """Deterministic documents (lognormal lengths, median ~1,100 words): Zipf words, sentences, paragraphs."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    freq = np.array([12.7, 9.1, 8.2, 7.5, 7, 6.7, 6.3, 6.1, 6, 4.3, 4, 2.8, 2.8, 2.4, 2.4, 2.2, 2, 2, 1.9, 1.5, 1, 0.8])
    freq = np.concatenate([freq, [0.15, 0.15, 0.1, 0.07]])
    tail = {"".join(rng.choice(letters, int(k), p=freq / freq.sum())) for k in rng.poisson(5, 30_000) + 2}
    vocab = np.array(COMMON + rng.permutation(sorted(tail - set(COMMON))).tolist())
    p = 1.0 / np.arange(1, len(vocab) + 1) ** 1.07
    p /= p.sum()
    texts, total = [], 0
    while total < total_mb * 1e6:
        words = vocab[rng.choice(len(vocab), int(rng.lognormal(7, 1)) + 20, p=p)].tolist()
        if rng.random() < 0.3:  # some documents carry typographic quotes, accents, currency
            for i in rng.integers(0, len(words), 1 + len(words) // 200):
                words[i] = ACCENTED[i % len(ACCENTED)]
        sentences, i = [], 0
        while i < len(words):
            n = int(rng.integers(6, 25))
            s = words[i : i + n]
            s[0] = s[0].capitalize()
            sentences.append(" ".join(s) + (", " if rng.random() < 0.2 else ". ") + ("\n\n" * (rng.random() < 0.15)))
            i += n
        texts.append("".join(sentences).strip())
        total += len(texts[-1].encode())
    return texts


_WORD = re.compile(r"\w+")


def datasketch_signatures(texts: Sequence[str], num_perm: int = 128, n: int = 5) -> np.ndarray:
    """The usual datasketch recipe: lowercase, regex words, joined word 5-grams, ``update_batch``."""
    out = np.empty((len(texts), num_perm), np.uint64)
    for i, text in enumerate(texts):
        words = _WORD.findall(text.lower())
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([" ".join(words[j : j + n]).encode() for j in range(max(len(words) - n + 1, 1))])
        out[i] = m.hashvalues
    return out


def rensa_joined_signatures(texts: Sequence[str], config: DedupConfig) -> np.ndarray:
    """rensa with shingles joined in Python: what the per-token string path costs."""
    n = config.shingle_size
    sets = [
        [" ".join(w[j : j + n]) for j in range(max(len(w) - n + 1, 1))] for w in map(str.split, map(normalize, texts))
    ]
    return np.array(RMinHash.digest_matrix_from_token_sets(sets, config.num_perm, config.seed).to_rows(), np.uint32)


def _rate(fn: Callable[[], object], mb: float) -> float:
    start = time.process_time()
    fn()
    return mb / (time.process_time() - start)


def measure(texts: Sequence[str]) -> dict[str, float]:
    """MB/s (UTF-8 input per CPU-second) for the baseline and ours, plus where our time goes."""
    config = DedupConfig()
    mb = sum(len(t.encode()) for t in texts) / 1e6
    compute_signatures(texts[:20], config)  # warm-up: unicode class table, power tables, rensa caches
    chunks = list(_chunks(texts))  # the batches compute_signatures tokenises, for the stage breakdown
    toks: list = []
    flats: list = []
    result = {
        "mb": mb,
        "datasketch_mb_s": _rate(lambda: datasketch_signatures(texts), mb),
        "ours_mb_s": _rate(lambda: compute_signatures(texts, config), mb),
        "rensa_python_joined_shingles_mb_s": _rate(lambda: rensa_joined_signatures(texts, config), mb),
        "stage_normalise_tokenise_mb_s": _rate(lambda: toks.extend(_tokenize(texts[c]) for c in chunks), mb),
        "stage_shingle_hash_mb_s": _rate(
            lambda: flats.extend(_shingle_hashes(t, config.shingle_size) for t in toks), mb
        ),
        "stage_rensa_sketch_mb_s": _rate(
            lambda: [RMinHash.digest_matrix_from_flat_token_hashes(*f, config.num_perm, config.seed) for f in flats], mb
        ),
    }
    result["ratio_ours_vs_datasketch"] = result["ours_mb_s"] / result["datasketch_mb_s"]
    return {k: round(v, 2) for k, v in result.items()}


if __name__ == "__main__":
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    texts = make_texts(mb)
    print(f"{len(texts)} documents, RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}")
    for key, value in measure(texts).items():
        print(f"{key:40s} {value:10.2f}")
