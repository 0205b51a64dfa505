"""PII stage: find personal data with Presidio and redact, mask, drop or flag it.

    from loraforge.pii import PiiConfig, PiiScanner
    result = PiiScanner(PiiConfig(policy="redact")).scan(documents)
    result.documents, result.quarantined, result.findings, result.report()

See ``engine`` for how the scan is made fast and ``scanner`` for the policies.
"""

from loraforge.pii.config import DEFAULT_ENTITIES, PiiConfig
from loraforge.pii.engine import FastAnalyzer, nlp_configuration
from loraforge.pii.scanner import Finding, PiiResult, PiiScanError, PiiScanner, apply_findings, merge_findings

__all__ = [
    "DEFAULT_ENTITIES",
    "FastAnalyzer",
    "Finding",
    "PiiConfig",
    "PiiResult",
    "PiiScanError",
    "PiiScanner",
    "apply_findings",
    "merge_findings",
    "nlp_configuration",
]
