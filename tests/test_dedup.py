"""Dedup stage: exact and near duplicates, survivors, the persisted index, verification."""

from __future__ import annotations

import io
import json
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from pydantic import ValidationError

from loraforge.dedup import (
    DedupAdvanced,
    DedupConfig,
    Deduplicator,
    DuplicateOf,
    IndexStore,
    NearDupIndex,
    band_hashes,
    compute_signatures,
    normalize,
    optimal_bands,
    signature_id,
)
from loraforge.dedup.minhash import SIGNATURE_SCHEME
from loraforge.prep.manifests import DataPrepConfig, StageManifest
from loraforge.prep.stages import deduplicate, read_docs, scan_pii
from loraforge.records import Document, Element, sha256_hex
from loraforge.storage import LocalStore, S3Store, read_jsonl, write_jsonl

# One topic (travel and expense policy) so that distinct documents share most of their vocabulary.
TOPIC = """
employees travel expenses receipts manager approval policy hotel flight economy class booking reimbursement
within days submit report portal finance team per diem meals allowance mileage car rental taxi train conference
client visit international domestic currency exchange rate card corporate personal limit exceed exception
director written justification original itemised lost receipt declaration alcohol excluded tips gratuities
reasonable cost lowest fare advance weeks cancellation fees refundable insurance covered claim month end quarter
audit compliance violation disciplinary repayment deduction salary payroll cycle approved rejected pending
the a an of to and in for on with by at is are be must should may not all any each their this that which when
""".split()


def make_text(seed: int, n_words: int = 300) -> str:
    """English-like prose over TOPIC: sentences of 8-16 words, capitalised, with punctuation."""
    rng = random.Random(seed)
    words = [rng.choice(TOPIC) for _ in range(n_words)]
    out, i = [], 0
    while i < len(words):
        k = rng.randint(8, 16)
        sentence = words[i : i + k]
        out.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + rng.choice([".", ".", "!", "?"]))
        i += k
    return " ".join(out)


def edit(text: str, positions: list[int], word: str = "reimbursements") -> str:
    words = text.split(" ")
    for p in positions:
        words[p] = word
    return " ".join(words)


def doc(text: str, source: str, doc_type: str = "txt") -> Document:
    elements = [Element("text", part) for part in text.split("\n\n")]
    return Document(Document.make_id(doc_type, elements), source, doc_type, elements, sha256_hex(text))


def conversation(turns: list[tuple[str, str]], source: str) -> Document:
    elements = [Element("turn", text, meta={"role": role}) for role, text in turns]
    return Document(Document.make_id("conversation", elements), source, "conversation", elements, sha256_hex(source))


def jaccard(a: str, b: str, n: int = 5) -> float:
    """Reference word 5-gram Jaccard, in plain Python."""

    def grams(t: str) -> set[str]:
        w = normalize(t).split()
        return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb)


def kept_sources(result) -> list[str]:  # noqa: ANN001
    return [d.source for d in result.kept]


def test_normalize() -> None:
    assert normalize("Hello,  World!\r\n") == "hello world"
    assert normalize("  Tabs\tand\n\nnew-lines…  ") == "tabs and new lines"
    assert normalize("ＡＢＣ ﬁle STRASSE Straße") == "abc file strasse strasse"  # NFKC + casefold
    assert normalize("Don’t don't dont") == "dont dont dont"
    assert normalize("soft\u00adhyphen zero\u200bwidth\ufeff") == "softhyphen zerowidth"
    assert normalize("€20 + 5% = “total”") == "20 5 total"
    assert normalize("") == normalize(" \r\n ") == ""


