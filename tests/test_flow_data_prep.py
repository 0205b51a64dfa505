"""The data-prep flow on the sample corpus, on a real (temporary) Prefect server."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path

import pytest
from datasets import load_from_disk
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.data_prep import data_prep
from loraforge.target import Target

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

CORPUS = json.loads((EXAMPLES / "corpus_manifest.json").read_text())
TOTALS = CORPUS["totals"]
# Values with a fixed shape (regex + checksum recognizers): none of them may survive the PII stage.
STRUCTURED_PII = ("EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE")


@pytest.fixture(scope="module")
def first_run(prefect_server, tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    handler = _Capture()
    logging.getLogger().addHandler(handler)
    try:
        state = data_prep(source=str(EXAMPLES / "docs"), target=_target(store), return_state=True)
    finally:
        logging.getLogger().removeHandler(handler)
    return store, state, handler.lines


def _target(store: Path) -> Target:
    return Target(tenant="acme", project="advisory", store=str(store))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_manifest_counts_match_the_planted_corpus(first_run):
    _, state, _ = first_run
    manifest = state.result()
    assert manifest.n_files == TOTALS["files"] == 40
    assert manifest.n_documents == TOTALS["documents_ingested"] == 75
    assert manifest.quarantined_by_reason == TOTALS["files_quarantined"]
    assert manifest.dedup == {
        "in": 75,
        "kept": TOTALS["documents_after_dedup"],
        "exact_duplicate": TOTALS["exact_duplicates_dropped"],
        "near_duplicate": TOTALS["near_duplicates_dropped"],
    }
    for entity in STRUCTURED_PII:
        # every planted value found; dedup runs after PII, so duplicated files count twice here too
        assert manifest.pii_by_entity[entity] >= TOTALS["pii_in_ingested_documents"][entity], entity
    assert manifest.version.startswith("ds-")
    assert set(manifest.examples) == {"train", "validation", "test"}
    kinds = {k for split in manifest.examples.values() for k in split}
    assert kinds == {"conversation", "instruction", "refusal", "structured"}
    assert all(sum(split.values()) > 0 for split in manifest.examples.values())


def test_dataset_on_disk_is_loadable_and_leak_free(first_run):
    _, state, _ = first_run
    manifest = state.result()
    root = Path(manifest.dataset_uri.removeprefix("file://"))
    assert root.parts[-3:] == ("advisory", "datasets", manifest.version)
    dsd = load_from_disk(str(root / "hf"))
    assert {name: dsd[name].num_rows for name in dsd} == {
        name: sum(manifest.examples[name].values()) for name in ("train", "validation", "test")
    }
    sources = {name: {s for row in dsd[name]["source_ids"] for s in row} for name in dsd}
    assert not sources["train"] & sources["validation"]
    assert not sources["train"] & sources["test"]
    assert not sources["validation"] & sources["test"]
    card = json.loads((root / "card.json").read_text())
    assert card["version"] == manifest.version
    assert card["quarantined_by_reason"] == TOTALS["files_quarantined"]


def test_no_planted_pii_value_in_outputs_or_logs(first_run):
    store, _, log_lines = first_run
    values = [v for values in CORPUS["pii_classes"].values() for v in values]  # names and addresses too
    assert len(values) >= 80
    logs = "\n".join(log_lines)
    outputs = {p: p.read_bytes().decode("utf-8", "replace") for p in store.rglob("*") if p.is_file()}
    assert outputs and log_lines
    # The ingest shards hold raw text by design (they are the PII stage's input); everything after
    # the PII stage -- PII shards, dedup shards, the dataset, its card -- must be clean.
    after_pii = {p: text for p, text in outputs.items() if "/prep/ingest/" not in p.as_posix()}
    assert any("/datasets/" in p.as_posix() for p in after_pii)
    for value in values:
        assert value not in logs
        for path, text in after_pii.items():
            assert value not in text, f"a planted {path.suffix} value leaked into {path.name}"


def test_ui_artifacts_published(first_run):
    _, state, _ = first_run

    async def read():
        async with get_client() as client:
            flow_run = await client.read_flow_run(state.state_details.flow_run_id)
            artifacts = await client.read_artifacts(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
            )
            return {a.key: a for a in artifacts}

    artifacts = asyncio.run(read())
    assert set(artifacts) == {
        "data-prep-acme-advisory",
        "data-prep-acme-advisory-stages",
        "data-prep-acme-advisory-quarantine",
        "data-prep-acme-advisory-pii",
        "data-prep-acme-advisory-pii-recognizers",
        "data-prep-acme-advisory-progress",
    }
    assert all(a.description for a in artifacts.values())  # each says what it is
    stages = json.loads(artifacts["data-prep-acme-advisory-stages"].data)
    assert "-" not in {row["dropped"] for row in stages}  # nothing dropped is "—", not a Markdown bullet
    pii = json.loads(artifacts["data-prep-acme-advisory-pii"].data)
    assert {row["entity"]: row["findings"] for row in pii} == state.result().pii_by_entity
    assert [row["findings"] for row in pii] == sorted((row["findings"] for row in pii), reverse=True)
    by_recognizer = json.loads(artifacts["data-prep-acme-advisory-pii-recognizers"].data)
    assert {row["recognizer"]: row["findings"] for row in by_recognizer} == state.result().pii_by_recognizer
    assert {"LabelledFieldRecognizer", "SpacyRecognizer", "EmailRecognizer"} <= set(state.result().pii_by_recognizer)
    summary = artifacts["data-prep-acme-advisory"].data
    assert (
        f"| ingest | {TOTALS['files']} | {TOTALS['documents_ingested']} |" in summary
        and "- exact_duplicate: 2" in summary
    )
    quarantine = json.loads(artifacts["data-prep-acme-advisory-quarantine"].data)
    assert sorted((row["source"], row["reason"]) for row in quarantine) == sorted(
        (f["path"], f["reason"]) for f in CORPUS["files"] if f["outcome"] == "quarantined"
    )


def test_unchanged_rerun_is_served_from_cache(first_run):
    store, first_state, _ = first_run
    state = data_prep(source=str(EXAMPLES / "docs"), target=_target(store), return_state=True)
    assert state.result().version == first_state.result().version

    async def task_states():
        # The server records task-run states from events, asynchronously: on a loaded machine the last
        # task's final state can land after the flow returns, so wait (bounded) until every run is final.
        async with get_client() as client:
            for _ in range(60):
                runs = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
                )
                if runs and all(r.state and r.state.is_final() for r in runs):
                    break
                await asyncio.sleep(0.5)
            return {(r.task_key.rsplit("-", 1)[0], r.state.name) for r in runs}

    states = asyncio.run(task_states())
    cached_stages = {name for name, state_name in states if state_name == "Cached"}
    assert {"ingest_shard", "scan_pii", "deduplicate", "build_dataset"} <= cached_stages


def test_a_wiped_store_is_never_answered_from_the_cache(prefect_server, tmp_path):
    """The cache lives in Prefect, the outputs in the store: wiping the store (rm -rf .loraforge) must
    re-run the stages, not return cached manifests that point at deleted keys."""
    docs = tmp_path / "docs"
    shutil.copytree(EXAMPLES / "docs", docs, ignore=shutil.ignore_patterns("*.pdf", "*.docx", "*.png"))
    store = tmp_path / "store"
    first = data_prep(source=str(docs), target=_target(store))
    shutil.rmtree(store)
    again = data_prep(source=str(docs), target=_target(store))  # raised FileNotFoundError before
    assert again.version == first.version
    assert (store / "acme" / "advisory" / "datasets" / again.version / "card.json").is_file()
