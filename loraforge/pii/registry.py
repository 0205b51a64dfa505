"""The recognizers of a ``PiiConfig``: one registry that every analyzer (fast or reference) uses.

Presidio's predefined recognizers for the configured entities, with two replaced:

* ``PhoneRecognizer`` -> ``WindowedPhoneRecognizer`` (``phone.py``: same matcher, run around long
  digit runs only, and business numbers - decimals, table figures, ISBNs - left alone);
* ``SpacyRecognizer`` -> ``PlausibleSpacyRecognizer``: NER spans cut at a line break and dropped
  when they cannot be a name or place (digits, code punctuation, no capital letter);
* ``CreditCardRecognizer`` and the context patterns for cards and accounts
  skip numbers in rows of figures (an invoice line's 13-digit article number is not a card);
* ``IpRecognizer`` skips loopback, unspecified and multicast addresses (a config's 127.0.0.1);
* ``UsLicenseRecognizer``, ``UsPassportRecognizer`` and ``UsBankRecognizer`` are left out: their
  bare patterns match ordinary codes ("A1234567" is a product code as often as a licence, any 8-17
  digits near "account" an account); licences, passports and account numbers are found next to
  their cue words and in labelled fields instead;

plus the house recognizers: street addresses (``address.py``), labelled fields and table columns
(``fields.py``), the context patterns of the preset (``house.py``), and the firm's own patterns and
deny lists from the configuration.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsBankRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
)

from loraforge.pii import house
from loraforge.pii.address import StreetAddressRecognizer
from loraforge.pii.config import PatternSpec, PiiConfig
from loraforge.pii.fields import LabelledFieldRecognizer
from loraforge.pii.phone import in_figure_row, windowed

_LEFT_OUT = (UsLicenseRecognizer, UsPassportRecognizer, UsBankRecognizer)


_CODE_CHARS = regex.compile(r"[\d=_@/\\{}\[\]<>|#()*+:;]")
_NAME_START = regex.compile(r"(?:^|\s)\p{Lu}")


def plausible_ner_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A NER person/place span cut at its first line break and trimmed, or None when it cannot be one."""
    value = text[start:end]
    newline = value.find("\n")
    if newline >= 0:
        end = start + newline
    while end > start and text[end - 1] in " \t.,;:-'’":
        end -= 1
    value = text[start:end]
    if sum(c.isalpha() for c in value) < 2 or _CODE_CHARS.search(value) or not _NAME_START.search(value):
        return None
    return start, end


class PlausibleSpacyRecognizer(SpacyRecognizer):
    """Presidio's SpacyRecognizer with each span passed through ``plausible_ner_span``."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):  # type: ignore[no-untyped-def]
        results = []
        for result in super().analyze(text, entities, nlp_artifacts):
            span = plausible_ner_span(text, result.start, result.end)
            if span:
                result.start, result.end = span
                results.append(result)
        return results


class _OutsideFigureRows:
    """Mixin: drop results that sit in a row of figures (``phone.in_figure_row``)."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):  # type: ignore[no-untyped-def]
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts)  # type: ignore[misc]
        return [r for r in results if not in_figure_row(text, r.start, r.end)]


class CardRecognizer(_OutsideFigureRows, CreditCardRecognizer):
    """Presidio's credit-card recognizer, outside rows of figures and without 13-digit numbers (no
    current card has 13 digits; EAN-13 article numbers do, and one in ten passes the Luhn check)."""

    def invalidate_result(self, pattern_text: str) -> bool:
        return sum(c.isdigit() for c in pattern_text) == 13 or bool(super().invalidate_result(pattern_text))


class GatedPatternRecognizer(PatternRecognizer):
    """A ``PatternRecognizer`` whose pattern opens with a look-behind (a cue: "card", "my name is"),
    tried only on texts where that cue occurs at all: the same results, without running the
    look-behind at every position of texts that cannot match (most of them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cues = [cue for cue in (leading_lookbehind(p.regex) for p in self.patterns) if cue]
        gated = len(cues) == len(self.patterns)
        self._cue = regex.compile("|".join(cues), self.global_regex_flags) if gated and cues else None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):  # type: ignore[no-untyped-def]
        if self._cue is not None and not self._cue.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts)


class ContextPatternRecognizer(_OutsideFigureRows, GatedPatternRecognizer):
    """A house number pattern (cards, accounts), outside rows of figures."""


def leading_lookbehind(pattern: str) -> str | None:
    """The body of a look-behind that opens ``pattern`` ("(?<=BODY)rest" -> "BODY"), else None."""
    if not pattern.startswith("(?<="):
        return None
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":  # a character class: skip to its end (brackets inside do not nest)
            i = pattern.index("]", i + 2) + 1
            continue
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return pattern[4:i]
        i += 1
    return None


class PersonalIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer without loopback, unspecified and multicast addresses (no person's)."""

    def invalidate_result(self, pattern_text: str) -> bool | None:
        try:
            address = ipaddress.ip_address(pattern_text)
        except ValueError:
            return None  # Presidio's own validation decides
        return address.is_loopback or address.is_unspecified or address.is_multicast