def test_config_defaults_and_validation() -> None:
    config = DedupConfig()
    assert (config.threshold, config.num_perm, config.shingle_size, config.bands, config.rows) == (0.8, 128, 5, 14, 9)
    assert optimal_bands(0.8, 128) == (9, 13)  # equal weights: datasketch's classic choice
    assert (config.advanced.num_perm, config.advanced.bands, config.advanced.rows) == (128, 14, 9)
    advanced = DedupConfig(advanced=DedupAdvanced(bands=16)), DedupConfig(advanced={"rows": 8})
    assert (advanced[0].rows, advanced[1].bands) == (8, 16)
    # the flat form of earlier releases (configs, index metadata) still reads, into ``advanced``
    assert DedupConfig(bands=16, seed=7).advanced == DedupAdvanced(bands=16, rows=8, seed=7)
    assert set(DedupConfig.model_json_schema()["properties"]) == {"threshold", "shingle_size", "advanced"}
    with pytest.raises(ValidationError):
        DedupConfig(advanced={"bands": 20, "rows": 10})
    with pytest.raises(ValidationError):
        DedupConfig(thresold=0.7)


def test_optimal_bands_match_datasketch() -> None:
    lsh = pytest.importorskip("datasketch.lsh")
    for threshold in (0.5, 0.7, 0.8, 0.9):
        for weights in ((0.5, 0.5), (0.1, 0.9)):
            assert optimal_bands(threshold, 128, *weights) == lsh._optimal_param(threshold, 128, *weights)


def test_exact_duplicates_and_whitespace_case_variants() -> None:
    base = make_text(1)
    variants = [
        doc(base, "a/policy.txt"),
        doc(base, "b/policy-copy.txt"),  # same content: same id, another source
        doc(base.replace(" ", "\r\n", 40) + "  \r\n\t", "c/policy-crlf.txt"),
        doc(base.upper(), "d/POLICY.txt"),
        doc(base.replace(". ", ".\n\n"), "e/policy-paragraphs.txt"),
    ]
    others = [doc(make_text(seed), f"other{seed}.txt") for seed in (2, 3)]
    result = Deduplicator().run(variants + others)

    survivor = min(d.id for d in variants)  # equal normalised length: the smallest id wins
    winner = min((d for d in variants if d.id == survivor), key=lambda d: d.source)
    assert kept_sources(result) == [winner.source, "other2.txt", "other3.txt"]
    expected = [DuplicateOf(d.id, d.source, "exact", survivor, 1.0) for d in variants if d is not winner]
    assert result.removed == sorted(expected, key=lambda r: (r.survivor_id, r.doc_id, r.source))
    assert result.clusters == [[survivor, *sorted({d.id for d in variants} - {survivor})]]
    assert len({d.id for d in variants}) == 4


def test_near_duplicate_found_with_longest_text_surviving() -> None:
    base = make_text(10)
    edited = edit(base, [40, 150, 260])  # three words replaced by a longer one: the edited copy is longer
    docs = [doc(base, "orig.txt"), doc(edited, "edited.txt"), *(doc(make_text(s), f"x{s}.txt") for s in (11, 12))]
    result = Deduplicator().run(docs)

    similarity = jaccard(base, edited)
    assert 0.85 < similarity < 0.95
    assert kept_sources(result) == ["edited.txt", "x11.txt", "x12.txt"]
    # The similarity is the exact shingle Jaccard: the numpy shingling agrees with the Python reference.
    assert result.removed == [DuplicateOf(docs[0].id, "orig.txt", "near", docs[1].id, round(similarity, 4))]
    assert result.clusters == [[docs[1].id, docs[0].id]]


def test_distinct_documents_on_one_topic_are_all_kept() -> None:
    boilerplate = make_text(99, 40)  # the same header in every document
    texts = [boilerplate + " " + make_text(seed, 260) for seed in range(20, 28)]
    shared = make_text(50, 180)  # a pair sharing 60% of its words, in order: Jaccard ~0.4
    texts += [shared + " " + make_text(51, 120), shared + " " + make_text(52, 120)]
    assert 0.35 < jaccard(texts[-2], texts[-1]) < 0.5
    assert max(jaccard(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :]) < 0.5
    docs = [doc(t, f"doc{i}.txt") for i, t in enumerate(texts)]

    result = Deduplicator().run(docs)
    assert {d.id for d in result.kept} == {d.id for d in docs}
    assert (result.removed, result.clusters) == ([], [])
    assert len(result.index) == 10


