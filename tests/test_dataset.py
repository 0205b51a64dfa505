"""Dataset build: chunking, example kinds, quality drops, leak-free stable split, saved outputs."""

from __future__ import annotations

import json

from datasets import load_from_disk

from loraforge.dataset.build import DatasetConfig, build_examples, save_dataset
from loraforge.dataset.chunk import approx_tokens, chunk_document
from loraforge.dataset.examples import OUT_OF_SCOPE_QUESTIONS
from loraforge.dataset.quality import QualityConfig, drop_reason
from loraforge.dataset.split import assign_splits
from loraforge.records import Document, Element, Example

FEE_TEXT = (
    "Our advisory fee is one percent of assets under management for the first million dollars, and it is "
    "billed quarterly in arrears from the custodial account."
)
MIN_TEXT = "The minimum account size for managed portfolios is fifty thousand dollars, waived for employees."


def doc(doc_id: str, elements: list[Element], doc_type: str = "md", source: str | None = None) -> Document:
    return Document(id=doc_id, source=source or f"kb/{doc_id}.md", doc_type=doc_type, elements=elements, sha256="0")


def fee_doc(doc_id: str = "fees") -> Document:
    return doc(
        doc_id,
        [
            Element("title", "Fee Schedule", 1),
            Element("text", "This schedule applies to every client of the firm from January onwards this year."),
            Element("title", "Advisory fees", 2),
            Element("text", FEE_TEXT),
            Element("title", "Account minimums", 2),
            Element("text", MIN_TEXT),
            Element("table", "Tier | Fee\n0 - 1,000,000 | 1.00%\n1,000,000 - 5,000,000 | 0.80%\nabove | 0.60%"),
        ],
    )


def chat(doc_id: str, turns: list[tuple[str, str]]) -> Document:
    return doc(doc_id, [Element("turn", t, meta={"role": r}) for r, t in turns], doc_type="conversation")


def test_chunks_follow_sections_and_keep_tables_whole():
    chunks = chunk_document(fee_doc())
    assert [(c.headings, c.text) for c in chunks] == [
        (["Fee Schedule"], "This schedule applies to every client of the firm from January onwards this year."),
        (["Fee Schedule", "Advisory fees"], FEE_TEXT),
        (["Fee Schedule", "Account minimums"], MIN_TEXT),
        (["Fee Schedule", "Account minimums"], fee_doc().elements[-1].text),
    ]
    assert [c.is_table for c in chunks] == [False, False, False, True]


def test_long_section_is_split_under_the_token_bound():
    sentence = "Clients may rebalance their portfolio once per quarter without any additional charge. "
    long_doc = doc("long", [Element("title", "Rebalancing", 1), Element("text", sentence * 40)])
    chunks = chunk_document(long_doc, max_tokens=64)
    assert len(chunks) == 10  # 40 sentences of 13 tokens: four fit in 64
    assert all(approx_tokens(c.text) <= 64 for c in chunks)
    assert " ".join(c.text for c in chunks) == (sentence * 40).strip()


def test_examples_by_kind_with_exact_messages():
    result = build_examples(
        [
            fee_doc(),
            chat(
                "c1",
                [
                    ("system", "Be brief."),
                    ("user", "Hi"),
                    ("assistant", "Hello!"),
                    ("user", "Fees?"),
                    ("assistant", "One percent of assets."),
                ],
            ),
        ],
        DatasetConfig(scope="Harborview", min_refusals=2, split_ratios=(1.0, 0.0, 0.0)),
    )
    by_kind: dict[str, list[Example]] = {}
    for ex in result.examples:
        by_kind.setdefault(ex.kind, []).append(ex)
    assert sorted((k, len(v)) for k, v in by_kind.items()) == [
        ("conversation", 2),
        ("instruction", 3),
        ("refusal", 2),
        ("structured", 1),
    ]
    convo = sorted(by_kind["conversation"], key=lambda e: len(e.messages))
    assert [m["content"] for m in convo[0].messages] == ["Be brief.", "Hi", "Hello!"]
    assert [m["content"] for m in convo[1].messages] == ["Be brief.", "Hi", "Hello!", "Fees?", "One percent of assets."]
    advisory = next(e for e in by_kind["instruction"] if e.messages[2]["content"] == FEE_TEXT)
    assert advisory.messages[0]["content"].startswith("You are the knowledge assistant of Harborview.")
    assert advisory.messages[1]["content"] in {
        "What does the Fee Schedule say about Advisory fees?",
        "Can you explain Advisory fees as described in the Fee Schedule?",
        "Tell me about Advisory fees.",
    }
    assert (
        by_kind["structured"][0].messages[1]["content"]
        == "Show me the table on Account minimums from the Fee Schedule."
    )
    for ex in by_kind["refusal"]:
        assert ex.messages[1]["content"] in OUT_OF_SCOPE_QUESTIONS
        assert ex.messages[2]["content"].startswith("I'm sorry, but I can't help with that.")
        assert "Harborview" in ex.messages[2]["content"]


def test_quality_filters_give_exact_reasons():
    config = QualityConfig()
    assert drop_reason("Too short to teach.", config) == "too_short"
    assert drop_reason("%%%% $$$$ #### @@@@ !!!! ^^^^ &&&& **** (((( )))) word " * 3 + "a b c d e f g h", config) == (
        "symbol_ratio"
    )
    assert drop_reason("lorem ipsum dolor sit amet consectetur adipiscing elit sed eiusmod " * 3, config) == (
        "not_language"
    )
    assert drop_reason("the fee is the fee " * 20, config) == "repetitive"
    assert drop_reason("word " * 3000, QualityConfig(min_unique_word_ratio=0)) == "too_long"
    assert drop_reason(FEE_TEXT, config) is None
    assert drop_reason("Tier | Fee\n1 | 2\n3 | 4\n5 | 6", config, structured=True) is None


