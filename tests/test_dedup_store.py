"""The persisted dedup index read by LSH bucket: same results as in memory, only matched blocks read."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from test_dedup import doc, edit, kept_sources, make_text, unrelated_entries

from loraforge.dedup import DedupConfig, Deduplicator, IndexStore, NearDupIndex
from loraforge.dedup.minhash import SIGNATURE_SCHEME
from loraforge.records import Document
from loraforge.storage import LocalStore

FOLDER = "acme/handbook/prep/dedup"


class _ReadLog(LocalStore):
    """A real local store that records the keys read."""

    def __init__(self, root) -> None:  # noqa: ANN001
        super().__init__(root)
        self.reads: list[str] = []

    def get_bytes(self, key: str) -> bytes:
        self.reads.append(key)
        return super().get_bytes(key)


def outcome(result) -> tuple:  # noqa: ANN001
    return kept_sources(result), result.removed, result.clusters, result.added.ids, result.added.sources


def three_real(seed: int) -> tuple[list[Document], NearDupIndex]:
    corpus = [doc(make_text(seed + i), f"2024/a{i}.txt") for i in range(3)]
    return corpus, Deduplicator().run(corpus).added


def batch_against(corpus: list[Document], seed: int) -> list[Document]:
    """A copy of a1 (exact), an edited a2 (near), a0 met again (a rerun) and a new document."""
    copy = doc(corpus[1].text.replace(" ", "\r\n", 30), "2025/a1-resaved.txt")
    near = doc(edit(corpus[2].text, [60, 200]) + " Appendix follows", "2025/a2-v2.txt")
    return [copy, near, doc(corpus[0].text, "2024/a0.txt"), doc(make_text(seed + 100), "2025/new.txt")]


@pytest.mark.parametrize("readers", [1, 4])  # 4: key files and blocks read by threads, as from S3
def test_a_padded_store_gives_the_result_of_the_three_real_entries_reading_only_their_block(tmp_path, readers) -> None:  # noqa: ANN001
    config, store = DedupConfig(), _ReadLog(tmp_path)
    corpus, real = three_real(7000)
    batch = batch_against(corpus, 7000)
    parts = IndexStore(store, FOLDER, block_rows=4096, readers=readers)
    keys = [parts.append(unrelated_entries(config, 12_000, 1))]
    # the real entries sit at rows 5000-5002 of a 10,003-row part: in its second block of 4,096 rows
    keys.append(
        parts.append(
            NearDupIndex.concat(config, [unrelated_entries(config, 5000, 2), real, unrelated_entries(config, 5000, 3)])
        )
    )
    keys.append(parts.append(unrelated_entries(config, 9000, 4)))
    assert parts.part_keys() == sorted(keys)

    expected = Deduplicator(index=real).run(batch)
    assert kept_sources(expected) == ["2024/a0.txt", "2025/new.txt"] and len(expected.removed) == 2
    store.reads.clear()
    got, reads = Deduplicator(config, index=parts).run(batch), list(store.reads)
    assert outcome(got) == outcome(expected)
    assert outcome(Deduplicator(config, index=parts.load(config)).run(batch)) == outcome(expected)

    manifest = json.loads((tmp_path / keys[1]).read_text())
    assert (manifest["layout"], manifest["rows"], manifest["block_rows"]) == ("bucketed-v1", 10_003, 4096)
    middle = f"{FOLDER}/index-data/{keys[1].rsplit('/', 1)[1].removesuffix('.json')}"
    blocks = sorted(k for k in reads if "/blocks/" in k)
    # only the block holding a0, a1, a2: once for the exact matches (their digests confirmed), once for a2
    assert blocks == [f"{middle}/blocks/00001.npz"] * 2
    key_files = [k for k in reads if "/keys/" in k]
    assert len(key_files) == len(set(key_files)) == 3 * (2 + config.bands)  # exact, id, bands of every part
    assert not [k for k in reads if k.endswith(".npz") and "/blocks/" not in k]


def test_a_run_with_nothing_to_match_reads_no_block(tmp_path) -> None:  # noqa: ANN001
    config, store = DedupConfig(), _ReadLog(tmp_path)
    parts = IndexStore(store, FOLDER, block_rows=4096)
    parts.append(unrelated_entries(config, 10_000, 5))
    store.reads.clear()
    new = [doc(make_text(7500 + i), f"n/{i}.txt") for i in range(5)]
    result = Deduplicator(config, index=parts).run(new)
    assert (len(result.kept), result.added.ids) == (5, [d.id for d in new])
    assert [k for k in store.reads if "/blocks/" in k] == []


def test_earlier_layouts_are_read_with_bucketed_parts_in_the_same_order(tmp_path) -> None:  # noqa: ANN001
    config, store = DedupConfig(), LocalStore(tmp_path)
    corpus, real = three_real(7100)
    parts = IndexStore(store, FOLDER)
    real.rows(np.array([0])).save(store, f"{FOLDER}/index.npz")  # the single index of early releases
    old_part = NearDupIndex.concat(config, [unrelated_entries(config, 2000, 6), real.rows(np.array([1]))])
    old_key = f"{FOLDER}/index/{old_part.content_id()}.npz"  # one .npz part per run, the previous release
    old_part.save(store, old_key)
    new_key = parts.append(NearDupIndex.concat(config, [real.rows(np.array([2])), unrelated_entries(config, 3000, 7)]))
    assert parts.part_keys() == [f"{FOLDER}/index.npz", *sorted([old_key, new_key])]

    batch = batch_against(corpus, 7100)
    whole = parts.load(config)
    assert len(whole) == 5003 and sorted(set(whole.ids) & set(real.ids)) == sorted(real.ids)
    expected = Deduplicator(index=real).run(batch)
    got = Deduplicator(index=parts).run(batch)
    assert outcome(got) == outcome(expected)
    assert outcome(Deduplicator(index=whole).run(batch)) == outcome(expected)
    assert got.index.ids == [*whole.ids, batch[3].id]  # the earlier parts in memory, then the new survivor


def test_a_part_without_its_manifest_is_not_read(tmp_path) -> None:  # noqa: ANN001
    config, corpus, real = DedupConfig(), *three_real(7200)

    class _CrashBeforeManifest(LocalStore):
        def put_bytes(self, key: str, data: bytes) -> str:
            if key.endswith(".json"):
                raise OSError("writer killed")
            return super().put_bytes(key, data)

    with pytest.raises(OSError, match="killed"):
        IndexStore(_CrashBeforeManifest(tmp_path), FOLDER).append(real)
    store = LocalStore(tmp_path)
    parts = IndexStore(store, FOLDER)
    assert store.list(f"{FOLDER}/index-data") and parts.part_keys() == []  # files there, no part
    copy = doc(corpus[0].text, "2025/a0-copy.txt")
    assert kept_sources(Deduplicator(config, index=parts).run([copy])) == ["2025/a0-copy.txt"]

    key = parts.append(real)  # the same part again completes it
    assert parts.part_keys() == [key]
    result = Deduplicator(config, index=parts).run([copy])
    assert (result.kept, [r.survivor_id for r in result.removed]) == ([], [corpus[0].id])


def test_a_part_banded_otherwise_is_rebanded_from_its_signatures(tmp_path) -> None:  # noqa: ANN001
    store = _ReadLog(tmp_path)
    corpus, real = three_real(7300)
    parts = IndexStore(store, FOLDER, block_rows=1024)
    parts.append(NearDupIndex.concat(DedupConfig(), [unrelated_entries(DedupConfig(), 3000, 8), real]))
    loose = DedupConfig(threshold=0.6)
    assert (loose.bands, loose.rows) != (DedupConfig().bands, DedupConfig().rows)
    batch = batch_against(corpus, 7300)
    store.reads.clear()
    got = Deduplicator(loose, index=parts).run(batch)
    assert outcome(got) == outcome(Deduplicator(loose, index=real).run(batch))
    assert not [k for k in store.reads if "/keys/band-" in k]  # the stored bands are of another banding
    assert len({k for k in store.reads if "/blocks/" in k}) == 3  # 3,003 rows in blocks of 1,024, each once

    with pytest.raises(ValueError, match="rebuild"):
        Deduplicator(DedupConfig(advanced={"num_perm": 64}), index=parts)


def test_a_known_id_with_another_text_is_not_added_again(tmp_path) -> None:  # noqa: ANN001
    """Ids hash the ingested text, digests the redacted one: after a PII settings change the same id can
    come back with another text. The id files find it, as a search of every id in memory does."""
    config, store = DedupConfig(), LocalStore(tmp_path)
    corpus, real = three_real(7400)
    parts = IndexStore(store, FOLDER)
    parts.append(NearDupIndex.concat(config, [unrelated_entries(config, 2000, 9), real]))
    other_text = make_text(7450)
    same_id = Document(corpus[1].id, "2024/a1.txt", "txt", doc(other_text, "x").elements, "")
    expected = Deduplicator(index=real).run([same_id])
    assert (kept_sources(expected), expected.added.ids) == (["2024/a1.txt"], [])
    assert outcome(Deduplicator(config, index=parts).run([same_id])) == outcome(expected)


def test_a_part_of_another_scheme_is_refused(tmp_path) -> None:  # noqa: ANN001
    store = LocalStore(tmp_path)
    parts = IndexStore(store, FOLDER)
    key = parts.append(three_real(7500)[1])
    manifest = json.loads(store.get_bytes(key)) | {"scheme": "rensa-rminhash-v0/other"}
    store.put_bytes(key, json.dumps(manifest).encode())
    assert SIGNATURE_SCHEME != manifest["scheme"]
    with pytest.raises(ValueError, match="rebuild"):
        parts.for_config(DedupConfig())


def test_block_files_hold_compact_names(tmp_path) -> None:  # noqa: ANN001
    store = LocalStore(tmp_path)
    _, real = three_real(7600)
    key = IndexStore(store, FOLDER).append(real)
    data = f"{FOLDER}/index-data/{real.content_id()}"
    assert key == f"{FOLDER}/index/{real.content_id()}.json"
    with np.load(io.BytesIO(store.get_bytes(f"{data}/blocks/00000.npz"))) as z:
        assert z["ids"].tobytes().decode() == "".join(real.ids)
        assert z["sources"].tobytes().decode() == "2024/a0.txt2024/a1.txt2024/a2.txt"
        assert z["source_offsets"].tolist() == [0, 11, 22, 33]
        np.testing.assert_array_equal(z["signatures"], real.signatures)