def test_survivor_is_independent_of_input_order() -> None:
    a, b = make_text(30), make_text(31)
    docs = [
        doc(a, "a1.txt"),
        doc(a.lower(), "a2.txt"),
        doc(edit(a, [10, 200]), "a3.txt"),
        doc(edit(a, [100], "x"), "a4.txt"),  # shorter than a
        doc(b, "b1.txt"),
        doc(edit(b, [5, 120], "a"), "b2.txt"),
        doc(make_text(32), "c.txt"),
    ]
    outcomes = set()
    for seed in range(6):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        result = Deduplicator().run(shuffled)
        removed = tuple((r.doc_id, r.source, r.kind, r.survivor_id, r.similarity) for r in result.removed)
        outcomes.add((frozenset(kept_sources(result)), removed, str(result.clusters)))
    assert len(outcomes) == 1
    kept, removed, _ = outcomes.pop()
    assert kept == {"a3.txt", "b1.txt", "c.txt"}  # the longest of each cluster
    assert {(r[1], r[2], r[3]) for r in removed} == {
        ("a1.txt", "near", docs[2].id),
        ("a2.txt", "near", docs[2].id),
        ("a4.txt", "near", docs[2].id),
        ("b2.txt", "near", docs[4].id),
    }


def test_cluster_of_three() -> None:
    base = make_text(40)
    docs = [doc(base, "v1.txt"), doc(edit(base, [30, 170]), "v2.txt"), doc(edit(base, [90, 240], "a"), "v3.txt")]
    docs.append(doc(make_text(41), "other.txt"))
    result = Deduplicator().run(docs)

    assert kept_sources(result) == ["v2.txt", "other.txt"]  # the longest of the three
    assert result.clusters == [[docs[1].id, *sorted([docs[0].id, docs[2].id])]]
    assert {(r.source, r.kind, r.survivor_id) for r in result.removed} == {
        ("v1.txt", "near", docs[1].id),
        ("v3.txt", "near", docs[1].id),
    }
    assert {r.source: r.similarity for r in result.removed} == {
        "v1.txt": round(jaccard(base, docs[1].text), 4),
        "v3.txt": round(jaccard(docs[2].text, docs[1].text), 4),
    }


def test_conversations_are_deduplicated() -> None:
    turns = [("user", make_text(60, 40)), ("assistant", make_text(61, 120)), ("user", make_text(62, 30))]
    same = [(role, text.upper() + "  ") for role, text in turns]
    near = [*turns[:2], ("user", edit(turns[2][1], [12]))]
    docs = [conversation(turns, "chat.jsonl#0"), conversation(same, "chat.jsonl#1"), conversation(near, "chat.jsonl#2")]
    docs.append(conversation([("user", make_text(63, 50)), ("assistant", make_text(64, 140))], "chat.jsonl#3"))

    result = Deduplicator().run(docs)
    survivor = docs[2].id  # the edit made it the longest
    assert kept_sources(result) == ["chat.jsonl#2", "chat.jsonl#3"]
    assert [(r.source, r.kind, r.survivor_id) for r in result.removed] == sorted(
        [("chat.jsonl#0", "near", survivor), ("chat.jsonl#1", "near", survivor)],
        key=lambda r: [d.id for d in docs if d.source == r[0]][0],
    )


