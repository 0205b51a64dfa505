"""Imports ``presidio_analyzer`` once, with ``transformers`` hidden (``loraforge.pii`` imports this first).

Presidio imports transformers' ``pipeline`` at import time for its Hugging Face NLP engine and NER
recognizer, which loraforge does not use (it runs Presidio on spaCy): about 3 s of imports in every
process that scans, each Dask worker's start among them. With the name set to None while presidio is
imported, presidio's own ``try: from transformers import ...`` takes its "not installed" branch. The
name is removed right after, so training code in the same process imports the real package. Where
transformers is already imported, presidio is imported as it is. This runs when ``loraforge.prep`` is
first imported, at module level, before a flow starts task threads that could import transformers.
"""

from __future__ import annotations

import sys


def import_presidio() -> None:
    if "presidio_analyzer" in sys.modules or "transformers" in sys.modules:
        return
    sys.modules["transformers"] = None  # type: ignore[assignment]
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        if sys.modules.get("transformers", False) is None:
            del sys.modules["transformers"]


import_presidio()
