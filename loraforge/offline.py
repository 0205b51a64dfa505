"""Keep third-party libraries off the network unless the user configured a remote service.

Several libraries phone home on first use: the Hugging Face hub (model/tokenizer lookups),
unstructured (telemetry notice, spaCy model download), tldextract (public-suffix list, used by
Presidio's email and URL recognizers).

``set_defaults()`` runs when ``loraforge`` is imported, so the variables are in place before any
loraforge module imports ``huggingface_hub`` (which reads ``HF_HUB_OFFLINE`` once, at import).
``ensure_offline()`` is called by every stage entry point: it also catches a ``huggingface_hub``
imported before loraforge, and patches tldextract. Both only set defaults: the one switch for hub
access is ``export HF_HUB_OFFLINE=0``.
"""

from __future__ import annotations

import os
import sys

_DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
    "TOKENIZERS_PARALLELISM": "false",
}

_done = False


def set_defaults() -> None:
    """The offline environment defaults; a variable the user set keeps its value."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)


def hub_enabled() -> bool:
    """Whether the user opted into hub access (``HF_HUB_OFFLINE=0``)."""
    return os.environ.get("HF_HUB_OFFLINE", "1").strip().lower() in ("0", "false", "no", "off", "")


def ensure_offline() -> None:
    """Set offline defaults (idempotent) and point tldextract at its bundled suffix snapshot."""
    global _done
    if _done:
        return
    set_defaults()
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None and not hub_enabled():  # imported before loraforge: it read the old environment
        hub.HF_HUB_OFFLINE = True
    _patch_tldextract()
    _done = True


def _patch_tldextract() -> None:
    # Presidio builds its own TLDExtract objects with default arguments, which fetch the public
    # suffix list over HTTP. Make the default constructor use the snapshot shipped in the wheel.
    import tldextract
    import tldextract.tldextract as tx

    if getattr(tx.TLDExtract.__init__, "_loraforge_offline", False):
        return
    original = tx.TLDExtract.__init__

    def offline_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("suffix_list_urls", ())
        kwargs.setdefault("fallback_to_snapshot", True)
        kwargs.setdefault("cache_dir", None)
        original(self, *args, **kwargs)

    offline_init._loraforge_offline = True  # type: ignore[attr-defined]
    tx.TLDExtract.__init__ = offline_init  # type: ignore[method-assign]
    tx.TLD_EXTRACTOR = tx.TLDExtract()
    tldextract.extract = tx.TLD_EXTRACTOR  # type: ignore[assignment]