def test_persisted_index_removes_copies_of_earlier_runs(tmp_path) -> None:  # noqa: ANN001
    store = LocalStore(tmp_path)
    corpus_a = [doc(make_text(70 + i), f"2024/a{i}.txt") for i in range(3)]
    first = Deduplicator().run(corpus_a)
    assert kept_sources(first) == ["2024/a0.txt", "2024/a1.txt", "2024/a2.txt"]
    uri = first.index.save(store, "acme/handbook/dedup/index.npz")
    assert uri == (tmp_path / "acme/handbook/dedup/index.npz").resolve().as_uri()

    loaded = NearDupIndex.load(store, "acme/handbook/dedup/index.npz")
    assert loaded.ids == [d.id for d in corpus_a] == first.index.ids
    assert loaded.sources == ["2024/a0.txt", "2024/a1.txt", "2024/a2.txt"]
    assert loaded.config == first.index.config
    for field in ("exact", "lengths", "signatures", "bands"):
        np.testing.assert_array_equal(getattr(loaded, field), getattr(first.index, field))
    assert (loaded.signatures.dtype, loaded.signatures.shape) == (np.uint32, (3, 128))

    identical = doc(corpus_a[0].text, "2025/a0-copy.txt")  # same content, so the same id as a0
    copy = doc(corpus_a[1].text.replace(" ", "\r\n", 30), "2025/a1-resaved.txt")
    longer_near = doc(edit(corpus_a[2].text, [60, 200]) + " Appendix follows", "2025/a2-v2.txt")
    new = doc(make_text(80), "2025/new.txt")
    second = Deduplicator(index=loaded).run([identical, copy, longer_near, new])

    assert kept_sources(second) == ["2025/new.txt"]
    assert second.removed == sorted(
        [
            DuplicateOf(corpus_a[0].id, "2025/a0-copy.txt", "exact", corpus_a[0].id, 1.0),
            DuplicateOf(copy.id, "2025/a1-resaved.txt", "exact", corpus_a[1].id, 1.0),
            # an earlier run's document wins even over a longer copy; against the index the
            # similarity is the signature estimate (its text is not kept)
            DuplicateOf(
                longer_near.id,
                "2025/a2-v2.txt",
                "near",
                corpus_a[2].id,
                round(
                    float(np.mean(loaded.signatures[2] == compute_signatures([longer_near.text], DedupConfig())[0])), 4
                ),
            ),
        ],
        key=lambda r: (r.survivor_id, r.doc_id),
    )
    assert second.clusters == sorted([[corpus_a[0].id], [corpus_a[1].id, copy.id], [corpus_a[2].id, longer_near.id]])
    assert second.index.ids == [*loaded.ids, new.id]

    # Rerunning run 1 against the grown index keeps its documents: the same files are the index's own.
    rerun = Deduplicator(index=second.index).run(corpus_a)
    assert kept_sources(rerun) == ["2024/a0.txt", "2024/a1.txt", "2024/a2.txt"]
    assert (rerun.removed, len(rerun.index)) == ([], 4)


def unrelated_entries(config: DedupConfig, rows: int, seed: int) -> NearDupIndex:
    """Index entries of documents no run here resembles: random signatures and digests."""
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, (rows, config.num_perm), dtype=np.uint32)
    ids = [f"unrelated-{seed}-{i}" for i in range(rows)]
    exact, lengths = rng.integers(0, 256, (rows, 32), dtype=np.uint8), rng.integers(100, 9_000, rows, dtype=np.int64)
    return NearDupIndex(
        config, ids, [f"{i}.txt" for i in ids], exact, lengths, sigs, band_hashes(sigs, config.bands, config.rows)
    )


def test_a_run_against_a_large_index_meets_only_the_entries_it_can_match() -> None:
    config = DedupConfig()
    corpus_a = [doc(make_text(170 + i), f"2024/a{i}.txt") for i in range(3)]
    small = Deduplicator().run(corpus_a).index
    large = NearDupIndex.concat(
        config, [unrelated_entries(config, 30_000, 1), small, unrelated_entries(config, 30_000, 2)]
    )
    copy = doc(corpus_a[1].text.replace(" ", "\r\n", 30), "2025/a1-resaved.txt")
    near = doc(edit(corpus_a[2].text, [60, 200]) + " Appendix follows", "2025/a2-v2.txt")
    rerun, new = doc(corpus_a[0].text, "2024/a0.txt"), doc(make_text(180), "2025/new.txt")
    batch = [copy, near, rerun, new]

    # what the run touches: the entry with a0's and a1's text, and a2 through a shared band hash
    exact = np.stack([np.frombuffer(bytes.fromhex(sha256_hex(normalize(d.text))), np.uint8) for d in batch])
    assert large.rows_sharing(exact=exact).tolist() == [30_000, 30_001]
    bands = band_hashes(compute_signatures([near.text], config), config.bands, config.rows)
    assert large.rows_sharing(bands=bands).tolist() == [30_002]

    against_small, against_large = Deduplicator(index=small).run(batch), Deduplicator(index=large).run(batch)
    assert against_large.removed == against_small.removed and len(against_large.removed) == 2
    assert against_large.clusters == against_small.clusters
    assert kept_sources(against_large) == kept_sources(against_small) == ["2024/a0.txt", "2025/new.txt"]
    assert against_large.added.ids == [new.id]  # a0 met again is the index's own entry
    assert len(against_large.index) == 60_004


