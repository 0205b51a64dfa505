"""OCR of scanned PDF pages with the real Tesseract (the tesseract-ocr Debian package, installed by
scripts/install-ocr.sh): exact words back, text-layer pages never OCR'd, per-page time limits, and a
clear quarantine reason when OCR is off or Tesseract is missing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from loraforge.ingest import IngestConfig, ingest_file

REPO = Path(__file__).resolve().parents[1]
SCAN = REPO / "examples" / "docs" / "policies" / "records_retention_memo_scan.pdf"

# The memo's source text (tools/corpus/corpus_docs.py), as structured elements.
MEMO = [
    ("title", 1, "Records Retention Memo"),
    (
        "text",
        0,
        "Compliance asks every office to follow this schedule when paper files are boxed for storage. "
        "Scan each signed original into the document vault before the paper leaves the branch.",
    ),
    ("title", 2, "Retention periods"),
    ("list_item", 0, "Client agreements: keep for six years after the account closes."),
    ("list_item", 0, "Trade confirmations and statements: keep for six years."),
    ("list_item", 0, "Marketing pieces and performance advertising: keep for five years after last use."),
    ("list_item", 0, "Complaint files: keep for five years after the final response."),
    ("title", 2, "Destruction"),
    (
        "text",
        0,
        "Boxes past their retention date are shredded by our bonded vendor each October. A certificate of "
        "destruction goes to Compliance, which files it with the annual review.",
    ),
]


def scanned_page_png(lines: list[str]) -> bytes:
    """A 150 dpi bitmap of ``lines`` in 12 pt text: what a scanner makes of a printed page."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 500), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=25)
    for n, line in enumerate(lines):
        draw.text((120, 100 + n * 40), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def mixed_pdf(path: Path) -> None:
    """Page 1 has a text layer; page 2 is only a picture of text (a scanned appendix)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "The typed cover page describes the appendix that follows.")
    pdf.add_page()
    png = scanned_page_png(["The signed appendix lists seven branch offices.", "Every office keeps a ledger."])
    pdf.image(io.BytesIO(png), x=0, y=0, w=210)
    path.write_bytes(bytes(pdf.output()))


def elements(path: Path, config: IngestConfig | None = None) -> list[tuple[str, int, str]]:
    result = ingest_file(path, config)
    assert not result.quarantined, result.quarantined
    return [(e.kind, e.level, e.text) for e in result.documents[0].elements]


def test_scanned_sample_memo_reads_back_word_for_word() -> None:
    result = ingest_file(SCAN)
    assert [(e.kind, e.level, e.text) for e in result.documents[0].elements] == MEMO
    doc = result.documents[0]
    assert doc.meta["ocr_pages"] == [1] and doc.meta["pages"] == 1
    assert all(e.meta == {"page": 1, "ocr": True} for e in doc.elements)


def test_only_pages_without_a_text_layer_are_ocrd(tmp_path: Path) -> None:
    mixed_pdf(tmp_path / "mixed.pdf")
    doc = ingest_file(tmp_path / "mixed.pdf").documents[0]
    assert doc.meta["ocr_pages"] == [2]
    assert [(e.text, e.meta) for e in doc.elements] == [
        ("The typed cover page describes the appendix that follows.", {"page": 1}),
        ("The signed appendix lists seven branch offices. Every office keeps a ledger.", {"page": 2, "ocr": True}),
    ]


def test_ocr_off_quarantines_a_scan_and_keeps_the_text_pages_of_a_mixed_file(tmp_path: Path) -> None:
    off = IngestConfig(ocr=False)
    result = ingest_file(SCAN, off)
    assert [(q.reason, q.detail) for q in result.quarantined] == [
        ("needs_ocr", "no text layer on 1 of 1 page(s); ocr is off (IngestConfig.ocr)")
    ]
    mixed_pdf(tmp_path / "mixed.pdf")
    doc = ingest_file(tmp_path / "mixed.pdf", off).documents[0]
    assert [e.meta["page"] for e in doc.elements] == [1]
    assert (doc.meta["pages_not_read"], doc.meta["not_read_because"]) == ([2], "ocr is off (IngestConfig.ocr)")


def test_page_timeout_is_a_timeout_quarantine() -> None:
    result = ingest_file(SCAN, IngestConfig(ocr_page_timeout_s=0.01))
    assert [(q.reason, q.detail) for q in result.quarantined] == [
        ("timeout", "1 of 1 scanned page(s) failed; OCR of page 1 took longer than ocr_page_timeout_s=0.01")
    ]


def test_a_failing_tesseract_is_unreadable_and_a_mixed_file_keeps_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Language data that is listed but broken: Tesseract itself exits with an error on every page."""
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    listing = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=True).stdout
    installed = Path(listing.split('"')[1])  # 'List of available languages in "/usr/share/.../tessdata/" (2):'
    (tessdata / "eng.traineddata").symlink_to(installed / "eng.traineddata")
    (tessdata / "broken.traineddata").write_bytes(b"\x00not a model" * 100)
    monkeypatch.setenv("TESSDATA_PREFIX", str(tessdata))
    broken = IngestConfig(ocr_languages="broken")
    [quarantined] = ingest_file(SCAN, broken).quarantined
    assert quarantined.reason == "unreadable"
    assert quarantined.detail.startswith(
        "1 of 1 scanned page(s) failed; OCR failed on page 1: TesseractError: (1, 'Error opening data file"
    )
    mixed_pdf(tmp_path / "mixed.pdf")
    doc = ingest_file(tmp_path / "mixed.pdf", broken).documents[0]
    assert [e.meta for e in doc.elements] == [{"page": 1}]
    assert (doc.meta["ocr_pages"], doc.meta["ocr_failed_pages"]) == ([2], [2])


def test_each_ocr_page_extends_the_file_time_limit() -> None:
    """OCR of the memo takes seconds; the file limit of 0.2 s covers the parse, each page adds its own."""
    assert elements(SCAN, IngestConfig(timeout_s=0.2)) == MEMO


def test_ocr_languages_are_checked() -> None:
    with pytest.raises(ValidationError, match="ocr_languages"):
        IngestConfig(ocr_languages="eng; rm -rf /")
    result = ingest_file(SCAN, IngestConfig(ocr_languages="eng+xyz"))
    assert [(q.reason, q.detail) for q in result.quarantined] == [
        (
            "needs_ocr",
            "no text layer on 1 of 1 page(s); tesseract language data missing (xyz): apt-get install tesseract-ocr-xyz",
        )
    ]


_WITHOUT_TESSERACT = """
import json, sys
from pathlib import Path
from loraforge.ingest import ingest_file
result = ingest_file(Path(sys.argv[1]))
print(json.dumps([[q.reason, q.detail] for q in result.quarantined]))
"""


def test_without_tesseract_a_scan_is_quarantined_naming_it(tmp_path: Path) -> None:
    """A machine without the Debian package (PATH without tesseract): a clear reason, no crash."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {**os.environ, "PATH": str(bin_dir)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_WITHOUT_TESSERACT), str(SCAN)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [
        [
            "needs_ocr",
            "no text layer on 1 of 1 page(s); the tesseract program is not installed: apt-get install "
            "tesseract-ocr tesseract-ocr-eng (scripts/setup.sh does it when run as root)",
        ]
    ]
