"""Ingest stage: exact outcomes per file type, quarantine reasons, and offline behaviour."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from loraforge.ingest import PARSERS, IngestConfig, IngestResult, decode_text, discover, ingest_file, ingest_files
from loraforge.records import Document

REPO = Path(__file__).resolve().parents[1]

PARAGRAPH = "This is a paragraph of narrative text. " * 6


# ---------------------------------------------------------------- builders (small real files)


def make_pdf(path: Path, *, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    """Two pages: running header, 20pt bold title, 14pt heading, wrapped paragraph, bullets, a paragraph
    cut by the page break, a bordered table, page numbers."""
    from fpdf import FPDF

    pdf = FPDF()
    if user_password or owner_password:
        pdf.set_encryption(owner_password=owner_password or "owner", user_password=user_password or "")
    for page_no in (1, 2):
        pdf.set_auto_page_break(True, 20)
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.cell(0, 8, "ACME Corp annual report")  # running header, repeated on both pages
        pdf.ln(14)
        if page_no == 1:
            pdf.set_font("Helvetica", "B", size=20)
            pdf.cell(0, 10, "Annual Report", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=14)
            pdf.cell(0, 10, "Overview", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, PARAGRAPH.strip(), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
            pdf.multi_cell(0, 6, "- first bullet", new_x="LMARGIN", new_y="NEXT")
            pdf.multi_cell(0, 6, "- second bullet", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(150)
            pdf.multi_cell(0, 6, "This sentence continues on the", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 6, "next page without a break.", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
            with pdf.table(first_row_as_headings=True) as table:  # bordered, as Word and fpdf draw them
                for cells in [("Type", "Days"), ("Annual", "25"), ("Sick", "10")]:
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)
            pdf.ln(4)
            pdf.multi_cell(0, 6, "Second page text.", new_x="LMARGIN", new_y="NEXT")
        pdf.set_auto_page_break(False)
        pdf.set_y(-15)
        pdf.cell(0, 10, f"Page {page_no}", align="C")
    data = bytes(pdf.output())
    path.write_bytes(data)
    return data


def make_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = "ACME Confidential"
    doc.sections[0].footer.paragraphs[0].text = "Internal use only"
    doc.add_heading("Employee Handbook", level=1)
    doc.add_paragraph("Welcome to the company. This handbook explains our policies.")
    doc.add_heading("Leave Policy", level=2)
    doc.add_paragraph("Staff get 25 days of annual leave.")
    table = doc.add_table(rows=3, cols=2)
    for i, row in enumerate([("Type", "Days"), ("Annual", "25"), ("Sick", "10")]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    doc.save(path)


MARKDOWN = """# Policy Manual

Intro paragraph here. It explains the policy in two sentences.

## Expenses

- Keep receipts
- Submit monthly

