"""Chat transcripts: OpenAI-style ``{"messages": [...]}`` records (JSONL or a JSON array) and the
``brightrun-lora-v4`` export (``{"consultant_profile": ..., "conversations": [{"turns": [...]}]}``).

Every conversation becomes its own Document (``source = f"{file}#{i}"``, i = its position in the
file) so a bad conversation is quarantined alone and the rest of the file is still used.
"""

from __future__ import annotations

import json
from typing import Any

from loraforge.ingest.base import Blob, IngestConfig, Parsed, ParseError, make_document, quarantine
from loraforge.ingest.detect import decode_text
from loraforge.records import Document, Element, Quarantined

ROLES = ("system", "user", "assistant")
# OpenAI renamed "system" to "developer" for newer models; both mean the instruction turn.
_ROLE_ALIASES = {"developer": "system"}


class _Malformed(ValueError):
    """A conversation that cannot be used; the message says what is wrong (never its text)."""


def parse_conversations(blob: Blob, config: IngestConfig) -> Parsed:
    """One Document per conversation; one Quarantined record per malformed line or conversation."""
    text, encoding = decode_text(blob.data, config.encoding_fallback)
    meta = {"encoding": encoding}
    stripped = text.lstrip()
    if blob.path.suffix.lower() == ".jsonl" and not stripped.startswith("["):
        return _parse_lines(blob, text, meta)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several JSON values one after another: JSONL named .json
            return _parse_lines(blob, text, meta)
        raise ParseError("unreadable", f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    if isinstance(payload, dict) and isinstance(payload.get("conversations"), list):
        return _parse_export(blob, payload, meta)
    if isinstance(payload, dict) and "messages" in payload:
        payload = [payload]
    if isinstance(payload, list) and any(isinstance(r, dict) and "messages" in r for r in payload):
        out: Parsed = []
        for i, record in enumerate(payload):
            out.append(_openai_record(blob, i, f"record {i + 1}", record, meta))
        return out
    raise ParseError("unsupported", "JSON is not a known conversation format (messages / conversations)")


def _parse_lines(blob: Blob, text: str, meta: dict[str, Any]) -> Parsed:
    out: Parsed = []
    i = 0
    # split("\n"), not splitlines(): JSON strings may hold a raw U+2028, which splitlines() breaks on.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(quarantine(f"{blob.source}#{i}", "unreadable", f"{where}: invalid JSON ({exc.msg})"))
        else:
            out.append(_openai_record(blob, i, where, record, meta))
        i += 1
    return out


def _openai_record(blob: Blob, i: int, where: str, record: Any, meta: dict[str, Any]) -> Document | Quarantined:
    source = f"{blob.source}#{i}"
    try:
        if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
            raise _Malformed("no 'messages' list")
        elements = [_turn(m, n) for n, m in enumerate(record["messages"], start=1)]
        _require_dialogue(elements)
    except _Malformed as exc:
        return quarantine(source, "unreadable", f"{where}: {exc}")
    return make_document(blob, elements, doc_type="conversation", source=source, meta={**meta, "index": i})


def _parse_export(blob: Blob, payload: dict[str, Any], meta: dict[str, Any]) -> Parsed:
    profile = payload.get("consultant_profile") or {}
    system_prompt = profile.get("system_prompt") if isinstance(profile, dict) else None
    consultant = {k: v for k, v in profile.items() if k != "system_prompt"} if isinstance(profile, dict) else {}
    out: Parsed = []
    for i, conv in enumerate(payload["conversations"]):
        source = f"{blob.source}#{i}"
        where = f"conversation {i + 1}"
        try:
            if not isinstance(conv, dict) or not isinstance(conv.get("turns"), list):
                raise _Malformed("no 'turns' list")
            where = f"conversation {conv.get('conversation_id', i + 1)}"
            turns = sorted(
                (t for t in conv["turns"] if isinstance(t, dict)),
                key=lambda t: t.get("turn_number") if isinstance(t.get("turn_number"), int) else 0,
            )
            if len(turns) != len(conv["turns"]):
                raise _Malformed("a turn is not an object")
            elements = [_turn(t, n) for n, t in enumerate(turns, start=1)]
            _require_dialogue(elements)
        except _Malformed as exc:
            out.append(quarantine(source, "unreadable", f"{where}: {exc}"))
            continue
        # The consultant's persona is the system prompt of every conversation, as it will be at inference.
        if isinstance(system_prompt, str) and system_prompt.strip() and elements[0].meta["role"] != "system":
            elements.insert(0, Element(kind="turn", text=system_prompt.strip(), meta={"role": "system"}))
        doc_meta = {
            **meta,
            "index": i,
            "format": payload.get("format"),
            "conversation_id": conv.get("conversation_id"),
            "metadata": conv.get("metadata") or {},
            "consultant": consultant,
        }
        out.append(make_document(blob, elements, doc_type="conversation", source=source, meta=doc_meta))
    return out


def _turn(message: Any, n: int) -> Element:
    if not isinstance(message, dict):
        raise _Malformed(f"message {n} is not an object")
    role = message.get("role")
    role = _ROLE_ALIASES.get(role, role) if isinstance(role, str) else role
    if role not in ROLES:
        raise _Malformed(f"message {n} has no valid role (got {str(role)[:20]!r})")
    content = _content_text(message.get("content"))
    if not content.strip():
        raise _Malformed(f"message {n} ({role}) has empty content")
    return Element(kind="turn", text=content.strip(), meta={"role": role})


def _content_text(content: Any) -> str:
    """Plain string content, or the text parts of OpenAI's list-of-parts content."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def _require_dialogue(elements: list[Element]) -> None:
    if not any(e.meta["role"] != "system" for e in elements):
        raise _Malformed("no user or assistant turn")
