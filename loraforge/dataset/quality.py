"""Quality filters for training text: each returns a drop reason or ``None`` (keep).

Cheap heuristics in the spirit of Gopher/C4 filters, tuned for business documents: too short to
teach anything, too long for the sequence budget, mostly symbols (extraction garbage, base64, tables
of numbers without words), not English prose (no function words), or degenerate repetition.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from loraforge.dataset.chunk import approx_tokens

_WORD_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_NUMBER_OR_WORD_RE = re.compile(r"\w+")

# Function words: real English prose uses them at a rate of 30-50%; OCR junk and code rarely do.
STOPWORDS = frozenset(
    "a an the and or but if then of to in on at by for with from as is are was were be been being it its "
    "this that these those we you your our they their he she his her i me my not no do does did have has "
    "had can could will would should may might must so than too very about into over under after before "
    "which who whom what when where why how all any each other such only own same also there here".split()
)


class QualityConfig(BaseModel):
    """Bounds for the quality filters (defaults suit business prose)."""

    model_config = ConfigDict(extra="forbid")

    min_words: int = 8
    max_tokens: int = 2048
    max_symbol_ratio: float = 0.3
    min_stopword_ratio: float = 0.08
    min_unique_word_ratio: float = 0.25


def drop_reason(text: str, config: QualityConfig, *, structured: bool = False) -> str | None:
    """Why ``text`` should not be trained on, or ``None``. ``structured`` relaxes prose checks (tables)."""
    words = _WORD_RE.findall(text)
    # numbers carry the content of tables, so they count as words there
    if len(_NUMBER_OR_WORD_RE.findall(text) if structured else words) < config.min_words:
        return "too_short"
    if approx_tokens(text) > config.max_tokens:
        return "too_long"
    visible = [c for c in text if not c.isspace()]
    symbols = sum(1 for c in visible if not c.isalnum())
    if not structured and visible and symbols / len(visible) > config.max_symbol_ratio:
        return "symbol_ratio"
    lowered = [w.lower() for w in words]
    if not structured and len(words) >= 20:
        if sum(w in STOPWORDS for w in lowered) / len(words) < config.min_stopword_ratio:
            return "not_language"
    if len(words) >= 20 and len(set(lowered)) / len(words) < config.min_unique_word_ratio:
        return "repetitive"
    return None
