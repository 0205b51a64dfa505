"""Deployment bundle: the adapter, a runnable inference script, pinned requirements and the reports.

bundle = build_bundle(adapter_dir, base_model, result.summary, result.metrics, report, out_dir,
                      example_prompts=[...])
bundle.zip_path, bundle.zip_sha256, bundle.dir, bundle.manifest_path
"""

from loraforge.package.bundle import (
    ADAPTER_FILES,
    MANIFEST,
    REQUIREMENTS,
    TOKENIZER_FILES,
    Bundle,
    build_bundle,
    sha256_file,
    verify_manifest,
    write_manifest,
)
from loraforge.package.exports import CORE_COLUMNS, metrics_rows

__all__ = [
    "ADAPTER_FILES",
    "CORE_COLUMNS",
    "MANIFEST",
    "REQUIREMENTS",
    "TOKENIZER_FILES",
    "Bundle",
    "build_bundle",
    "metrics_rows",
    "sha256_file",
    "verify_manifest",
    "write_manifest",
]