def test_index_with_other_signature_parameters_is_refused(tmp_path) -> None:  # noqa: ANN001
    store = LocalStore(tmp_path)
    Deduplicator().run([doc(make_text(90), "a.txt")]).index.save(store, "idx.npz")
    index = NearDupIndex.load(store, "idx.npz")
    with pytest.raises(ValueError, match="rebuild"):
        Deduplicator(DedupConfig(advanced={"num_perm": 64}), index)
    rebanded = Deduplicator(DedupConfig(threshold=0.6), index).index  # same signatures, new banding
    assert rebanded.bands.shape == (1, DedupConfig(threshold=0.6).bands)


def test_threshold_is_configurable() -> None:
    base = make_text(100)
    edited = edit(base, list(range(10, 300, 29)))  # ten edits, 29 words apart
    similarity = jaccard(base, edited)
    assert 0.65 < similarity < 0.75
    docs = [doc(base, "base.txt"), doc(edited, "edited.txt")]

    assert kept_sources(Deduplicator(DedupConfig(threshold=0.8)).run(docs)) == ["base.txt", "edited.txt"]
    loose = Deduplicator(DedupConfig(threshold=0.6)).run(docs)
    assert kept_sources(loose) == ["edited.txt"]
    assert loose.removed == [DuplicateOf(docs[0].id, "base.txt", "near", docs[1].id, round(similarity, 4))]


def test_verification_rejects_false_candidates() -> None:
    shared = make_text(110, 120)
    a, b = shared + " " + make_text(111, 180), shared + " " + make_text(112, 180)
    assert 0.2 < jaccard(a, b) < 0.4
    docs = [doc(a, "a.txt"), doc(b, "b.txt")]
    # One row per band: any single agreeing slot makes a candidate, as this pair's signatures do.
    config = DedupConfig(advanced=DedupAdvanced(bands=128, rows=1))
    bands = band_hashes(compute_signatures([a, b], config), 128, 1)
    assert (bands[0] == bands[1]).any()
    for verify in ("exact", "signature"):
        result = Deduplicator(config.model_copy(update={"verify": verify})).run(docs)
        assert (kept_sources(result), result.removed) == (["a.txt", "b.txt"], [])

    # A simulated collision: identical signatures for different texts. Exact verification sees
    # through it; signature-only verification is fooled, which is why "exact" is the default.
    sigs = np.repeat(compute_signatures([a], config), 2, axis=0)
    assert kept_sources(Deduplicator(config).run(docs, signatures=sigs)) == ["a.txt", "b.txt"]
    fooled = Deduplicator(DedupConfig(advanced={"verify": "signature"})).run(docs, signatures=sigs)
    assert len(fooled.removed) == 1


def test_signatures_computed_per_shard_match_and_are_validated() -> None:
    docs = [doc(make_text(120 + i, 50 + 40 * i), f"s{i}.txt") for i in range(6)]
    docs.append(doc(edit(docs[5].text, [7]), "s5-edit.txt"))
    docs.append(doc("Too short.", "short.txt"))
    dedup = Deduplicator()
    whole = dedup.signatures(docs)
    shards = np.concatenate([dedup.signatures(docs[:3]), dedup.signatures(docs[3:])])
    np.testing.assert_array_equal(whole, shards)
    assert (whole.dtype, whole.shape) == (np.uint32, (8, 128))
    assert kept_sources(dedup.run(docs, signatures=shards)) == kept_sources(dedup.run(docs))
    with pytest.raises(ValueError, match="shape"):
        dedup.run(docs, signatures=whole[:5])


