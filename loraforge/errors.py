"""Which failures a retry can fix, and which it cannot.

A retry helps when the world may be different a moment later (a network blip, an object store or
MLflow server restarting, a CUDA OOM that the training loop adapts to). It cannot help when the
request itself is wrong: a missing folder, block or model, an invalid setting, a file we may not read.
Orchestrators ask ``is_permanent`` before retrying, so those fail at once with their message.
"""

from __future__ import annotations


class PermanentError(Exception):
    """A failure no retry can fix; the message says what to change."""


class ModelNotFound(PermanentError):
    """The base model is neither a local folder nor in the Hugging Face cache, and the hub is off."""


# ValueError covers pydantic's ValidationError and Prefect's "no block named ..." error.
_PERMANENT = (
    PermanentError,
    FileNotFoundError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
    ValueError,
    TypeError,
    LookupError,
    NotImplementedError,
    ImportError,
)


def is_permanent(exc: BaseException | None) -> bool:
    """True when retrying the same call with the same inputs cannot succeed."""
    return isinstance(exc, _PERMANENT)
