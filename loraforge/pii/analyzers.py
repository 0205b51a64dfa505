"""Two implementations of one ``Analyzer`` protocol over the same recognizer registry.

* ``PresidioAnalyzer`` is the reference: Presidio's own ``BatchAnalyzerEngine`` with the full spaCy
  pipeline (``nlp.pipe`` over the batch, then every recognizer per text). Slow, and correct by
  definition: it is Presidio.
* ``FastAnalyzer`` (``engine.py``) feeds the same recognizers faster and relies on spaCy and Presidio
  internals to do so. ``make_analyzer`` builds it, checks it against Presidio's own per-text path on
  sentences that exercise every part of it (NER decoding, gates, the phone pass, house recognizers),
  and falls back to the reference when they disagree, e.g. after a library upgrade.

``tests/test_pii.py`` asserts that both return the same merged findings on the whole evaluation set.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Protocol

from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngineProvider

from loraforge.offline import ensure_offline
from loraforge.pii.config import PiiConfig
from loraforge.pii.engine import FastAnalyzer, nlp_configuration
from loraforge.pii.registry import build_registry

logger = logging.getLogger(__name__)

# Sentences whose findings do not depend on context words (Presidio's per-text path on the NER-only
# pipeline has no lemmas) and that reach every branch of the fast path.
SELF_CHECK = (
    "Maria Lopez moved from San Francisco to Boston, Massachusetts in March 2021.",
    "Call James Carter at 617-555-0142 or +44 20 7946 0958; mail james.carter@gmail.com.",
    "Beneficiary: Emily Nguyen, SSN 536-22-8471, card 4111-1111-1111-1111, IBAN DE89 3704 0044 0532 0130 00.",
    "Login from 203.0.113.45 failed. Send it to 221B Baker Street, London NW1 6XE.",
    "Name: anna weber\nPhone: 030 1234567\nAddress: Kastanienallee 12\n10435 Berlin\nDOB: 12.03.1985",
    "| Name | Phone | Balance |\n|---|---|---|\n| Jonas Eriksson | 0171 2345678 | 12,400 |",
    "Revenue 8,757 8,837 361 133 8,886 and -0.285021097 | 0.312877946 per ISBN 978-3-16-148410-0.",
    "hi, my name is oluwaseun adeyemi, my card 4532 1234 5678 9012 was charged. Kind regards,\nJ. R. Smith",
)


class Analyzer(Protocol):
    """Presidio results (before merging) for each text of a batch, in input order."""

    config: PiiConfig

    def analyze(self, texts: Sequence[str]) -> list[list[RecognizerResult]]: ...


class PresidioAnalyzer:
    """The reference: Presidio's ``BatchAnalyzerEngine`` with the full spaCy pipeline and our registry."""

    def __init__(self, config: PiiConfig) -> None:
        ensure_offline()
        self.config = config
        provider = NlpEngineProvider(nlp_configuration=nlp_configuration(config.spacy_model, config.language))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\[W095\]")  # see ner.load_spacy
            engine = provider.create_engine()
        analyzer = AnalyzerEngine(
            registry=build_registry(config, engine), nlp_engine=engine, supported_languages=[config.language]
        )
        self.batch = BatchAnalyzerEngine(analyzer)

    def analyze(self, texts: Sequence[str]) -> list[list[RecognizerResult]]:
        results = self.batch.analyze_iterator(
            list(texts),
            language=self.config.language,
            batch_size=self.config.advanced.batch_size,
            entities=list(self.config.entities),
            score_threshold=self.config.score_threshold,
            allow_list=list(self.config.allow_list) or None,
        )
        return [list(r) for r in results]


def agrees_with_presidio(fast: FastAnalyzer, texts: Sequence[str] = SELF_CHECK) -> bool:
    """Whether ``fast`` finds what Presidio's own ``analyze`` finds on ``texts`` (same spans, entities)."""
    ours = fast.analyze(texts)
    for text, found in zip(texts, ours, strict=True):
        theirs = fast.analyzer.analyze(
            text,
            language=fast.config.language,
            entities=fast.entities,
            score_threshold=fast.config.score_threshold,
            allow_list=list(fast.config.allow_list) or None,
        )
        if _spans(found) != _spans(theirs):
            return False
    return True


def make_analyzer(config: PiiConfig) -> Analyzer:
    """The fast path when it agrees with Presidio on ``SELF_CHECK``, else the reference."""
    if config.advanced.engine == "presidio":
        return PresidioAnalyzer(config)
    fast = FastAnalyzer(config)
    if agrees_with_presidio(fast):
        return fast
    logger.warning("the fast PII path disagrees with Presidio on its self-check; using Presidio's BatchAnalyzerEngine")
    return PresidioAnalyzer(config)


def _spans(results: Sequence[RecognizerResult]) -> set[tuple[str, int, int]]:
    return {(r.entity_type, r.start, r.end) for r in results}