def test_empty_and_short_texts() -> None:
    empty = [doc("", "empty1.txt"), doc(" \n ", "empty2.txt")]
    hi = [doc("Hi there", "hi.txt"), doc("hi there!", "hi2.txt")]
    docs = [*empty, *hi, doc("Hi where", "hi3.txt")]  # under 5 words: one whole-text shingle
    result = Deduplicator().run(docs)
    kept_empty, kept_hi = min(empty, key=lambda d: d.id), min(hi, key=lambda d: d.id)
    assert kept_sources(result) == [kept_empty.source, kept_hi.source, "hi3.txt"]
    assert {(r.source, r.kind, r.survivor_id) for r in result.removed} == {
        (next(d.source for d in empty if d is not kept_empty), "exact", kept_empty.id),
        (next(d.source for d in hi if d is not kept_hi), "exact", kept_hi.id),
    }


# ---------------------------------------------------------------- persisted index across runs


class _RacingStore(LocalStore):
    """A real local store whose index writes wait until both runs reach them: each run has loaded
    the index before either writes, the interleaving that loses entries under load-modify-save."""

    def __init__(self, root, barrier: threading.Barrier) -> None:  # noqa: ANN001
        super().__init__(root)
        self.barrier = barrier

    def put_bytes(self, key: str, data: bytes) -> str:
        if "/prep/dedup/index/" in key and key.endswith(".json"):  # a part's manifest: the write that counts
            self.barrier.wait(timeout=60)
        return super().put_bytes(key, data)


def _scanned(store, prefix: str, name: str, docs: list[Document]) -> StageManifest:  # noqa: ANN001
    key = f"{prefix}/prep/pii/{name}.docs.jsonl"
    write_jsonl(store, key, docs)
    return StageManifest(stage="pii", prefix=prefix, outputs=[key], n_in=len(docs), n_out=len(docs))


def test_concurrent_runs_keep_both_runs_survivors(tmp_path) -> None:  # noqa: ANN001
    prefix, config = "acme/handbook", DataPrepConfig()
    store = _RacingStore(tmp_path, threading.Barrier(2))
    runs = {
        name: [doc(make_text(seed + i), f"{name}/{i}.txt") for i in range(40)]
        for name, seed in [("a", 1000), ("b", 2000)]
    }
    scanned = {name: _scanned(store, prefix, name, docs) for name, docs in runs.items()}
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(deduplicate, store, [m], config) for m in scanned.values()]
        outs = [f.result(timeout=120) for f in futures]
    assert [m.n_out for m in outs] == [40, 40]

    parts = IndexStore(store, f"{prefix}/prep/dedup")
    index = parts.load(config.dedup)
    assert sorted(index.ids) == sorted(d.id for docs in runs.values() for d in docs)  # all 80, none lost
    assert len(parts.part_keys()) == 2

    # A third run sees copies (exact and edited) of both earlier runs' documents as duplicates.
    store.barrier = threading.Barrier(1)
    a, b = runs["a"], runs["b"]
    copies = [doc(a[3].text, "c/a3-copy.txt"), doc(edit(b[5].text, [40, 150]), "c/b5-edited.txt")]
    new = doc(make_text(3000), "c/new.txt")
    third = deduplicate(store, [_scanned(store, prefix, "c", [*copies, new])], config)
    assert (third.n_out, third.dropped_by_reason) == (1, {"exact_duplicate": 1, "near_duplicate": 1})
    removed = list(read_jsonl(store, third.extra["removed_keys"][0]))
    assert sorted((r["source"], r["survivor_id"]) for r in removed) == [
        ("c/a3-copy.txt", a[3].id),
        ("c/b5-edited.txt", b[5].id),
    ]
    assert len(parts.load(config.dedup)) == 81 and len(parts.part_keys()) == 3


