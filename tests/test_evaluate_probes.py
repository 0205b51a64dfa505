"""The firm's own questions (probe file), groundedness (unsupported-claim rate) and improvement percentages:
file validation with line numbers, scoring, the calibrated support threshold, the gate checks, and a full
evaluation of the tiny model with a probe file, offline."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import torch
from model_fixtures import QA, TinySetup, tiny_setup

from loraforge.evaluate import EvalConfig, EvalReport, GateConfig, apply_gate, evaluate, load_similarity_model
from loraforge.evaluate.grounding import SUPPORT_THRESHOLD, claims, classify_pairs, ground, source_text
from loraforge.evaluate.probe_file import (
    ProbeFileError,
    ProbeQuestion,
    fetch_probe_file,
    load_probes,
    parse_probes,
    score_probe,
)
from loraforge.evaluate.registry import METRICS, improvement_pct
from loraforge.storage.local import LocalStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PROBES = ROOT / "examples" / "probe_questions.jsonl"
GROUNDEDNESS = Path(__file__).resolve().parent / "data" / "groundedness"


@pytest.fixture(scope="module", autouse=True)
def one_thread():  # type: ignore[no-untyped-def]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    return tiny_setup(tmp_path_factory)


# --- the probe file ----------------------------------------------------------------------------------


def _corpus_text() -> str:
    """The sample corpus's plain-text files (Markdown, text, HTML without tags), as one lowercase string."""
    parts = []
    for path in sorted((ROOT / "examples" / "docs").rglob("*")):
        if path.suffix in (".md", ".txt", ".html") and path.is_file():
            raw = path.read_bytes().decode("utf-8", errors="ignore")
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
    return " ".join(" ".join(parts).lower().split())


def test_example_probe_file_is_valid_and_grounded_in_the_sample_corpus() -> None:
    probes = load_probes(EXAMPLE_PROBES)
    assert len(probes) == 16
    assert len({p.id for p in probes}) == 16
    assert sum(p.expected is not None for p in probes) == 15  # one question is graded by keyword only
    corpus = _corpus_text()
    for p in probes:
        for word in p.keywords:
            assert word.lower() in corpus, (p.id, word)  # every fact is in the firm's documents
            if p.expected is not None:
                assert score_probe(ProbeQuestion(question="q", keywords=[word]), p.expected)["keyword_recall"] == 1.0
        if p.expected is not None:  # the expected answer itself scores full marks
            assert score_probe(p, p.expected)["score"] == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"question": "a", "keywords": ["x"]}\n{"question": "b",\n', "p.jsonl:2: not valid JSON"),
        ('{"question": "a"}\n', "p.jsonl:1: line: give 'expected' (a reference answer), 'keywords' (required words)"),
        ('\n# comment\n{"question": "a", "answer": "x", "keywords": ["x"]}\n', "p.jsonl:3: answer: Extra inputs"),
        ('{"question": "a", "keywords": ["x", " "]}\n', "p.jsonl:1: keywords: must not contain empty strings"),
        ('{"question": "  ", "keywords": ["x"]}\n', "p.jsonl:1: question: String should have at least 1 character"),
        ('["question"]\n', "p.jsonl:1: expected a JSON object, got list"),
        ('{"question": "Fee?", "keywords": ["x"]}\n{"question": "fee? ", "expected": "y"}\n', "p.jsonl:2: the same"),
        ("\n# only a comment\n", "p.jsonl: no questions"),
    ],
)
def test_probe_file_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ProbeFileError) as info:
        parse_probes(text, "p.jsonl")
    assert str(info.value).startswith(message)