_REPLACEMENTS = {
    SpacyRecognizer: PlausibleSpacyRecognizer,
    CreditCardRecognizer: CardRecognizer,
    IpRecognizer: PersonalIpRecognizer,
}
_FIGURE_SENSITIVE = frozenset({"CREDIT_CARD", "US_BANK_NUMBER"})


def pattern_recognizer(spec: PatternSpec, language: str = "en") -> PatternRecognizer:
    """A Presidio ``PatternRecognizer`` for one ``PatternSpec`` (numbers of cards and accounts skip rows
    of figures)."""
    name = spec.name or f"{spec.entity} pattern"
    kind = ContextPatternRecognizer if spec.entity in _FIGURE_SENSITIVE else GatedPatternRecognizer
    return kind(
        supported_entity=spec.entity,
        name=name,
        supported_language=language,
        patterns=[Pattern(name, spec.regex, spec.score)],
        context=list(spec.context) or None,
    )


def deny_list_recognizer(entity: str, terms: list[str], language: str = "en") -> PatternRecognizer:
    """Every term of ``terms`` as ``entity`` (whole words, any case; Presidio's deny-list recognizer)."""
    return PatternRecognizer(
        supported_entity=entity, name=f"{entity} deny list", supported_language=language, deny_list=terms
    )


def house_recognizers(config: PiiConfig) -> list[EntityRecognizer]:
    """The project's recognizers for ``config.preset`` and the firm's patterns and deny lists."""
    language = config.language
    specs = house.STRICT if config.preset == "strict" else house.BALANCED
    recognizers: list[EntityRecognizer] = [
        StreetAddressRecognizer(supported_language=language),
        LabelledFieldRecognizer(supported_language=language),
    ]
    recognizers += [pattern_recognizer(spec, language) for spec in (*specs, *config.patterns)]
    recognizers += [deny_list_recognizer(e, terms, language) for e, terms in config.deny_lists.items() if terms]
    return recognizers


class OrderedRegistry(RecognizerRegistry):
    """A registry that hands out recognizers in its own order. Presidio collects them in a set, so
    which of two identical results survives its de-duplication (and so which recognizer a finding is
    credited to) changed from run to run."""

    def get_recognizers(self, *args: Any, **kwargs: Any) -> list[EntityRecognizer]:
        order = {id(r): i for i, r in enumerate(self.recognizers)}
        return sorted(super().get_recognizers(*args, **kwargs), key=lambda r: order.get(id(r), len(order)))


def build_registry(config: PiiConfig, nlp_engine: NlpEngine) -> RecognizerRegistry:
    """Every recognizer that can report one of ``config.entities`` (module docstring)."""
    registry = OrderedRegistry(supported_languages=[config.language])
    registry.load_predefined_recognizers(languages=[config.language], nlp_engine=nlp_engine)
    predefined = [_replaced(r, config) for r in registry.recognizers if not isinstance(r, _LEFT_OUT)]
    wanted = set(config.entities)
    registry.recognizers = [r for r in (*predefined, *house_recognizers(config)) if wanted & set(r.supported_entities)]
    return registry


def _replaced(recognizer: EntityRecognizer, config: PiiConfig) -> EntityRecognizer:
    kind = type(recognizer)
    if kind is PhoneRecognizer:
        return windowed(recognizer)
    if kind is SpacyRecognizer:
        return PlausibleSpacyRecognizer(
            name="SpacyRecognizer",
            supported_language=config.language,
            supported_entities=recognizer.supported_entities,
            ner_strength=recognizer.ner_strength,
        )
    if kind in _REPLACEMENTS:
        return _REPLACEMENTS[kind](supported_language=config.language)
    return recognizer


def recognizer_name(result: object) -> str:
    """The recognizer that produced a Presidio result (for reports by recognizer)."""
    metadata = getattr(result, "recognition_metadata", None) or {}
    return str(metadata.get("recognizer_name", "unknown"))
