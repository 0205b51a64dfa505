"""The firm's own questions: a JSONL probe file, asked of base and adapter beside the held-out split.

One JSON object per line::

    {"question": "What is the minimum annual fee for Wealth Management?",
     "expected": "The minimum annual fee is $2,500.", "keywords": ["$2,500"], "forbidden": ["commission"]}

``question`` is required; so is ``expected`` (a reference answer: token F1 / exact match) or
``keywords`` (words the answer must contain), or both. ``forbidden`` lists words a correct answer never
contains. ``id`` is optional. Blank lines and lines starting with ``#`` are skipped. Every error names
the file and line.

Per question, ``score`` = the mean of keyword recall (keywords given) and token F1 (expected given), and
0 when a forbidden word appears. ``probe_score`` is the mean score over the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loraforge.evaluate.metrics import exact_match, token_f1
from loraforge.records import sha256_hex

STORE_PREFIX = "store:"  # probe_file "store:probes/firm.jsonl" = key "<tenant>/<project>/probes/firm.jsonl"
MAX_PROBE_BYTES = 2 * 1024 * 1024
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


class ProbeFileError(ValueError):
    """A probe file that cannot be used: the message names the file and the line."""


class ProbeQuestion(BaseModel):
    """One line of a probe file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=1)
    expected: str | None = Field(None, min_length=1)
    keywords: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    id: str | None = None

    @field_validator("keywords", "forbidden")
    @classmethod
    def _words(cls, words: list[str]) -> list[str]:
        stripped = [w.strip() for w in words]
        if any(not w for w in stripped):
            raise ValueError("must not contain empty strings")
        return stripped

    @model_validator(mode="after")
    def _gradable(self) -> ProbeQuestion:
        if self.expected is None and not self.keywords:
            raise ValueError("give 'expected' (a reference answer), 'keywords' (required words), or both")
        return self


def parse_probes(text: str, source: str = "probe file") -> list[ProbeQuestion]:
    """Validate a probe file's text; ``source`` names it in errors (``probes.jsonl:3: ...``)."""
    probes: list[ProbeQuestion] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{source}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ProbeFileError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(data, dict):
            raise ProbeFileError(f"{where}: expected a JSON object, got {type(data).__name__}")
        try:
            probe = ProbeQuestion.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise ProbeFileError(f"{where}: {problems}") from None
        key = " ".join(probe.question.lower().split())
        if key in seen:
            raise ProbeFileError(f"{where}: the same question as line {seen[key]}")
        seen[key] = number
        probes.append(probe)
    if not probes:
        raise ProbeFileError(f"{source}: no questions (one JSON object per line)")
    return probes


def load_probes(path: str | Path) -> list[ProbeQuestion]:
    """Read and validate a local probe file (UTF-8, at most ``MAX_PROBE_BYTES``)."""
    path = Path(path)
    if not path.is_file():
        raise ProbeFileError(f"{path}: probe file not found")
    if path.stat().st_size > MAX_PROBE_BYTES:
        raise ProbeFileError(f"{path}: larger than {MAX_PROBE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProbeFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return parse_probes(text, str(path))


def store_key(probe_file: str, prefix: str) -> str | None:
    """The store key of a ``store:`` probe file under ``prefix`` (``<tenant>/<project>``); None for a local path."""
    if not probe_file.startswith(STORE_PREFIX):
        return None
    rel = probe_file[len(STORE_PREFIX) :].strip("/")
    if not rel or any(part in ("", ".", "..") for part in rel.split("/")):
        raise ProbeFileError(f"{probe_file}: a store probe file is a key below the project, e.g. store:probes/q.jsonl")
    return f"{prefix}/{rel}"


def fetch_probe_file(probe_file: str, store: Any, prefix: str, local_dir: Path) -> Path:
    """A probe file on local disk: a ``store:`` key is read from ``store`` (under ``prefix``) and
    validated; a local path is validated where it is. Raises ``ProbeFileError``."""
    key = store_key(probe_file, prefix)
    if key is None:
        load_probes(probe_file)
        return Path(probe_file)
    if not store.exists(key):
        raise ProbeFileError(f"{probe_file}: no object at {store.uri(key)}")
    if store.size(key) > MAX_PROBE_BYTES:
        raise ProbeFileError(f"{probe_file}: larger than {MAX_PROBE_BYTES} bytes")
    data = store.get_bytes(key)
    local = Path(local_dir) / "probes.jsonl"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)
    try:
        parse_probes(data.decode("utf-8-sig"), probe_file)
    except UnicodeDecodeError as exc:
        raise ProbeFileError(f"{probe_file}: not UTF-8 text (byte {exc.start})") from None
    return local