def test_probe_file_from_a_local_path_or_the_store(tmp_path: Path) -> None:
    with pytest.raises(ProbeFileError, match="probe file not found"):
        load_probes(tmp_path / "missing.jsonl")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"question": "caf\xe9", "keywords": ["x"]}\n')
    with pytest.raises(ProbeFileError, match=r"latin1.jsonl: not UTF-8 text \(byte 17\)"):
        load_probes(tmp_path / "latin1.jsonl")
    store = LocalStore(tmp_path / "store")
    store.put_bytes("acme/advisory/probes/firm.jsonl", EXAMPLE_PROBES.read_bytes())
    local = fetch_probe_file("store:probes/firm.jsonl", store, "acme/advisory", tmp_path / "scratch")
    assert local == tmp_path / "scratch" / "probes.jsonl"
    assert local.read_bytes() == EXAMPLE_PROBES.read_bytes()
    assert fetch_probe_file(str(EXAMPLE_PROBES), store, "acme/advisory", tmp_path / "x") == EXAMPLE_PROBES
    with pytest.raises(ProbeFileError, match="store:probes/other.jsonl: no object at"):
        fetch_probe_file("store:probes/other.jsonl", store, "acme/advisory", tmp_path / "scratch")
    with pytest.raises(ProbeFileError, match="a key below the project"):  # no way out of the tenant's prefix
        fetch_probe_file("store:../other/probes.jsonl", store, "acme/advisory", tmp_path / "scratch")
    store.put_bytes("acme/advisory/probes/bad.jsonl", b'{"question": "a"}\n')
    with pytest.raises(ProbeFileError, match="^store:probes/bad.jsonl:1: "):
        fetch_probe_file("store:probes/bad.jsonl", store, "acme/advisory", tmp_path / "scratch")


def test_probe_scores() -> None:
    probe = ProbeQuestion(
        question="How are fees billed?",
        expected="Fees are billed quarterly in arrears.",
        keywords=["quarterly", "arrears"],
        forbidden=["in advance"],
    )
    full = score_probe(probe, "Fees are billed quarterly in arrears.")
    assert (full["keyword_recall"], full["token_f1"], full["exact_match"], full["score"]) == (1.0, 1.0, 1.0, 1.0)
    half = score_probe(probe, "Billed QUARTERLY.")  # case-insensitive; one keyword of two
    assert half["missing_keywords"] == ["arrears"] and half["keyword_recall"] == 0.5
    assert half["token_f1"] == 0.5  # precision 2/2, recall 2/6 ("fees are billed quarterly in arrears")
    assert half["score"] == pytest.approx((0.5 + half["token_f1"]) / 2)
    wrong = score_probe(probe, "Fees are billed quarterly in advance, not in arrears.")
    assert wrong["forbidden_hit"] == ["in advance"] and wrong["score"] == 0.0
    # whole words only: "67" is not found in "1967", "arrears" not in "arrearsx"
    assert score_probe(ProbeQuestion(question="q", keywords=["67"]), "Born in 1967.")["keyword_recall"] == 0.0
    assert score_probe(ProbeQuestion(question="q", keywords=["$2,500"]), "It is $2,500.")["keyword_recall"] == 1.0


# --- improvement percentages -------------------------------------------------------------------------


def test_improvement_pct_is_signed_by_direction() -> None:
    assert improvement_pct("eval_loss", 2.0, 1.5) == 25.0  # a loss that falls improves
    assert improvement_pct("eval_loss", 2.0, 2.5) == -25.0
    assert improvement_pct("token_f1", 0.5, 0.6) == pytest.approx(20.0)
    assert improvement_pct("false_refusal_rate", 0.2, 0.1) == 50.0
    assert improvement_pct("unsupported_claim_rate", 0.4, 0.5) == pytest.approx(-25.0)
    assert improvement_pct("latency_s", 0.1, 0.2) == -100.0
    assert improvement_pct("token_f1", 0.0, 0.6) is None  # no relative change from nothing
    assert improvement_pct("token_f1", None, 0.6) is None


def test_report_rows_and_old_reports_get_improvement_pct() -> None:
    base = {"eval_loss": 2.0, "token_f1": 0.25, "false_refusal_rate": 0.0}
    adapter = {"eval_loss": 1.5, "token_f1": 0.5, "false_refusal_rate": 0.125}
    verdict, checks = apply_gate(base, adapter, None, GateConfig())
    report = EvalReport("b", "a", "d", "test", {"base": base, "adapter": adapter}, {}, verdict, checks)
    assert {k: v for k, v in report.improvement_pct.items() if v is not None} == {"eval_loss": 25.0, "token_f1": 100.0}
    assert set(report.improvement_pct) == set(METRICS)
    rows = {r["metric"]: r for r in report.metric_rows()}
    assert rows["eval_loss (lower is better)"]["improvement %"] == "+25.0 %"
    assert rows["token_f1 (higher is better)"]["improvement %"] == "+100.0 %"
    assert rows["false_refusal_rate (lower is better)"]["improvement %"] == "—"
    data = report.to_dict()
    del data["improvement_pct"]  # a report written before the field existed
    assert EvalReport.from_dict(data).improvement_pct == report.improvement_pct


