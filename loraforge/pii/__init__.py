"""PII stage: find personal data with Presidio and redact, mask, drop or flag it.

    from loraforge.pii import PiiConfig, PiiScanner
    result = PiiScanner(PiiConfig(policy="redact")).scan(documents)
    result.documents, result.quarantined, result.findings, result.report()

See ``registry`` for what finds what, ``analyzers`` for the fast path and its reference, and
``scanner`` for the policies. A firm's own recognizers are ``PiiConfig(patterns=[PatternSpec(...)])``.
"""

from loraforge.pii import _presidio  # noqa: F401  (first: presidio without transformers)
from loraforge.pii.config import DEFAULT_ENTITIES, PatternSpec, PiiAdvanced, PiiConfig
from loraforge.pii.engine import FastAnalyzer, nlp_configuration
from loraforge.pii.scanner import Finding, PiiResult, PiiScanError, PiiScanner, apply_findings, merge_findings

__all__ = [
    "DEFAULT_ENTITIES",
    "FastAnalyzer",
    "Finding",
    "PatternSpec",
    "PiiAdvanced",
    "PiiConfig",
    "PiiResult",
    "PiiScanError",
    "PiiScanner",
    "apply_findings",
    "merge_findings",
    "nlp_configuration",
]