def test_build_drops_with_reasons_and_never_silently():
    junk = doc(
        "junk",
        [
            Element("title", "Scan", 1),
            Element(
                "text",
                "@@ ## $$ %% ^^ && ** (( )) !! ~~ " * 5 + "scanned page header footer noise remains here today ok",
            ),
        ],
    )
    result = build_examples([fee_doc(), junk], DatasetConfig(min_refusals=0))
    assert [(d["source_ids"], d["reason"]) for d in result.dropped] == [(["junk"], "symbol_ratio")]
    assert sum(ex.kind != "refusal" for ex in result.examples) + len(result.dropped) == result.stats["n_candidates"]


def test_split_keeps_groups_together_and_is_stable():
    docs = [fee_doc(f"doc{i:02d}") for i in range(30)]
    first = build_examples(docs, DatasetConfig())
    second = build_examples(list(reversed(docs)), DatasetConfig())
    assert [(e.id, e.split) for e in first.examples] == [(e.id, e.split) for e in second.examples]
    assert first.version == second.version
    side_of_doc: dict[str, set[str]] = {}
    for ex in first.examples:
        for source in ex.source_ids:
            side_of_doc.setdefault(source, set()).add(ex.split)
    assert all(len(sides) == 1 for sides in side_of_doc.values())  # no document on two sides
    assert {ex.split for ex in first.examples} == {"train", "validation", "test"}


def test_split_groups_merge_clusters_and_fill_empty_sides():
    examples = [
        Example([{"role": "user", "content": str(i)}], "instruction", [f"d{i}"], group=f"g{i % 3}") for i in range(9)
    ]
    assign_splits(examples, (0.8, 0.1, 0.1), salt="s")
    sides = {g: {e.split for e in examples if e.group == g} for g in ("g0", "g1", "g2")}
    assert all(len(s) == 1 for s in sides.values())
    assert sorted(next(iter(s)) for s in sides.values()) == ["test", "train", "validation"]


def test_cluster_groups_from_dedup_keep_related_docs_on_one_side():
    docs = [fee_doc(f"doc{i:02d}") for i in range(20)]
    groups = {f"doc{i:02d}": "doc00" for i in range(20)}  # one cluster
    result = build_examples(docs, DatasetConfig(min_refusals=0), groups=groups)
    assert len({ex.split for ex in result.examples}) == 1


def test_saved_dataset_loads_and_card_counts_match(tmp_path):
    result = build_examples(
        [fee_doc(f"doc{i}") for i in range(12)] + [chat("c1", [("user", "Hi"), ("assistant", "Hello there!")])]
    )
    card = save_dataset(result, tmp_path, {"pii_by_entity": {"PERSON": 3}, "dedup": {"exact_duplicate": 1}})
    loaded = load_from_disk(str(tmp_path / "hf"))
    assert {name: loaded[name].num_rows for name in loaded} == {
        name: len(result.split(name)) for name in ("train", "validation", "test")
    }
    assert loaded["train"][0]["messages"][0]["role"] in {"system", "user"}
    for name in ("train", "validation", "test"):
        rows = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        assert [r["id"] for r in rows] == loaded[name]["id"]
        assert sum(card["counts"][name].values()) == len(rows)
    assert sum(card["token_histogram"].values()) == len(result.examples)
    assert card["version"] == result.version and result.version.startswith("ds-")
    readme = (tmp_path / "README.md").read_text()
    assert "| PERSON | 3 |" in readme and "| exact_duplicate | 1 |" in readme


def test_questions_read_naturally_for_phrase_headings():
    guide = doc(
        "roth",
        [
            Element("title", "Roth Conversion Guide", 1),
            Element("title", "When a conversion makes sense", 2),
            Element("text", "A conversion pays off when the tax rate you pay today is lower than the rate later."),
            Element("title", "FAQ", 2),
            Element("title", "Can I undo a conversion?", 3),
            Element("text", "No. Since 2018 a Roth conversion can no longer be recharacterized or reversed."),
        ],
    )
    result = build_examples([guide], DatasetConfig(min_refusals=0))
    assert sorted(ex.messages[1]["content"] for ex in result.examples) == [
        "Can I undo a conversion?",
        "What does the Roth Conversion Guide say about when a conversion makes sense?",
    ]


def test_empty_split_still_saves_and_loads(tmp_path):
    result = build_examples([fee_doc()], DatasetConfig(min_refusals=0, split_ratios=(1.0, 0.0, 0.0)))
    assert {ex.split for ex in result.examples} == {"train"}
    card = save_dataset(result, tmp_path)
    loaded = load_from_disk(str(tmp_path / "hf"))
    assert list(loaded) == ["train"] and loaded["train"].num_rows == len(result.examples)
    assert (tmp_path / "test.jsonl").read_text() == "" and card["counts"]["test"] == {}


def test_the_card_records_the_system_prompt_of_the_examples(tmp_path):
    config = DatasetConfig(scope="Acme Advisors")
    result = build_examples([fee_doc(f"doc{i}") for i in range(4)], config)
    card = save_dataset(result, tmp_path)
    prompts = {ex.messages[0]["content"] for ex in result.examples if ex.messages[0]["role"] == "system"}
    assert prompts == {card["system_prompt"]} and "Acme Advisors" in card["system_prompt"]
    assert card["system_prompt"] in (tmp_path / "README.md").read_text()
