"""Ingest stage: company files in, structured Documents (or Quarantined records with a reason) out.

    from loraforge.ingest import IngestConfig, discover, ingest_files
    result = ingest_files(discover(Path("docs")), IngestConfig(), root=Path("docs"))

Supported: PDF (text layer; scanned pages through Tesseract OCR), DOCX, HTML, Markdown, plain text, CSV,
and chat transcripts (OpenAI ``messages`` JSON/JSONL and the brightrun-lora-v4 export). Types are
detected from content first. The library never imports prefect; tasks/ wraps these functions.
"""

from loraforge.ingest.base import IngestConfig, IngestResult, ParseError
from loraforge.ingest.core import PARSERS, discover, ingest_file, ingest_files
from loraforge.ingest.detect import decode_text, detect_type

__all__ = [
    "PARSERS",
    "IngestConfig",
    "IngestResult",
    "ParseError",
    "decode_text",
    "detect_type",
    "discover",
    "ingest_file",
    "ingest_files",
]
