"""What people see: report cells that render as plain text, rounded numbers, links that open.

The Prefect UI renders string cells of table artifacts and markdown artifacts as Markdown; the checks
render them with markdown-it (CommonMark + GFM tables) and compare the text a reader sees.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt
from pydantic import ValidationError

from flows.pipeline import PipelineOutcome, _summary
from loraforge import display
from loraforge.evaluate.gate import GateCheck
from loraforge.evaluate.report import EvalReport
from loraforge.finetune.manifests import FineTuneOutcome
from loraforge.finetune.report import report_markdown
from loraforge.prep import DataPrepManifest, StageManifest
from loraforge.records import Quarantined
from loraforge.report import quarantine_rows, stage_rows, summary_markdown
from loraforge.settings import Settings
from loraforge.storage import LocalStore, write_jsonl

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
LONG = 0.9770596694924616


def rendered(cell: str) -> str:
    """The text a reader sees for one Markdown cell (its HTML when it is not a plain paragraph)."""
    out = MD.render(cell).strip()
    match = re.fullmatch(r"<p>(.*)</p>", out, re.S)
    return html.unescape(match.group(1)) if match and "<" not in match.group(1) else out


def table_cells(markdown: str, heading: str) -> list[list[str]]:
    """The cells (as rendered text) of the first table under ``heading``."""
    section = markdown.split(heading, 1)[1]
    out = MD.render(section)
    table = re.search(r"<table>.*?</table>", out, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


@pytest.mark.parametrize(
    "value",
    ["-", ">= 0.8000", "a | b", "# not a heading", "1. not a list", "---", "*bold*", "_x_", "<b>x</b>", "a\\b", "+ y"],
)
def test_text_renders_as_itself(value: str) -> None:
    assert rendered(display.text(value)) == value
    assert display.text("eval_loss") == "eval_loss"  # nothing to escape: stays readable in the JSON too
    assert display.text(None) == display.text("") == "—"


def test_numbers_for_reading() -> None:
    assert display.num(LONG) == "0.977"
    assert display.num(LONG, significant=4) == "0.9771"
    assert display.num(2.345678, significant=4) == "2.346"
    assert display.num(12345.67, significant=4) == "12346"  # no exponent
    assert display.num(0.000123456, significant=4) == "0.0001235"
    assert display.num(16) == display.num(16.0, significant=4) == "16"  # integers as integers
    assert (display.num(-0.12, signed=True), display.num(0.12, signed=True)) == ("-0.120", "+0.120")
    assert display.num(None) == "—" and display.num(0.0, signed=True) == "0.000"
    assert display.threshold(">=", 0.8) == "≥ 0.800" and display.threshold("<=", 1.0) == "≤ 1.000"


def _report() -> EvalReport:
    metrics = {
        "base": {"eval_loss": 2.912345678, "token_f1": 0.1234567, "refusal_accuracy": None},
        "adapter": {"eval_loss": 2.345678901, "token_f1": LONG, "refusal_accuracy": None},
    }
    checks = [
        GateCheck("eval_loss_ratio", 0.80541234, 1.0, "<=", True, "adapter 2.3457 / base 2.9123"),
        GateCheck("refusal_accuracy", None, 0.8, ">=", None, "no refusal examples | none asked"),
        GateCheck("token_f1_gain", 0.85360297, 0.0, ">=", None, "only 4 held-out examples, the gate needs 20"),
    ]
    return EvalReport(
        base_model="tiny",
        adapter_dir="/tmp/adapter",
        dataset_dir="/tmp/ds",
        split="test",
        metrics=metrics,
        improvements={"eval_loss": 2.345678901 - 2.912345678, "token_f1": LONG - 0.1234567, "refusal_accuracy": None},
        verdict="inconclusive",
        checks=checks,
        samples=[
            {
                "kind": "instruction",
                "prompt": "# What | fees?",
                "reference": "- 1%",
                "outputs": {"base": "> quoted", "adapter": "*1%*"},
            }
        ],
    )


def test_metric_rows_round_and_say_which_way_is_better() -> None:
    rows = {r["metric"]: r for r in _report().metric_rows()}
    assert set(rows) == {"eval_loss (lower is better)", "token_f1 (higher is better)"}  # the registry's direction
    loss, f1 = rows["eval_loss (lower is better)"], rows["token_f1 (higher is better)"]
    assert (loss["base"], loss["adapter"], loss["adapter - base"]) == ("2.912", "2.346", "-0.5667")  # 4 significant
    assert (f1["adapter"], f1["adapter - base"]) == ("0.977", "+0.854")  # scores: 3 decimals, differences signed
    assert loss["improvement %"] == "+19.5 %"  # the loss fell by 19.46 %: an improvement, so positive
    for row in rows.values():
        assert all(rendered(cell) == cell for cell in row.values())


def test_gate_rows_render_as_plain_text() -> None:
    gate = {g["check"]: g for g in _report().gate_rows()}
    assert gate["eval_loss_ratio"]["value"] == "0.805" and gate["eval_loss_ratio"]["threshold"] == "≤ 1.000"
    missing = gate["refusal_accuracy"]
    assert (missing["value"], missing["threshold"], missing["result"]) == ("—", "≥ 0.800", "skipped")
    assert rendered(missing["detail"]) == "no refusal examples | none asked"
    assert all(rendered(cell) == cell for g in gate.values() for cell in g.values() if cell != missing["detail"])


def test_markdown_tables_keep_their_columns() -> None:
    md = _report().to_markdown()
    metrics = table_cells(md, "## Metrics")
    assert metrics[0] == ["metric", "base", "adapter", "adapter - base", "improvement %"]
    assert metrics[1] == ["eval_loss (lower is better)", "2.912", "2.346", "-0.5667", "+19.5 %"]
    gate = table_cells(md, "## Gate")
    assert gate[2] == ["refusal_accuracy", "—", "≥ 0.800", "skipped: no refusal examples | none asked"]
    assert all(len(row) == 4 for row in gate)  # the "|" in a detail did not split a cell
    samples = MD.render(md.split("## Sample generations", 1)[1])
    assert "<blockquote>" not in samples and "<em>" not in samples and "<h1>" not in samples
    assert "# What | fees?" in html.unescape(samples) and "- 1%" in html.unescape(samples)


def test_data_prep_rows_and_summary(tmp_path) -> None:
    store = LocalStore(tmp_path / "store")
    key = "acme/advisory/prep/ingest/q.jsonl"
    write_jsonl(store, key, [Quarantined("guides/a|b.pdf", "unreadable", "ingest", "- truncated > 1 page")])
    stages = [
        StageManifest(stage="ingest", n_in=3, n_out=2, dropped_by_reason={"unreadable": 1}, quarantine_keys=[key]),
        StageManifest(stage="dedup", n_in=2, n_out=2),
    ]
    assert stage_rows(stages) == [
        {"stage": "ingest", "in": 3, "out": 2, "dropped": "unreadable: 1"},
        {"stage": "dedup", "in": 2, "out": 2, "dropped": "—"},  # not a "-" bullet
    ]
    (row,) = quarantine_rows(store, stages)
    assert [rendered(row[k]) for k in ("source", "detail")] == ["guides/a|b.pdf", "- truncated > 1 page"]
    manifest = {
        "tenant": "acme",
        "project": "advisory",
        "version": "ds-1",
        "n_examples": 4,
        "dataset_uri": (tmp_path / "my data").as_uri(),
        "quarantined_by_reason": {"unreadable": 1},
        "pii_by_entity": {},
        "dedup": {},
        "examples_dropped_by_reason": {},
        "examples": {"train": {"instruction": 3}, "test": {"instruction": 1, "refusal": 1}},
    }
    md = summary_markdown(manifest, stages)
    assert f"`{tmp_path / 'my data'}`" in md and "file://" not in md  # a local path, not a link the browser blocks
    assert table_cells(md, "## Stages")[2] == ["dedup", "2", "2", "—"]
    assert table_cells(md, "## Examples by kind")[1:] == [["instruction", "3", "1"], ["refusal", "0", "1"]]


# -- links -------------------------------------------------------------------------------------


def test_mlflow_run_url(monkeypatch) -> None:
    monkeypatch.delenv("LORAFORGE_MLFLOW_UI_URL", raising=False)
    sqlite = "sqlite:////home/me/.loraforge/mlflow.db"
    assert display.mlflow_run_url(sqlite, "3", "r1") == ""  # nobody serves a local store: no dead link
    assert display.mlflow_run_url("http://mlflow:5000/", "3", "r1") == "http://mlflow:5000/#/experiments/3/runs/r1"
    monkeypatch.setenv("LORAFORGE_MLFLOW_UI_URL", "https://mlflow.example.com")  # the UI URL setting wins
    for tracking in (sqlite, "http://mlflow:5000"):
        assert display.mlflow_run_url(tracking, "3", "r1") == "https://mlflow.example.com/#/experiments/3/runs/r1"
    monkeypatch.setenv("LORAFORGE_MLFLOW_UI_URL", "sqlite:///x.db")
    with pytest.raises(ValidationError, match="LORAFORGE_MLFLOW_UI_URL"):
        Settings()


def _outcome(**kw) -> FineTuneOutcome:
    base = {
        "run_name": "ft-1",
        "dataset_version": "ds-1",
        "mlflow_run_id": "r1",
        "model_name": "acme-advisory-adapter",
        "model_version": 2,
        "aliases": ["challenger"],
        "verdict": "inconclusive",
        "reasons": ["eval_loss_ratio: 0.8054 <= 1.0000 (adapter 2.3457 / base 2.9123) -> pass"],
        "bundle_uri": "file:///home/me/.loraforge/artifacts/acme/advisory/runs/ft-1/bundle-ft-1.zip",
        "bundle_sha256": "ab" * 32,
        "bundle_url": "file:///home/me/.loraforge/artifacts/acme/advisory/runs/ft-1/bundle-ft-1.zip",
        "metrics": {"steps": 16, "duration_s": 41.234567, "final_train_loss": LONG, "resumed_from_step": None},
    }
    return FineTuneOutcome(**{**base, **kw})


def test_local_run_report_has_paths_and_how_to_open_mlflow() -> None:
    sqlite = "sqlite:////home/me/.loraforge/mlflow.db"
    md = report_markdown(_outcome(), _report().to_dict(), sqlite)
    assert "](" not in md and "file://" not in md  # no link that would not open
    assert "`/home/me/.loraforge/artifacts/acme/advisory/runs/ft-1/bundle-ft-1.zip`" in md
    assert f"`mlflow ui --backend-store-uri {sqlite}`" in md and "http://127.0.0.1:5000/#/runs/r1" in md
    assert "| steps | 16 |" in md and "| duration_s | 41.23 |" in md and "| final_train_loss | 0.9771 |" in md
    assert "| resumed_from_step | — |" in md
    prep = DataPrepManifest.model_construct(tenant="acme", project="advisory", version="ds-1", n_files=1)
    prep = prep.model_copy(
        update={"n_documents": 1, "n_examples": 4, "quarantined_by_reason": {}, "pii_by_entity": {}, "dataset_uri": ""}
    )
    summary = _summary(PipelineOutcome.model_construct(data_prep=prep, fine_tune=_outcome()), sqlite)
    assert "](" not in summary and "file://" not in summary and "mlflow ui --backend-store-uri" in summary


def test_served_run_report_links_mlflow_and_the_presigned_bundle() -> None:
    url = "http://localhost:9000/loraforge/acme/bundle-ft-1.zip?X-Amz-Signature=abc"
    outcome = _outcome(
        bundle_uri="s3://loraforge/acme/bundle-ft-1.zip",
        bundle_url=url,
        mlflow_run_url="http://localhost:5000/#/experiments/3/runs/r1",
    )
    md = report_markdown(outcome, _report().to_dict(), "http://mlflow:5000")
    assert "[MLflow run `r1`](http://localhost:5000/#/experiments/3/runs/r1)" in md
    assert f"[download bundle-ft-1.zip]({url})" in md and "mlflow ui" not in md