| item | limit |
|---|---|
| hotel | 150 |
"""

HTML = """<!DOCTYPE html>
<html><head><title>Ignored</title></head><body>
<header>Site navigation</header>
<h1>Travel Guide</h1>
<p>Book trains early. Fares rise in the last week.</p>
<table><tr><th>city</th><th>fare</th></tr><tr><td>Paris</td><td>120</td></tr></table>
<footer>Copyright ACME</footer>
</body></html>
"""

CP1252_TEXT = "Le café coûte 3 € aujourd’hui – c’est la règle.\n\nIl a dit « bonjour » et il est parti vers la gare."
UTF16_TEXT = "Grüße aus München – das kostet 10 € für alle.\n\nDer zweite Absatz erklärt die Regeln genauer."

CHAT_OK_1 = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
CHAT_OK_2 = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "A2"},
    ]
}

EXPORT = {
    "format": "brightrun-lora-v4",
    "consultant_profile": {"name": "Elena Morales", "credentials": "CFP", "system_prompt": "You are Elena, a CFP."},
    "conversations": [
        {
            "conversation_id": "conv-001",
            "metadata": {"persona": "pragmatic", "topic": "budgeting"},
            "turns": [
                {"turn_number": 2, "role": "assistant", "content": "Start with a budget."},
                {"turn_number": 1, "role": "user", "content": "Where do I start?"},
            ],
        },
        {"conversation_id": "conv-002", "metadata": {}, "turns": [{"turn_number": 1, "role": "user", "content": ""}]},
        {"conversation_id": "conv-003", "metadata": {}, "turns": [{"turn_number": 1, "role": "user", "content": "Q"}]},
    ],
}


def make_corpus(folder: Path) -> dict[str, str]:
    """One file per case; returns file name → expected outcome ("doc:<type>" or a quarantine reason)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "guide.html").write_text(HTML, encoding="utf-8")
    (folder / "limits.csv").write_text("name,code\nAnn,007\nBob,NA\n", encoding="utf-8")
    (folder / "legacy.txt").write_bytes(CP1252_TEXT.encode("cp1252"))
    (folder / "unicode.txt").write_bytes(UTF16_TEXT.encode("utf-16"))
    make_docx(folder / "handbook.docx")
    pdf = make_pdf(folder / "report.pdf")
    (folder / "really_a_pdf.docx").write_bytes(pdf)
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    make_pdf(folder / "locked.pdf", user_password="secret")
    (folder / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    (folder / "zero.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\t\n", encoding="utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    lines = [json.dumps(CHAT_OK_1), "{not json", json.dumps(CHAT_OK_2)]
    (folder / "chats.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "policy.md": "doc:md",
        "guide.html": "doc:html",
        "limits.csv": "doc:csv",
        "legacy.txt": "doc:txt",
        "unicode.txt": "doc:txt",
        "handbook.docx": "doc:docx",
        "report.pdf": "doc:pdf",
        "really_a_pdf.docx": "doc:pdf",
        "truncated.pdf": "unreadable",
        "locked.pdf": "encrypted",
        "locked.docx": "encrypted",
        "zero.txt": "empty",
        "blank.md": "empty",
        "logo.png": "unsupported",
        "chats.jsonl": "2 docs + 1 unreadable",
    }


def one_doc(result: IngestResult) -> Document:
    assert result.quarantined == []
    assert len(result.documents) == 1
    return result.documents[0]


def shape(doc: Document) -> list[tuple[str, int, str]]:
    return [(e.kind, e.level, e.text) for e in doc.elements]


def reasons(result: IngestResult) -> list[tuple[str, str]]:
    return [(Path(q.source).name, q.reason) for q in result.quarantined]


# ---------------------------------------------------------------- structure per format


def test_markdown_headings_list_and_table(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = one_doc(ingest_file(path))
    assert doc.doc_type == "md"
    assert shape(doc) == [
        ("title", 1, "Policy Manual"),
        ("text", 0, "Intro paragraph here. It explains the policy in two sentences."),
        ("title", 2, "Expenses"),
        ("list_item", 0, "Keep receipts"),
        ("list_item", 0, "Submit monthly"),
        ("table", 0, "item | limit\nhotel | 150"),
    ]
    assert doc.elements[-1].meta == {"n_rows": 1, "n_cols": 2}  # cell values only in the text (PII-redacted)
    assert doc.meta == {"declared_type": "md", "detected_type": "md", "parser": "markdown", "encoding": "utf-8"}


def test_markdown_nested_lists_code_and_quotes_keep_the_authors_structure(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "Notes\n=====\n\n> Quoted *advice* from the desk.\n\n1. First step\n   - sub point\n2. Second step\n\n"
        "```\nrate = 0.05\nyears = 10\n```\n\n---\n\n###### Small print\n\nClosing line with **bold**.\n",
        encoding="utf-8",
    )
    assert shape(one_doc(ingest_file(path))) == [
        ("title", 1, "Notes"),
        ("text", 0, "Quoted advice from the desk."),
        ("list_item", 0, "First step"),
        ("list_item", 0, "sub point"),
        ("list_item", 0, "Second step"),
        ("text", 0, "rate = 0.05\nyears = 10"),
        ("title", 6, "Small print"),
        ("text", 0, "Closing line with bold."),
    ]


# A mail header block: spaCy's parser counts two sentences, punctuation rules one, so unstructured's
# guess differs (NarrativeText vs Title): the one kind of paragraph where the setting shows.
MAIL_HEADER = "From: Jakub Tryc <jakub@ziggo.nl>\nSubject: Fwd: Model K-9 vacuum order\nDate: Monday"


def test_rule_based_sentences_only_inside_ingest_and_switchable(tmp_path: Path) -> None:
    from unstructured.partition import text_type

    from loraforge.ingest.sentences import rule_based_sentences

    assert len(text_type.sent_tokenize(MAIL_HEADER)) == 2  # unstructured's own (the spaCy parser)
    with rule_based_sentences():
        assert text_type.sent_tokenize(MAIL_HEADER) == [MAIL_HEADER]
    assert len(text_type.sent_tokenize(MAIL_HEADER)) == 2  # other callers keep unstructured's behaviour
    path = tmp_path / "mail.txt"
    path.write_text(MAIL_HEADER + "\n", encoding="utf-8")
    assert [e.kind for e in one_doc(ingest_file(path)).elements] == ["title"]
    assert [e.kind for e in one_doc(ingest_file(path, IngestConfig(rule_based_sentences=False))).elements] == ["text"]


def test_rule_based_sentences_change_nothing_in_the_sample_corpus() -> None:
    root = REPO / "examples" / "docs"
    paths = [p for p in discover(root) if p.suffix in (".txt", ".html", ".docx") and p.stat().st_size > 100]
    fast = ingest_files(paths, IngestConfig(), root=root)
    parser = ingest_files(paths, IngestConfig(rule_based_sentences=False), root=root)
    assert len(fast.documents) == 16  # 6 text, 4 HTML, 5 DOCX files, and the PDF named .docx
    assert [shape(d) for d in fast.documents] == [shape(d) for d in parser.documents]


def test_docx_headings_table_and_no_page_furniture(tmp_path: Path) -> None:
    path = tmp_path / "handbook.docx"
    make_docx(path)
    doc = one_doc(ingest_file(path))
    assert doc.doc_type == "docx"
    assert shape(doc) == [
        ("title", 1, "Employee Handbook"),
        ("text", 0, "Welcome to the company. This handbook explains our policies."),
        ("title", 2, "Leave Policy"),
        ("text", 0, "Staff get 25 days of annual leave."),
        ("table", 0, "Type | Days\nAnnual | 25\nSick | 10"),
    ]
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_html_heading_paragraph_table_without_header_footer(tmp_path: Path) -> None:
    path = tmp_path / "guide.html"
    path.write_text(HTML, encoding="utf-8")
    doc = one_doc(ingest_file(path))
    assert shape(doc) == [
        ("title", 1, "Travel Guide"),
        ("text", 0, "Book trains early. Fares rise in the last week."),
        ("table", 0, "city | fare\nParis | 120"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_html_sniffed_inside_a_txt_file(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "saved_page.txt"
    path.write_text(HTML, encoding=encoding)
    doc = one_doc(ingest_file(path))
    assert (doc.doc_type, doc.meta["declared_type"], doc.meta["detected_type"]) == ("html", "txt", "html")
    assert doc.elements[0].text == "Travel Guide"


def test_csv_is_one_table_with_cells_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "limits.csv"
    path.write_text("name;code\nAnn;007\nBob;NA\n\n", encoding="utf-8")
    doc = one_doc(ingest_file(path))
    assert shape(doc) == [("table", 0, "name | code\nAnn | 007\nBob | NA")]
    meta = doc.elements[0].meta
    assert (meta["n_rows"], meta["n_cols"]) == (2, 2)
    assert set(meta) == {"n_rows", "n_cols"}  # no HTML copy of the cells (it would bypass PII redaction)


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "text", "expected_label"),
    [
        ("cp1252", CP1252_TEXT, "cp1252"),
        ("utf-16", UTF16_TEXT, "utf-16"),  # with BOM, as Windows Notepad writes it
        ("utf-16-le", UTF16_TEXT, "utf_16_le"),  # no BOM: charset-normalizer
        ("utf-32", UTF16_TEXT, "utf-32"),
        ("utf-8-sig", UTF16_TEXT, "utf-8-sig"),
        ("cp1251", "Привет, как дела? Это тест русского текста в кодировке.", "cp1251"),
    ],
)
def test_decode_text(encoding: str, text: str, expected_label: str) -> None:
    assert decode_text(text.encode(encoding)) == (text, expected_label)


def test_cp1252_and_utf16_files_decode_to_exact_text(tmp_path: Path) -> None:
    legacy, wide = tmp_path / "legacy.txt", tmp_path / "unicode.txt"
    legacy.write_bytes(CP1252_TEXT.encode("cp1252"))
    wide.write_bytes(UTF16_TEXT.encode("utf-16"))
    doc = one_doc(ingest_file(legacy))
    assert (doc.text, doc.meta["encoding"]) == (CP1252_TEXT, "cp1252")
    doc = one_doc(ingest_file(wide))
    assert (doc.text, doc.meta["encoding"]) == (UTF16_TEXT, "utf-16")


# ---------------------------------------------------------------- PDF


def test_pdf_structure_from_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    make_pdf(path)
    doc = one_doc(ingest_file(path))
    assert shape(doc) == [
        ("title", 1, "Annual Report"),
        ("title", 2, "Overview"),
        ("text", 0, PARAGRAPH.strip()),
        ("list_item", 0, "first bullet"),
        ("list_item", 0, "second bullet"),
        ("text", 0, "This sentence continues on the next page without a break."),
        ("table", 0, "Type | Days\nAnnual | 25\nSick | 10"),
        ("text", 0, "Second page text."),
    ]  # running header "ACME Corp annual report" and "Page n" footers dropped
    assert [e.meta["page"] for e in doc.elements] == [1, 1, 1, 1, 1, 1, 2, 2]
    assert doc.elements[6].meta == {"page": 2, "n_rows": 2, "n_cols": 2}
    assert (doc.meta["parser"], doc.meta["pages"]) == ("pdfminer", 2)


def test_pdf_without_pdfplumber_still_reads_every_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pdfplumber", None)  # import fails: pdfminer-only fallback
    path = tmp_path / "report.pdf"
    make_pdf(path)
    doc = one_doc(ingest_file(path))
    assert shape(doc)[:6] == [
        ("title", 1, "Annual Report"),
        ("title", 2, "Overview"),
        ("text", 0, PARAGRAPH.strip()),
        ("list_item", 0, "first bullet"),
        ("list_item", 0, "second bullet"),
        ("text", 0, "This sentence continues on the next page without a break."),
    ]
    rest = [e.text for e in doc.elements[6:]]
    assert "table" not in {e.kind for e in doc.elements}  # cells come out as loose lines instead
    assert sorted(rest) == sorted(["Type", "Days", "Annual", "25", "Sick", "10", "Second page text."])


def test_pdf_named_docx_is_ingested_as_pdf(tmp_path: Path) -> None:
    path = tmp_path / "contract.docx"
    make_pdf(path)
    doc = one_doc(ingest_file(path))
    assert (doc.doc_type, doc.meta["declared_type"], doc.meta["detected_type"]) == ("pdf", "docx", "pdf")
    assert doc.elements[0].text == "Annual Report"


def test_pdf_with_open_password_is_encrypted_but_permission_only_is_read(tmp_path: Path) -> None:
    make_pdf(tmp_path / "locked.pdf", user_password="secret")
    make_pdf(tmp_path / "restricted.pdf", owner_password="owner-only")
    result = ingest_files([tmp_path / "locked.pdf", tmp_path / "restricted.pdf"])
    assert reasons(result) == [("locked.pdf", "encrypted")]
    assert [d.elements[0].text for d in result.documents] == ["Annual Report"]


def test_truncated_pdf_is_unreadable(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "full.pdf")
    (tmp_path / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    result = ingest_file(tmp_path / "truncated.pdf")
    assert reasons(result) == [("truncated.pdf", "unreadable")]
    assert result.quarantined[0].detail == "PDF structure: PdfStreamError"


def test_pdf_without_text_layer_or_words_is_empty(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # no text layer, and nothing OCR can read (tests/test_ingest_ocr.py)
    (tmp_path / "scan.pdf").write_bytes(bytes(pdf.output()))
    result = ingest_file(tmp_path / "scan.pdf")
    assert [(q.reason, q.detail) for q in result.quarantined] == [
        ("empty", "no text layer on 1 page(s) and OCR found no text")
    ]


def test_text_quoting_a_pdf_header_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# PDF notes\n\nEvery PDF starts with %PDF-1.7 and ends with %%EOF markers.\n", encoding="utf-8")
    assert one_doc(ingest_file(path)).doc_type == "md"


def test_pdf_strategy_hi_res_needs_the_pdf_extras() -> None:
    if importlib.util.find_spec("unstructured_inference") is not None:
        pytest.skip("unstructured[pdf] installed here")
    with pytest.raises(ValueError, match="unstructured\\[pdf\\]"):
        IngestConfig(pdf_strategy="hi_res")
    with pytest.raises(ValidationError, match="Input should be 'fast'"):
        IngestConfig(pdf_strategy="magic")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="unknown encoding 'klingon'"):
        IngestConfig(encoding_fallback="klingon")


# ---------------------------------------------------------------- quarantine reasons


def test_quarantine_reasons_for_bad_files(tmp_path: Path) -> None:
    (tmp_path / "zero.txt").write_bytes(b"")
    (tmp_path / "spaces.md").write_text(" \n\t \n", encoding="utf-8")
    (tmp_path / "wide_spaces.txt").write_bytes("   \n  ".encode("utf-16"))
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (tmp_path / "notes.xyz").write_text("plain words", encoding="utf-8")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    (tmp_path / "broken.docx").write_text("this is not a zip", encoding="utf-8")
    result = ingest_files(discover(tmp_path))
    assert result.documents == []
    assert reasons(result) == [
        ("broken.docx", "unreadable"),
        ("locked.docx", "encrypted"),
        ("logo.png", "unsupported"),
        ("notes.xyz", "unsupported"),
        ("old.doc", "unsupported"),
        ("spaces.md", "empty"),
        ("wide_spaces.txt", "empty"),
        ("zero.txt", "empty"),
    ]
    assert {q.stage for q in result.quarantined} == {"ingest"}


def test_too_large_is_decided_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 11, encoding="utf-8")
    result = ingest_file(path, IngestConfig(max_bytes=10))
    assert reasons(result) == [("big.txt", "too_large")]
    assert result.quarantined[0].detail == "11 bytes > max_bytes=10"
    assert result.n_bytes == 0


def test_timeout_quarantines_and_the_batch_moves_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real_txt = PARSERS["txt"]

    def slow_txt(blob, config):  # type: ignore[no-untyped-def]
        if blob.path.name == "slow.txt":
            release.wait(30)  # stands in for a parser stuck on a pathological file
        return real_txt(blob, config)

    monkeypatch.setitem(PARSERS, "txt", slow_txt)
    (tmp_path / "slow.txt").write_text("Never finished in time.", encoding="utf-8")
    (tmp_path / "fast.txt").write_text("This one is parsed. It has two sentences.", encoding="utf-8")
    try:
        result = ingest_files([tmp_path / "slow.txt", tmp_path / "fast.txt"], IngestConfig(timeout_s=0.2))
    finally:
        release.set()  # let the abandoned worker finish instead of lingering
    assert reasons(result) == [("slow.txt", "timeout")]
    assert result.quarantined[0].detail == "parsing took longer than timeout_s=0.2"
    assert [d.text for d in result.documents] == ["This one is parsed. It has two sentences."]


def test_unexpected_parser_error_becomes_unreadable_without_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(blob, config):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(PARSERS, "md", broken)
    (tmp_path / "a.md").write_text("# Secret salary table", encoding="utf-8")
    result = ingest_files([tmp_path / "a.md"])
    assert [(q.reason, q.detail) for q in result.quarantined] == [("unreadable", "ZeroDivisionError: division by zero")]


# ---------------------------------------------------------------- conversations


def test_jsonl_with_one_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    # CRLF line ends and a raw U+2028 inside a JSON string must not split a record.
    second = json.dumps(CHAT_OK_2, ensure_ascii=False).replace("Be brief.", "Be brief.\u2028")
    lines = [json.dumps(CHAT_OK_1), "{not json", second]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")
    result = ingest_file(path, source_name="chats.jsonl")
    assert [d.source for d in result.documents] == ["chats.jsonl#0", "chats.jsonl#2"]
    assert [(q.source, q.reason) for q in result.quarantined] == [("chats.jsonl#1", "unreadable")]
    assert result.quarantined[0].detail.startswith("line 2: invalid JSON")
    second = result.documents[1]
    assert second.doc_type == "conversation"
    assert [(e.kind, e.meta["role"], e.text) for e in second.elements] == [
        ("turn", "system", "Be brief."),
        ("turn", "user", "Q2"),
        ("turn", "assistant", "A2"),
    ]


def test_conversations_missing_role_or_empty_content(tmp_path: Path) -> None:
    path = tmp_path / "chats.json"
    records = [
        CHAT_OK_1,
        {"messages": [{"content": "no role"}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "  "}]},
        {"messages": [{"role": "developer", "content": "Rules."}, {"role": "user", "content": "Q"}]},
    ]
    path.write_text(json.dumps(records), encoding="utf-8")  # a JSON array of OpenAI records
    result = ingest_file(path, source_name="chats.json")
    assert [q.detail for q in result.quarantined] == [
        "record 2: message 1 has no valid role (got 'None')",
        "record 3: message 2 (assistant) has empty content",
    ]
    assert [d.source for d in result.documents] == ["chats.json#0", "chats.json#3"]
    assert [e.meta["role"] for e in result.documents[1].elements] == ["system", "user"]


def test_export_format_puts_the_consultant_system_prompt_first(tmp_path: Path) -> None:
    path = tmp_path / "advisor_sessions_export.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    result = ingest_file(path, source_name="advisor_sessions_export.json")
    assert [d.meta["conversation_id"] for d in result.documents] == ["conv-001", "conv-003"]
    doc = result.documents[0]
    assert [(e.meta["role"], e.text) for e in doc.elements] == [
        ("system", "You are Elena, a CFP."),
        ("user", "Where do I start?"),
        ("assistant", "Start with a budget."),
    ]
    assert doc.source == "advisor_sessions_export.json#0"
    assert (doc.meta["conversation_id"], doc.meta["metadata"]) == (
        "conv-001",
        {"persona": "pragmatic", "topic": "budgeting"},
    )
    assert doc.meta["consultant"] == {"name": "Elena Morales", "credentials": "CFP"}
    assert [(q.source, q.detail) for q in result.quarantined] == [
        ("advisor_sessions_export.json#1", "conversation conv-002: message 1 (user) has empty content"),
    ]  # conv-003 has a user turn only: kept, the dataset stage decides what it can train on


def test_json_that_is_not_a_conversation_is_unsupported_and_no_conversations_is_empty(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"theme": "dark"}', encoding="utf-8")
    (tmp_path / "export.json").write_text('{"format": "brightrun-lora-v4", "conversations": []}', encoding="utf-8")
    result = ingest_files(discover(tmp_path))
    assert [(Path(q.source).name, q.reason, q.detail) for q in result.quarantined] == [
        ("export.json", "empty", "no records"),
        ("settings.json", "unsupported", "JSON is not a known conversation format (messages / conversations)"),
    ]


# ---------------------------------------------------------------- folder-level behaviour


def test_discover_skips_hidden_and_lists_sorted(tmp_path: Path) -> None:
    for rel in ["b.txt", "a/z.md", "a/.swp", ".git/config", "c/.hidden/x.txt", "A.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["A.txt", "a/z.md", "b.txt"]


def test_folder_outcomes_and_ids_stable_across_runs(tmp_path: Path) -> None:
    expected = make_corpus(tmp_path / "docs")
    paths = discover(tmp_path / "docs")
    first = ingest_files(paths, root=tmp_path / "docs")
    second = ingest_files(paths, root=tmp_path / "docs")
    assert first.n_files == len(paths) == len(expected)
    got = {
        Path(d.source.split("#")[0]).name: f"doc:{d.doc_type}" for d in first.documents if d.doc_type != "conversation"
    }
    got.update({Path(q.source).name: q.reason for q in first.quarantined if "#" not in q.source})
    got["chats.jsonl"] = "2 docs + 1 unreadable"
    assert got == expected
    assert first.quarantined_by_reason() == {"empty": 2, "encrypted": 2, "unreadable": 2, "unsupported": 1}
    assert [d.id for d in first.documents] == [d.id for d in second.documents]
    assert len({d.id for d in first.documents}) == len(first.documents) - 1  # report.pdf == really_a_pdf.docx


# ---------------------------------------------------------------- offline


def test_spacy_model_shim_is_installed() -> None:
    import spacy

    assert spacy.util.is_package("en_core_web_sm")
    nlp = spacy.load("en_core_web_sm", exclude=["ner", "lemmatizer", "attribute_ruler"])
    assert nlp.pipe_names == ["tok2vec", "tagger", "parser"]


def _clear_unstructured_nlp_caches() -> object:
    from unstructured.nlp import tokenize

    for fn in (tokenize._get_nlp, tokenize._process_cached, tokenize.word_tokenize, tokenize.pos_tag):
        fn.cache_clear()
    tokenize._tokenize_for_cache.cache_clear()
    return tokenize


def test_ingest_folder_makes_no_network_attempt(tmp_path: Path, no_network: list[str]) -> None:
    make_corpus(tmp_path / "docs")
    # Earlier tests loaded spaCy; drop unstructured's caches so the model is loaded again in here.
    tokenize = _clear_unstructured_nlp_caches()
    result = ingest_files(discover(tmp_path / "docs"))
    assert tokenize._get_nlp.cache_info().misses == 1  # the model really was loaded with sockets blocked
    assert len(result.documents) == 10
    assert no_network == []


def test_offline_guard_would_catch_the_model_download(
    tmp_path: Path, no_network: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative control: without the shim unstructured tries GitHub, and the guard records it."""
    import spacy

    tokenize = _clear_unstructured_nlp_caches()

    def no_model(name: str, **kwargs: object) -> None:
        raise OSError(f"[E050] Can't find model {name!r}")

    monkeypatch.setattr(spacy, "load", no_model)
    monkeypatch.setattr(tokenize, "_SPACY_MODEL_SHA256", "0" * 64)  # never install, even if a download got through
    monkeypatch.setattr(tokenize, "_INSTALL_LOCK_PATH", str(tmp_path / "install.lock"))
    # plain text: unstructured guesses titles with spaCy there (Markdown needs no model)
    (tmp_path / "a.txt").write_text("Policy Manual\n\n" + PARAGRAPH + "\n", encoding="utf-8")
    result = ingest_file(tmp_path / "a.txt")
    assert no_network == ["dns:'github.com'"]
    assert [q.reason for q in result.quarantined] == ["unreadable"]  # and the batch would go on
    assert result.quarantined[0].detail.startswith("NetworkAttempt: DNS lookup attempted")


_COLD_START = """
import json, socket, sys
from pathlib import Path
attempts = []
def guard(kind):
    def blocked(*args, **kwargs):
        attempts.append(f"{kind}:{args[-1] if kind == 'connect' else args[0]!r}")
        raise OSError("network blocked by test")
    return blocked
socket.socket.connect = guard("connect")
socket.socket.connect_ex = guard("connect")
socket.getaddrinfo = guard("dns")
socket.create_connection = guard("dns")
import loraforge.ingest as ingest
imported_early = sorted(m for m in ("prefect", "unstructured", "spacy") if m in sys.modules)
result = ingest.ingest_files(ingest.discover(Path(sys.argv[1])))
print(json.dumps({"attempts": attempts, "imported_early": imported_early, "n_docs": len(result.documents),
                  "quarantined": result.quarantined_by_reason(), "prefect": "prefect" in sys.modules}))
"""


def test_cold_start_in_fresh_process_is_offline(tmp_path: Path) -> None:
    """First import of unstructured and first spaCy load, in a clean interpreter with sockets blocked.

    The environment is stripped of the offline variables so ingest itself must set them (unstructured
    pings its telemetry endpoint when it is imported).
    """
    make_corpus(tmp_path / "docs")
    env = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "SCARF_NO_ANALYTICS")}
    env = {k: v for k, v in env.items() if not k.startswith(("HF_", "UNSTRUCTURED_", "TRANSFORMERS_"))}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_COLD_START), str(tmp_path / "docs")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {
        "attempts": [],
        "imported_early": [],
        "n_docs": 10,
        "quarantined": {"empty": 2, "encrypted": 2, "unreadable": 2, "unsupported": 1},
        "prefect": False,
    }


# ---------------------------------------------------------------- the sample corpus (examples/)


def test_sample_corpus_outcomes() -> None:
    """examples/docs ingests exactly as examples/CORPUS.md (and its corpus_manifest.json) says."""
    root = REPO / "examples" / "docs"
    manifest = json.loads((REPO / "examples" / "corpus_manifest.json").read_text(encoding="utf-8"))
    result = ingest_files(discover(root), root=root)
    # CORPUS.md "Totals" (generated together with the manifest, so read from it: the corpus may grow).
    totals = manifest["totals"]
    assert result.n_files == totals["files"]
    assert len(result.documents) == totals["documents_ingested"]
    assert result.quarantined_by_reason() == totals["files_quarantined"]
    assert len({d.source.split("#")[0] for d in result.documents}) == totals["files_ingested"]
    # Per file: documents produced and quarantine reason, as CORPUS.md's file table lists them.
    docs_per_file = Counter(d.source.split("#")[0] for d in result.documents)
    got = {src: (docs_per_file[src], None) for src in (p.relative_to(root).as_posix() for p in discover(root))}
    got.update({q.source: (0, q.reason) for q in result.quarantined})
    expected = {f["path"]: (f["documents"], f["reason"]) for f in manifest["files"]}
    assert got == expected
    by_source = {d.source: d for d in result.documents}
    assert by_source["research/quarterly_review.docx"].doc_type == "pdf"
    cp1252 = by_source["client_service/branch_notes_cp1252.txt"]
    assert cp1252.meta["encoding"] == "cp1252"
    assert all(s in cp1252.text for s in ("Amélie Durand", "€4,000", "branch’s"))
    utf16 = by_source["client_service/welcome_letter_utf16.txt"]
    assert utf16.meta["encoding"] == "utf-16"
    assert all(s in utf16.text for s in ("Zoë Lindqvist", "naïve", "don’t"))
    export = [d for d in result.documents if d.source.startswith("chats/advisor_sessions_export.json#")]
    n_export = expected["chats/advisor_sessions_export.json"][0]
    assert [d.meta["conversation_id"] for d in export] == [f"conv-{i:03d}" for i in range(1, n_export + 1)]
    assert {d.elements[0].meta["role"] for d in export} == {"system"}
    assert "Elena Morales" in export[0].elements[0].text
