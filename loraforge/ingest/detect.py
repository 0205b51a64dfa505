"""File type detection (content first, extension second) and text decoding.

Users rename files, export HTML with a .txt name, or save a PDF as "contract.docx". Trusting the
extension would send such a file to the wrong parser and quarantine it as unreadable, so the bytes
decide first and the extension only breaks ties between text formats that have no magic bytes.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

from loraforge.ingest.base import ParseError

EXTENSION_TYPES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
    ".csv": "csv",
    ".json": "conversation",
    ".jsonl": "conversation",
}

# Signature → detected type for binary formats we do not ingest. Short signatures that could start
# ordinary text (BMP "BM", DOS "MZ", MP3 "ID3") are left out on purpose.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x7fELF", "elf"),
    (b"{\\rtf", "rtf"),
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: legacy .doc/.xls, encrypted OOXML

_HTML_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def declared_type(path: Path) -> str:
    """The type the file name claims ("unknown" for an extension we do not map)."""
    return EXTENSION_TYPES.get(path.suffix.lower(), "unknown")


def detect_type(data: bytes, path: Path) -> tuple[str, str]:
    """Return ``(detected_type, detail)`` for a non-empty file.

    Detected types with a parser: pdf, docx, html, md, txt, csv, conversation. Anything else (png, zip,
    ole, ...) is quarantined as unsupported; "encrypted-ooxml" and "broken-<type>" are special
    markers the caller turns into "encrypted" / "unreadable" quarantines.
    """
    head = data[:2048]
    declared = declared_type(path)
    # The spec tolerates junk before the header, but a text file may also quote "%PDF-1.7" in its
    # first lines: accept a late header only when the name says PDF too.
    if head.lstrip().startswith(b"%PDF-") or (b"%PDF-" in head[:1024] and declared == "pdf"):
        return "pdf", ""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _detect_zip(data, declared)
    if head.startswith(OLE_MAGIC):
        # Password-protected .docx/.xlsx are stored as an OLE container with an EncryptedPackage stream.
        if "EncryptedPackage".encode("utf-16-le") in data or declared == "docx":
            return "encrypted-ooxml", "OLE container (password-protected Office file)"
        return "ole", "legacy OLE document (.doc/.xls/.ppt); save as .docx"
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            return kind, f"{kind} file"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "webp file"
    if head[4:8] == b"ftyp":
        return "media", "ISO media file (mp4/mov/heic)"
    # UTF-16/32 markup has NUL bytes between ASCII characters; drop them so the sniff still matches.
    text_head = next((head[len(bom) :] for bom, _ in _BOMS if head.startswith(bom)), head)
    if _HTML_START.match(text_head.replace(b"\x00", b"")):
        return "html", ""
    if declared in ("pdf", "docx"):
        return f"broken-{declared}", f"named .{declared} but content is not {declared}"
    if declared == "unknown":
        return "unknown", f"unsupported extension {path.suffix.lower() or '(none)'!r}"
    return declared, ""


def unpacked_size(data: bytes) -> int:
    """What the members of a zip container (DOCX, XLSX, ...) declare they decompress to, read from the
    central directory alone; 0 for anything that is not a readable zip. A bomb is caught here, unpacked."""
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return 0
    try:
        return sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0


def _detect_zip(data: bytes, declared: str) -> tuple[str, str]:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        if declared == "docx":
            return "broken-docx", f"corrupt zip container ({type(exc).__name__})"
        return "zip", "corrupt zip archive"
    if "word/document.xml" in names:
        return "docx", ""
    if "xl/workbook.xml" in names:
        return "xlsx", "Excel workbook (export to CSV to ingest)"
    if "ppt/presentation.xml" in names:
        return "pptx", "PowerPoint presentation"
    return "zip", "zip archive"


def decode_text(data: bytes, fallback: str | None = "cp1252") -> tuple[str, str]:
    """Decode text bytes; return ``(text, encoding)``. Raises ParseError("unreadable") when hopeless.

    Order: BOM, UTF-16/32 without a BOM (told by where its NUL bytes fall), strict UTF-8, then (only
    for NUL-free bytes) the configured 8-bit fallback when the result reads as mostly-Latin text, then
    charset-normalizer's best guess.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ParseError("unreadable", f"invalid {encoding} after BOM at byte {exc.start}") from None
    if (wide := _bomless_wide(data)) is not None:
        try:
            return data.decode(wide), wide
        except UnicodeDecodeError:
            pass  # not that after all: NULs are valid UTF-8, binary goes on to be rejected below
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # NUL bytes mean UTF-16/32 without a BOM (or binary): no 8-bit codepage can be right then.
    if fallback and b"\x00" not in data:
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            text = None
        if text is not None and _mostly_latin(text):
            return text, codecs.lookup(fallback).name
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ParseError("unreadable", "could not detect a text encoding")
    text = str(best)
    if "\x00" in text:
        raise ParseError("unreadable", f"binary content (guessed {best.encoding})")
    return text, best.encoding


def _bomless_wide(data: bytes) -> str | None:
    """UTF-16/32 without a BOM, from the NUL bytes of its first 4 KB: Latin-script text in UTF-16 LE has a
    NUL in (nearly) every odd byte and none in the even ones. Such bytes are valid UTF-8 full of NULs."""
    n = min(len(data), 4096) // 4 * 4
    if n < 8:
        return None

    def nuls(column: bytes) -> float:
        return column.count(0) / len(column)

    quads = [nuls(data[i:n:4]) for i in range(4)]
    if quads[0] < 0.1 and min(quads[1:]) > 0.9:
        return "utf_32_le"
    if quads[3] < 0.1 and min(quads[:3]) > 0.9:
        return "utf_32_be"
    even, odd = nuls(data[0:n:2]), nuls(data[1:n:2])
    if even < 0.1 and odd > 0.6:
        return "utf_16_le"
    if odd < 0.1 and even > 0.6:
        return "utf_16_be"
    return None


def _mostly_latin(text: str) -> bool:
    """True when accented letters are a minority of the letters, as in any Western European language.

    Cyrillic or Greek text decoded as cp1252 turns into runs of accented Latin letters (Ïðèâåò), which
    this rejects so charset-normalizer can pick cp1251/cp1253 instead.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    accented = sum(1 for c in letters if ord(c) > 127)
    return accented / len(letters) <= 0.3
