"""loraforge: a company's documents in, a judged, versioned LoRA adapter out (the Prefect-free library)."""

from loraforge.offline import set_defaults as _offline_defaults

_offline_defaults()  # before any submodule imports huggingface_hub, which reads HF_HUB_OFFLINE once