# --- groundedness ------------------------------------------------------------------------------------


def _pairs(name: str) -> list[dict]:
    return [json.loads(line) for line in (GROUNDEDNESS / f"{name}.jsonl").read_text().splitlines()]


def test_claims_and_sources() -> None:
    assert claims("The fee is 1%. Yes.\n- Billed quarterly in arrears!\nOK") == [
        "The fee is 1%.",
        "Billed quarterly in arrears!",
    ]
    conversation = {
        "kind": "conversation",
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Fees?"},
            {"role": "assistant", "content": "One percent."},
        ],
    }
    assert source_text(conversation) == "Hi\nHello.\nFees?\nOne percent."
    assert source_text({**conversation, "kind": "instruction"}) == "One percent."


def test_support_threshold_calibration_figures(no_network: list[str]) -> None:
    """The shipped threshold on the hand-labelled pairs (positive: an unsupported claim); the model loads
    from the installed package with the network blocked."""
    load_similarity_model.cache_clear()
    assert SUPPORT_THRESHOLD == 0.7
    dev, test = _pairs("dev"), _pairs("test")
    assert (len(dev), len(test)) == (32, 32)
    assert {p["source"] for p in dev}.isdisjoint({p["source"] for p in test})  # written on other passages
    d = classify_pairs(dev, SUPPORT_THRESHOLD)
    assert (d["tp"], d["fp"], d["fn"], d["tn"]) == (15, 0, 0, 17)
    t = classify_pairs(test, SUPPORT_THRESHOLD)
    assert (t["tp"], t["fp"], t["fn"], t["tn"]) == (15, 2, 0, 15)  # two loose paraphrases flagged
    assert t["precision"] == pytest.approx(15 / 17) and t["recall"] == 1.0
    assert no_network == []


def test_ground_counts_unsupported_sentences() -> None:
    source = (
        "Asset-based fees are billed quarterly in arrears. The fee is debited from the accounts about ten "
        "business days after quarter-end."
    )
    answers = [
        "Fees are billed quarterly in arrears. Jupiter has dozens of moons and a great red spot.",
        "The fee is debited about ten business days after quarter-end.",
        "Yes.",  # no claim
    ]
    results = ground(answers, [source] * 3)
    assert [(g.n_claims, g.n_unsupported) for g in results] == [(2, 1), (1, 0), (0, 0)]
    assert results[0].best[0] >= SUPPORT_THRESHOLD > results[0].best[1]


# --- the gate ----------------------------------------------------------------------------------------

BASE = {"eval_loss": 2.0, "token_f1": 0.25, "probe_score": 0.5, "unsupported_claim_rate": 0.5}
GOOD = {"eval_loss": 1.5, "token_f1": 0.5, "probe_score": 0.75, "unsupported_claim_rate": 0.125}
PROBE_GATE = GateConfig(
    min_refusal_accuracy=None,
    max_false_refusal_rate=None,
    min_probe_score=0.6,
    max_probe_regression=0.0,
    max_unsupported_claim_rate=0.2,
)


def test_gate_probe_and_groundedness_checks() -> None:
    verdict, checks = apply_gate(BASE, GOOD, None, PROBE_GATE, {"probe": 12})
    assert verdict == "go"
    assert [c.reason for c in checks][2:] == [
        "unsupported_claim_rate: 0.1250 <= 0.2000 (share of answer sentences their source does not support) -> pass",
        "probe_score: 0.7500 >= 0.6000 (mean score on the probe file's questions) -> pass",
        "probe_regression: -0.2500 <= 0.0000 (base 0.5000 - adapter 0.7500) -> pass",
    ]
    worse = {**GOOD, "probe_score": 0.45, "unsupported_claim_rate": 0.25}
    verdict, checks = apply_gate(BASE, worse, None, PROBE_GATE, {"probe": 12})
    assert verdict == "no-go"
    assert [c.result for c in checks][2:] == ["FAIL", "FAIL", "FAIL"]
    # too few probe questions: no verdict either way on the probe checks
    verdict, checks = apply_gate(BASE, GOOD, None, PROBE_GATE, {"probe": 4})
    assert verdict == "inconclusive"
    assert checks[3].reason == (
        "probe_score: 0.7500 >= 0.6000 (mean score on the probe file's questions; only 4 probe-file questions, "
        "the gate needs 10) -> inconclusive"
    )
    # a probe check without a probe file cannot judge
    no_file = {k: v for k, v in GOOD.items() if k != "probe_score"}
    verdict, checks = apply_gate(BASE, no_file, None, PROBE_GATE)
    assert verdict == "inconclusive"
    assert [c.reason for c in checks][3:] == [
        "probe_score: skipped (no probe file evaluated)",
        "probe_regression: skipped (no probe file evaluated)",
    ]


