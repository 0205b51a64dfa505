"""Evaluation: metric functions, eval loss on a tiny model, the gate's verdicts and reasons, champion
regression, the report's JSON round trip, and the offline similarity model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from model_fixtures import REFUSAL, TinySetup, answer_batch, tiny_examples, tiny_setup, write_dataset
from pydantic import ValidationError

from loraforge.evaluate import (
    EvalConfig,
    EvalReport,
    GateConfig,
    apply_gate,
    evaluate,
    exact_match,
    is_refusal,
    load_eval_rows,
    load_similarity_model,
    normalize_answer,
    refusal_opening,
    rouge_l,
    select_for_generation,
    semantic_similarity,
    token_f1,
    training_warnings,
)
from loraforge.evaluate.model import load_base_model, load_tokenizer
from loraforge.evaluate.probes import PROBE_QUESTIONS


@pytest.fixture(scope="module", autouse=True)
def one_thread():  # type: ignore[no-untyped-def]
    # Tiny-model matmuls are all thread-sync overhead; two threads on a shared 2-core box thrash.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    return tiny_setup(tmp_path_factory)


@pytest.fixture(scope="module")
def report(tiny: TinySetup) -> EvalReport:
    """One full evaluation: the trained adapter, with itself as the champion (identical numbers expected)."""
    config = EvalConfig(max_new_tokens=40)
    return evaluate(
        str(tiny.base_dir), tiny.adapter_dir, tiny.dataset_dir, config, champion_adapter_dir=tiny.adapter_dir
    )


# --- metric functions -------------------------------------------------------------------------------


def test_normalize_and_exact_match() -> None:
    assert normalize_answer("  The Fee, is 1%!  ") == "fee is 1"
    assert exact_match("The fee is one percent.", "fee is one percent") == 1.0
    assert exact_match("fee is 1 percent", "fee is one percent") == 0.0


def test_token_f1() -> None:
    # normalised: "fee is one percent" (4) vs "advisory fee is one percent of assets" (7): P=1, R=4/7
    assert token_f1("the fee is one percent", "The advisory fee is one percent of assets.") == pytest.approx(8 / 11)
    assert token_f1("fee fee fee", "fee") == pytest.approx(0.5)  # clipped counts: P=1/3, R=1
    assert token_f1("percent one is fee", "fee is one percent") == 1.0  # a bag of words ignores order
    assert token_f1("cat", "dog") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("something", "") == 0.0


def test_rouge_l() -> None:
    # LCS "the cat on the mat" = 5 of 6 tokens on both sides
    assert rouge_l("the cat sat on the mat", "The cat was on the mat.") == pytest.approx(5 / 6)
    assert rouge_l("percent one is fee", "fee is one percent") == pytest.approx(0.25)  # order matters here
    assert rouge_l("fee is one percent", "the fee is one percent") == pytest.approx(2 * 1 * 0.8 / 1.8)
    assert rouge_l("", "") == 1.0
    assert rouge_l("a", "") == 0.0


def test_refusal_detection() -> None:
    assert is_refusal(REFUSAL)
    assert is_refusal("I\u2019m SORRY,  but I cannot do that")  # curly apostrophe, case, spacing
    assert is_refusal("Sadly I can't help with questions like that.")
    assert not is_refusal("The advisory fee is one percent of assets, billed quarterly.")
    assert not is_refusal("x" * 250 + " I can't help with that")  # only the opening counts
    assert not is_refusal("Dazu kann ich nichts sagen.")
    assert is_refusal("Dazu kann ich nichts sagen.", ["Dazu kann ich nichts sagen"])
    assert refusal_opening(REFUSAL) == "i'm sorry, but i can't help with that."


def test_semantic_similarity_loads_offline(no_network: list[str]) -> None:
    load_similarity_model.cache_clear()
    fee = "The advisory fee is one percent of assets."
    sims = semantic_similarity(
        [fee, "Our fee is 1% of the assets we manage.", "Jupiter has dozens of moons."], [fee, fee, fee]
    )
    assert sims[0] == pytest.approx(1.0, abs=1e-5)
    assert sims[1] > sims[2] + 0.3
    assert no_network == []


# --- held-out selection -----------------------------------------------------------------------------


def test_held_out_split_falls_back_to_validation(tmp_path: Path) -> None:
    examples = tiny_examples()
    write_dataset(tmp_path / "val", examples, {ex.id: "validation" for ex in examples})
    split, rows = load_eval_rows(tmp_path / "val")
    assert split == "validation"
    assert [r["id"] for r in rows] == sorted(ex.id for ex in examples)
    write_dataset(tmp_path / "none", tiny_examples(), {ex.id: "train" for ex in examples})
    with pytest.raises(ValueError, match="no held-out examples"):
        load_eval_rows(tmp_path / "none")


def test_generation_sample_keeps_refusals_in_proportion() -> None:
    rows = [{"id": f"i{n}", "kind": "instruction"} for n in range(8)]
    rows += [{"id": f"r{n}", "kind": "refusal"} for n in range(2)]
    assert [r["id"] for r in select_for_generation(rows, 5)] == ["i0", "i1", "i2", "i3", "r0"]
    assert [r["id"] for r in select_for_generation(rows[:7] + rows[8:9], 3)] == ["i0", "i1", "r0"]  # at least one
    assert len(select_for_generation(rows, 32)) == 10
    assert [r["id"] for r in select_for_generation(rows[8:], 5)] == ["r0", "r1"]


# --- the tiny model ----------------------------------------------------------------------------------


def test_eval_loss_adapter_beats_base_and_matches_the_model_loss(tiny: TinySetup, report: EvalReport) -> None:
    base, adapter = report.metrics["base"], report.metrics["adapter"]
    assert adapter["eval_loss"] < base["eval_loss"] - 0.5  # trained on exactly these examples
    assert base["perplexity"] == pytest.approx(math.exp(base["eval_loss"]))
    assert report.improvements["eval_loss"] == pytest.approx(adapter["eval_loss"] - base["eval_loss"])
    # The same number from the model's own loss over the answer tokens (labels only on the final turn).
    from peft import PeftModel

    tokenizer = load_tokenizer(str(tiny.base_dir), tiny.adapter_dir)
    model = PeftModel.from_pretrained(load_base_model(str(tiny.base_dir), "cpu", False), str(tiny.adapter_dir))
    with torch.no_grad():
        direct = model(**answer_batch(tokenizer, [ex.messages for ex in tiny_examples()])).loss.item()
        with model.disable_adapter():
            direct_base = model(**answer_batch(tokenizer, [ex.messages for ex in tiny_examples()])).loss.item()
    assert adapter["eval_loss"] == pytest.approx(direct, rel=1e-5)
    assert base["eval_loss"] == pytest.approx(direct_base, rel=1e-5)


def test_report_counts_and_generation_metrics(report: EvalReport) -> None:
    assert report.split == "test"  # train and validation are empty in this dataset
    # the 2 held-out refusals plus 20 out-of-scope probes never trained on
    assert report.counts == {
        "n_loss_examples": 6,
        "n_generated": 26,
        "n_in_scope": 4,
        "n_refusal": 22,
        "n_refusal_probes": 20,
        "n_probe_questions": 0,
    }
    base, adapter = report.metrics["base"], report.metrics["adapter"]
    assert base["exact_match"] == 0.0 and base["refusal_accuracy"] == 0.0  # random weights
    assert adapter["token_f1"] > base["token_f1"] + 0.5
    refusals = [s["scores"]["adapter"]["refused"] for s in report.samples if s["kind"] == "refusal"]
    in_scope = [s["scores"]["adapter"] for s in report.samples if s["kind"] != "refusal"]
    assert adapter["refusal_accuracy"] == sum(refusals) / 22
    assert adapter["false_refusal_rate"] == sum(s["refused"] for s in in_scope) / 4
    assert adapter["rouge_l"] == pytest.approx(sum(s["rouge_l"] for s in in_scope) / 4)
    for s in report.samples:
        assert s["scores"]["adapter"]["token_f1"] == token_f1(s["outputs"]["adapter"], s["reference"])
    held_out = {s["prompt"] for s in report.samples if not s["id"].startswith("probe-")}
    assert held_out == {m[1]["content"] for m in (ex.messages for ex in tiny_examples())}
    probes = [s for s in report.samples if s["id"].startswith("probe-")]
    assert [s["prompt"] for s in probes] == list(PROBE_QUESTIONS[:20])
    assert {s["reference"] for s in probes} == {
        ex.messages[-1]["content"] for ex in tiny_examples() if ex.kind == "refusal"
    }


def test_champion_identical_to_adapter_shows_no_regression(report: EvalReport) -> None:
    adapter, champion = report.metrics["adapter"], report.metrics["champion"]
    assert {k: v for k, v in champion.items() if k != "latency_s"} == {
        k: v for k, v in adapter.items() if k != "latency_s"
    }
    champion_checks = [c for c in report.checks if c.name.startswith("champion_regression:")]
    assert [c.name.split(":")[1] for c in champion_checks] == GateConfig().champion_metrics
    assert all(c.value == 0.0 and c.passed is not False for c in champion_checks)
    # judged where the evidence suffices (22 refusal prompts), withheld where it does not (4 and 6 examples)
    assert {c.name.split(":")[1]: c.result for c in champion_checks}["refusal_accuracy"] == "pass"
    assert {c.result for c in champion_checks} == {"pass", "inconclusive"}
    assert report.vs_champion is not None and report.vs_champion["token_f1"] == 0.0


def test_report_json_round_trip_and_markdown(report: EvalReport) -> None:
    again = EvalReport.from_json(report.to_json())
    assert again.to_dict() == report.to_dict()
    data = json.loads(report.to_json())
    assert data["verdict"] == report.verdict
    assert data["reasons"] == report.reasons
    md = report.to_markdown(n_samples=2)
    assert md.startswith(f"# Evaluation: **{report.verdict.upper()}**")
    assert "| metric | base | adapter | champion | adapter - base | improvement % | adapter - champion |" in md
    assert "| eval_loss (lower is better) |" in md
    assert md.count("\n### ") == 2
    assert "| eval_loss_ratio |" in md


def test_metric_and_gate_rows_match_the_report(report: EvalReport) -> None:
    rows = {r["metric"]: r for r in report.metric_rows()}
    loss = rows["eval_loss (lower is better)"]
    assert list(loss) == [
        "metric",
        "base",
        "adapter",
        "champion",
        "adapter - base",
        "improvement %",
        "adapter - champion",
    ]
    assert float(loss["adapter"]) == pytest.approx(report.metrics["adapter"]["eval_loss"], rel=1e-3)  # 4 digits
    assert float(loss["adapter - base"]) == pytest.approx(report.improvements["eval_loss"], rel=1e-3)
    assert loss["adapter - champion"] == "0"
    assert "token_f1 (higher is better)" in rows
    gate = report.gate_rows()
    assert [g["check"] for g in gate] == [c.name for c in report.checks]
    results = {g["result"] for g in gate}
    assert results <= {"pass", "FAIL", "skipped", "inconclusive"}
    # 4 in-scope examples are fewer than the gate asks for: no verdict either way
    assert "inconclusive" in results and report.verdict == "inconclusive"


def test_evaluate_makes_no_network_calls(tiny: TinySetup, no_network: list[str]) -> None:
    load_similarity_model.cache_clear()
    config = EvalConfig(max_examples=2, max_loss_examples=2, max_new_tokens=4, refusal_probes=3)
    small = evaluate(str(tiny.base_dir), tiny.adapter_dir, tiny.dataset_dir, config)
    assert small.counts == {
        "n_loss_examples": 2,
        "n_generated": 5,
        "n_in_scope": 1,
        "n_refusal": 4,
        "n_refusal_probes": 3,
        "n_probe_questions": 0,
    }
    assert "champion" not in small.metrics and small.vs_champion is None
    assert no_network == []


def test_evaluate_with_4bit_base(tiny: TinySetup, report: EvalReport) -> None:
    # QLoRA trains on an NF4 base; evaluating on one gives nearly the full-precision numbers.
    config = EvalConfig(max_examples=2, max_new_tokens=4, load_in_4bit=True)
    q = evaluate(str(tiny.base_dir), tiny.adapter_dir, tiny.dataset_dir, config)
    assert q.metrics["adapter"]["eval_loss"] < q.metrics["base"]["eval_loss"] - 0.5
    assert q.metrics["adapter"]["eval_loss"] == pytest.approx(report.metrics["adapter"]["eval_loss"], abs=0.1)


# --- the gate ----------------------------------------------------------------------------------------

BASE = {"eval_loss": 2.0, "token_f1": 0.25, "refusal_accuracy": 0.0, "false_refusal_rate": 0.0}
GOOD = {"eval_loss": 1.5, "token_f1": 0.5, "refusal_accuracy": 1.0, "false_refusal_rate": 0.125}


def test_gate_go_with_exact_reasons() -> None:
    verdict, checks = apply_gate(BASE, GOOD, None, GateConfig())
    assert verdict == "go"
    assert [c.reason for c in checks] == [
        "eval_loss_ratio: 0.7500 <= 1.0000 (adapter 1.5000 / base 2.0000) -> pass",
        "token_f1_gain: 0.2500 >= 0.0000 (adapter 0.5000 - base 0.2500) -> pass",
        "refusal_accuracy: 1.0000 >= 0.8000 (share of out-of-scope prompts refused) -> pass",
        "false_refusal_rate: 0.1250 <= 0.2000 (share of in-scope prompts refused) -> pass",
    ]


def test_gate_no_go_with_exact_reasons() -> None:
    bad = {"eval_loss": 2.5, "token_f1": 0.125, "refusal_accuracy": 0.5, "false_refusal_rate": 0.5}
    verdict, checks = apply_gate(BASE, bad, None, GateConfig())
    assert verdict == "no-go"
    assert [c.reason for c in checks] == [
        "eval_loss_ratio: 1.2500 <= 1.0000 (adapter 2.5000 / base 2.0000) -> FAIL",
        "token_f1_gain: -0.1250 >= 0.0000 (adapter 0.1250 - base 0.2500) -> FAIL",
        "refusal_accuracy: 0.5000 >= 0.8000 (share of out-of-scope prompts refused) -> FAIL",
        "false_refusal_rate: 0.5000 <= 0.2000 (share of in-scope prompts refused) -> FAIL",
    ]
    # one failing check is enough
    verdict, checks = apply_gate(BASE, {**GOOD, "false_refusal_rate": 0.25}, None, GateConfig())
    assert verdict == "no-go"
    assert [c.passed for c in checks] == [True, True, True, False]


def test_gate_skips_missing_metrics_unless_required() -> None:
    adapter = {"eval_loss": 1.5, "token_f1": 0.5}  # no refusal examples in the held-out split
    verdict, checks = apply_gate(BASE, adapter, None, GateConfig())
    assert verdict == "inconclusive"  # a check that could not run is not a pass
    assert [c.reason for c in checks][2:] == [
        "refusal_accuracy: skipped (no refusal examples evaluated)",
        "false_refusal_rate: skipped (no in-scope examples evaluated)",
    ]
    verdict, checks = apply_gate(BASE, {"eval_loss": 1.5}, None, GateConfig(min_token_f1_gain=None))
    assert verdict == "no-go"
    assert checks[0].reason == "required:token_f1: FAIL (adapter has no token_f1)"
    assert "token_f1_gain" not in [c.name for c in checks]  # threshold None switches the check off
    config = GateConfig(required_metrics=["eval_loss", "refusal_accuracy"], min_token_f1_gain=None)
    verdict, checks = apply_gate(BASE, adapter, None, config)
    assert verdict == "no-go" and checks[0].name == "required:refusal_accuracy"


def test_gate_detects_regression_against_champion() -> None:
    champion = {"eval_loss": 1.4, "token_f1": 0.6, "rouge_l": 0.5, "semantic_similarity": 0.8, "refusal_accuracy": 1.0}
    adapter = {**GOOD, "rouge_l": 0.49, "semantic_similarity": 0.9}
    verdict, checks = apply_gate(BASE, adapter, champion, GateConfig())
    assert verdict == "no-go"
    assert [c.reason for c in checks if c.name.startswith("champion_regression")] == [
        "champion_regression:eval_loss: 0.0714 <= 0.0200 ((adapter 1.5000 - champion 1.4000) / champion) -> FAIL",
        "champion_regression:token_f1: 0.1000 <= 0.0200 (champion 0.6000 - adapter 0.5000) -> FAIL",
        "champion_regression:rouge_l: 0.0100 <= 0.0200 (champion 0.5000 - adapter 0.4900) -> pass",
        "champion_regression:semantic_similarity: -0.1000 <= 0.0200 (champion 0.8000 - adapter 0.9000) -> pass",
        "champion_regression:refusal_accuracy: 0.0000 <= 0.0200 (champion 1.0000 - adapter 1.0000) -> pass",
    ]
    lenient = GateConfig(max_regression_vs_champion=0.2)
    assert apply_gate(BASE, adapter, champion, lenient)[0] == "go"
    only_rouge = GateConfig(champion_metrics=["rouge_l"])
    assert apply_gate(BASE, adapter, champion, only_rouge)[0] == "go"


def test_configs_reject_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        EvalConfig(max_exampels=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        GateConfig(min_bleu=0.3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="unknown metrics"):
        GateConfig(required_metrics=["bleu"])
    assert EvalConfig.model_validate({"gate": {"max_eval_loss_ratio": 0.9}}).gate.max_eval_loss_ratio == 0.9


EVIDENCE = {"loss": 40, "in_scope": 30, "refusal": 25}


def test_gate_withholds_judgement_on_thin_evidence() -> None:
    assert apply_gate(BASE, GOOD, None, GateConfig(), EVIDENCE)[0] == "go"
    bad = {**GOOD, "refusal_accuracy": 0.5}
    assert apply_gate(BASE, bad, None, GateConfig(), EVIDENCE)[0] == "no-go"
    # 3 out-of-scope prompts cannot certify refusals, whichever way they went
    for adapter in (GOOD, bad):
        verdict, checks = apply_gate(BASE, adapter, None, GateConfig(), {**EVIDENCE, "refusal": 3})
        assert verdict == "inconclusive"
        refusal = next(c for c in checks if c.name == "refusal_accuracy")
        assert (refusal.result, refusal.evidence, refusal.needed) == ("inconclusive", 3, 10)
        assert refusal.reason.endswith("only 3 out-of-scope prompts, the gate needs 10) -> inconclusive")
    # nine examples: every loss and answer check is thin
    verdict, checks = apply_gate(BASE, GOOD, None, GateConfig(), {"loss": 1, "in_scope": 1, "refusal": 20})
    assert verdict == "inconclusive"
    assert [c.result for c in checks] == ["inconclusive", "inconclusive", "pass", "inconclusive"]
    assert (
        apply_gate(BASE, GOOD, None, GateConfig(min_eval_examples=1), {"loss": 1, "in_scope": 1, "refusal": 20})[0]
        == "go"
    )


def test_training_warnings_for_little_data_and_many_epochs() -> None:
    gate = GateConfig()
    assert training_warnings(500, 3.0, gate) == []
    warnings = training_warnings(5, 20.0, gate)
    assert len(warnings) == 2
    assert warnings[0].startswith("only 5 train examples") and warnings[1].startswith("20 passes over the train split")


def test_probes_are_never_training_questions() -> None:
    from loraforge.dataset.examples import OUT_OF_SCOPE_QUESTIONS

    assert not set(PROBE_QUESTIONS) & set(OUT_OF_SCOPE_QUESTIONS)
    assert len(set(PROBE_QUESTIONS)) == len(PROBE_QUESTIONS) >= EvalConfig().refusal_probes