def probe_messages(probes: Sequence[ProbeQuestion], system_prompt: str | None) -> list[dict[str, Any]]:
    """Rows of kind ``probe`` (ids ``firm-…`` unless the file gives one) in the dataset's chat format."""
    rows = []
    for p in probes:
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages += [{"role": "user", "content": p.question}, {"role": "assistant", "content": p.expected or ""}]
        rows.append({"id": p.id or f"firm-{sha256_hex(p.question)[:12]}", "kind": "probe", "messages": messages})
    return rows


def _contains(answer: str, word: str) -> bool:
    """Case-, whitespace- and apostrophe-insensitive match of ``word`` as a whole word or phrase."""
    norm = " ".join(answer.translate(_APOSTROPHES).lower().split())
    phrase = " ".join(word.translate(_APOSTROPHES).lower().split())
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", norm) is not None


def score_probe(probe: ProbeQuestion, answer: str) -> dict[str, Any]:
    """One answer's scores: keyword recall, token F1 / exact match, forbidden words hit, and ``score``."""
    out: dict[str, Any] = {"keyword_recall": None, "token_f1": None, "exact_match": None}
    if probe.keywords:
        out["missing_keywords"] = [k for k in probe.keywords if not _contains(answer, k)]
        out["keyword_recall"] = 1 - len(out["missing_keywords"]) / len(probe.keywords)
    if probe.expected is not None:
        out["token_f1"] = token_f1(answer, probe.expected)
        out["exact_match"] = exact_match(answer, probe.expected)
    out["forbidden_hit"] = [w for w in probe.forbidden if _contains(answer, w)]
    parts = [v for v in (out["keyword_recall"], out["token_f1"]) if v is not None]
    out["score"] = 0.0 if out["forbidden_hit"] else sum(parts) / len(parts)
    return out


def aggregate(scores: Sequence[dict[str, Any]], probes: Sequence[ProbeQuestion]) -> dict[str, float | None]:
    """Means over the file: ``probe_score``, ``probe_keyword_recall`` (questions with keywords),
    ``probe_token_f1`` / ``probe_exact_match`` (with expected), ``probe_forbidden_rate`` (with forbidden)."""

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    forbidden = [float(bool(s["forbidden_hit"])) for s, p in zip(scores, probes, strict=True) if p.forbidden]
    return {
        "probe_score": mean([s["score"] for s in scores]),
        "probe_keyword_recall": mean([s["keyword_recall"] for s in scores if s["keyword_recall"] is not None]),
        "probe_token_f1": mean([s["token_f1"] for s in scores if s["token_f1"] is not None]),
        "probe_exact_match": mean([s["exact_match"] for s in scores if s["exact_match"] is not None]),
        "probe_forbidden_rate": mean(forbidden),
    }


def probe_samples(
    rows: Sequence[dict[str, Any]], probes: Sequence[ProbeQuestion], texts: dict[str, list[str]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, float | None]]]:
    """One sample per probe question (question, expected, keywords, each variant's answer and scores),
    and the aggregate probe metrics per variant. ``texts[variant][i]`` answers ``rows[i]``."""
    samples = []
    for i, (row, probe) in enumerate(zip(rows, probes, strict=True)):
        samples.append(
            {
                "id": row["id"],
                "kind": "probe",
                "prompt": probe.question,
                "reference": probe.expected or "",
                "keywords": probe.keywords,
                "forbidden": probe.forbidden,
                "outputs": {v: texts[v][i] for v in texts},
                "scores": {v: score_probe(probe, texts[v][i]) for v in texts},
            }
        )
    metrics = {v: aggregate([s["scores"][v] for s in samples], probes) for v in texts}
    return samples, metrics
