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


# Refusals of the credentials or the rights: a retry sends the same key and gets the same answer.
_S3_PERMANENT_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "NoSuchBucket", "InvalidBucketName"}
)
_HTTP_PERMANENT = frozenset({400, 401, 403, 404})


def is_permanent(exc: BaseException | None) -> bool:
    """True when retrying the same call with the same inputs cannot succeed.

    Besides the types above: an S3 ``ClientError`` whose code refuses the credentials, rights or bucket,
    and an MLflow error answered 400/401/403/404 (bad request, bad token, no rights, no such thing).
    """
    if isinstance(exc, _PERMANENT):
        return True
    code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code") if _is_client_error(exc) else None
    if code in _S3_PERMANENT_CODES:
        return True
    status = getattr(exc, "get_http_status_code", None)
    return type(exc).__module__.startswith("mlflow") and callable(status) and status() in _HTTP_PERMANENT


def _is_client_error(exc: BaseException | None) -> bool:
    """botocore's ``ClientError``, recognised without importing botocore."""
    return any(c.__name__ == "ClientError" and c.__module__.startswith("botocore") for c in type(exc).__mro__)