def test_pii_shard_tasks_compute_the_signatures_dedup_reads(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    prefix, config, store = "acme/handbook", DataPrepConfig(), LocalStore(tmp_path)
    docs = [doc(make_text(4000 + i), f"s/{i}.txt") for i in range(6)] + [doc(make_text(4000), "s/copy.txt")]
    shards = [scan_pii(store, _scanned(store, prefix, f"in{k}", docs[k::2]), config) for k in range(2)]
    for shard in shards:
        [key] = shard.signatures
        assert key.endswith(f".minhash-{signature_id(config.dedup)}.npy")
        stored = np.load(io.BytesIO(store.get_bytes(key)))
        np.testing.assert_array_equal(
            stored, compute_signatures([d.text for d in read_docs(store, shard.outputs)], config.dedup)
        )

    def computed_again(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("dedup computed signatures the shard tasks had written")

    monkeypatch.setattr("loraforge.dedup.index.compute_signatures", computed_again)
    # under other signature parameters the shards' signatures do not fit: dedup would compute its own
    reseeded = DataPrepConfig(dedup=DedupConfig(advanced=DedupAdvanced(seed=7)))
    with pytest.raises(AssertionError, match="computed signatures"):
        deduplicate(store, shards, reseeded)
    out = deduplicate(store, shards, config)
    assert (out.n_out, out.dropped_by_reason) == (6, {"exact_duplicate": 1})


def test_concurrent_runs_on_s3(s3_server) -> None:  # noqa: ANN001
    store = S3Store(s3_server.endpoint, s3_server.bucket, *s3_server.admin, prefix=f"tests/dedup-{uuid.uuid4().hex}")
    prefix, config = "acme/handbook", DataPrepConfig()
    runs = [[doc(make_text(seed + i), f"{seed}/{i}.txt") for i in range(20)] for seed in (4000, 5000)]
    scanned = [_scanned(store, prefix, str(k), docs) for k, docs in enumerate(runs)]
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda m: deduplicate(store, [m], config), scanned))
    assert [m.n_out for m in outs] == [20, 20]
    index = IndexStore(store, f"{prefix}/prep/dedup").load(config.dedup)
    assert sorted(index.ids) == sorted(d.id for docs in runs for d in docs)


def test_legacy_single_index_with_flat_config_is_read_as_a_part(tmp_path) -> None:  # noqa: ANN001
    store, folder = LocalStore(tmp_path), "acme/handbook/prep/dedup"
    old = Deduplicator().run([doc(make_text(6000 + i), f"old/{i}.txt") for i in range(3)]).index
    flat = {"threshold": 0.8, "shingle_size": 5, **old.config.advanced.model_dump()}  # earlier releases' meta
    buf = io.BytesIO()
    meta = json.dumps({"scheme": SIGNATURE_SCHEME, "config": flat})
    arrays = {f: getattr(old, f) for f in ("exact", "lengths", "signatures", "bands")}
    np.savez(buf, meta=np.array(meta), ids=np.array(old.ids), sources=np.array(old.sources), **arrays)
    store.put_bytes(f"{folder}/index.npz", buf.getvalue())

    parts = IndexStore(store, folder)
    assert NearDupIndex.load(store, f"{folder}/index.npz").config == DedupConfig()
    copy = doc(make_text(6001), "new/copy.txt")
    result = Deduplicator(index=parts.load(DedupConfig())).run([copy, doc(make_text(6100), "new/0.txt")])
    assert kept_sources(result) == ["new/0.txt"] and result.removed[0].survivor_id == old.ids[1]
    assert result.added.ids == [result.kept[0].id]
    key = parts.append(result.added)
    assert parts.append(result.added) == key  # the same survivors again: the same part, once
    assert parts.part_keys() == [f"{folder}/index.npz", key]
    assert parts.load(DedupConfig()).ids == [*old.ids, result.kept[0].id]
    assert store.exists(f"{folder}/index.npz")  # never rewritten