# --- a full evaluation with a probe file -------------------------------------------------------------


def test_evaluate_with_probe_file_offline(tiny: TinySetup, tmp_path: Path, no_network: list[str]) -> None:
    load_similarity_model.cache_clear()
    probe_file = tmp_path / "tiny.jsonl"
    lines = [{"question": q, "expected": a, "keywords": [a.rstrip(".").split()[-1]]} for q, a in QA]
    lines.append({"question": "Which company is this?", "keywords": ["Acme"], "forbidden": ["Globex"]})
    probe_file.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    gate = GateConfig(min_probe_score=0.5, max_probe_regression=0.0, max_unsupported_claim_rate=0.5)
    config = EvalConfig(max_new_tokens=40, refusal_probes=2, probe_file=str(probe_file), gate=gate)
    report = evaluate(str(tiny.base_dir), tiny.adapter_dir, tiny.dataset_dir, config)
    assert report.counts["n_probe_questions"] == 5 and len(report.probe_samples) == 5
    assert [s["prompt"] for s in report.probe_samples] == [*(q for q, _ in QA), "Which company is this?"]
    base, adapter = report.metrics["base"], report.metrics["adapter"]
    for variant in ("base", "adapter"):
        scores = [s["scores"][variant] for s in report.probe_samples]
        assert report.metrics[variant]["probe_score"] == pytest.approx(sum(s["score"] for s in scores) / 5)
        assert report.metrics[variant]["probe_token_f1"] == pytest.approx(sum(s["token_f1"] for s in scores[:4]) / 4)
        for s, sample, line in zip(scores, report.probe_samples, lines, strict=True):
            assert s == score_probe(ProbeQuestion.model_validate(line), sample["outputs"][variant])
    # the adapter was trained on exactly these answers; the base has random weights
    assert adapter["probe_token_f1"] > base["probe_token_f1"] + 0.5
    assert report.improvement_pct["eval_loss"] == pytest.approx(
        100 * (base["eval_loss"] - adapter["eval_loss"]) / base["eval_loss"]
    )
    # groundedness: each in-scope answer's sentences against the example's source (its reference answer)
    judged = [s for s in report.samples if s["kind"] != "refusal"]
    n = sum(s["scores"]["adapter"]["grounding"]["n_claims"] for s in judged)
    bad = sum(s["scores"]["adapter"]["grounding"]["n_unsupported"] for s in judged)
    assert n > 0 and adapter["unsupported_claim_rate"] == bad / n
    for s in judged:  # an answer that repeats its reference is fully supported
        if s["outputs"]["adapter"] == s["reference"]:
            assert s["scores"]["adapter"]["grounding"]["n_unsupported"] == 0
    names = [c.name for c in report.checks]
    assert names[-3:] == ["unsupported_claim_rate", "probe_score", "probe_regression"]
    probe_checks = {c.name: c for c in report.checks if c.name.startswith("probe")}
    assert all(c.evidence == 5 and c.needed == 10 and c.result == "inconclusive" for c in probe_checks.values())
    md = report.to_markdown(n_samples=2)
    assert "## Probe-file questions" in md and "| probe_score (higher is better) |" in md
    assert "| unsupported_claim_rate (lower is better) |" in md
    assert no_network == []


def test_store_probe_file_must_be_fetched_first(tiny: TinySetup) -> None:
    config = EvalConfig(probe_file="store:probes/firm.jsonl")
    with pytest.raises(ValueError, match="a store probe file is read by the fine-tune stages"):
        evaluate(str(tiny.base_dir), tiny.adapter_dir, tiny.dataset_dir, config)


def test_mlflow_sample_rows_flatten_grounding_and_probe_scores() -> None:
    from loraforge.finetune.register import sample_rows

    held_out = {
        "id": "x1",
        "kind": "instruction",
        "prompt": "Fees?",
        "reference": "One percent.",
        "outputs": {"adapter": "One percent."},
        "scores": {"adapter": {"token_f1": 1.0, "grounding": {"n_claims": 1, "n_unsupported": 0, "best": [1.0]}}},
    }
    probe = {
        "id": "fee",
        "kind": "probe",
        "prompt": "Billing?",
        "reference": "",
        "outputs": {"adapter": "Monthly."},
        "scores": {"adapter": {"score": 0.0, "missing_keywords": ["quarterly", "arrears"], "forbidden_hit": []}},
    }
    rows = sample_rows({"samples": [held_out], "probe_samples": [probe]})
    assert rows == [
        {
            "id": "x1",
            "kind": "instruction",
            "prompt": "Fees?",
            "reference": "One percent.",
            "adapter_output": "One percent.",
            "adapter_token_f1": 1.0,
            "adapter_grounding_n_claims": 1,
            "adapter_grounding_n_unsupported": 0,
        },
        {
            "id": "fee",
            "kind": "probe",
            "prompt": "Billing?",
            "reference": "",
            "adapter_output": "Monthly.",
            "adapter_score": 0.0,
            "adapter_missing_keywords": "quarterly, arrears",
            "adapter_forbidden_hit": "",
        },
    ]


def test_fine_tune_reads_a_store_probe_file_and_stops_on_a_bad_one_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production path: the probe file is a key under the tenant/project; a bad one fails the run at
    its start (nothing trained), a good one is fetched on the evaluating worker and scored."""
    from test_finetune import _three_files

    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.prep import run_data_prep
    from loraforge.storage import read_json
    from loraforge.target import Target

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    monkeypatch.setenv("LORAFORGE_MODEL_CACHE", str(tmp_path / "models"))
    store = LocalStore(tmp_path / "store")
    target = Target(tenant="acme", project="boots", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    prep = run_data_prep(_three_files(tmp_path / "docs"), store, target=target)
    evaluation = {
        "max_examples": 2,
        "max_new_tokens": 4,
        "refusal_probes": 0,
        "probe_file": "store:probes/boots.jsonl",
        "gate": {"min_probe_score": 0.5},
    }
    config = FineTuneConfig(training={"max_steps": 2}, evaluation=evaluation)
    store.put_bytes("acme/boots/probes/boots.jsonl", b'{"question": "How often to wax boots?"}\n')
    with pytest.raises(ProbeFileError, match="^store:probes/boots.jsonl:1: line: give 'expected'"):
        run_fine_tune(prep.version, store, config, target)
    assert not store.list("acme/boots/checkpoints")  # failed before training
    probes = [
        {"question": "How often should boots be waxed?", "keywords": ["three months"]},
        {"question": "Where should wet boots not be dried?", "expected": "Never next to a radiator."},
    ]
    store.put_bytes("acme/boots/probes/boots.jsonl", "\n".join(json.dumps(p) for p in probes).encode())
    outcome = run_fine_tune(prep.version, store, config, target)
    report = read_json(store, f"acme/boots/runs/{outcome.run_name}/eval_report.json")
    assert report["counts"]["n_probe_questions"] == 2
    assert report["config"]["probe_file"] == "store:probes/boots.jsonl"  # the key, not the worker's copy
    assert [s["prompt"] for s in report["probe_samples"]] == [p["question"] for p in probes]
    assert report["metrics"]["adapter"]["probe_score"] is not None
    assert outcome.metrics["adapter.probe_score"] == report["metrics"]["adapter"]["probe_score"]
    base, adapter = report["metrics"]["base"], report["metrics"]["adapter"]
    assert report["improvement_pct"]["eval_loss"] == improvement_pct(
        "eval_loss", base["eval_loss"], adapter["eval_loss"]
    )
    assert outcome.metrics["improvement_pct.eval_loss"] == report["improvement_pct"]["eval_loss"]
    assert any(r.startswith("probe_score: ") and "only 2 probe-file questions" in r for r in outcome.reasons)
