"""What an upload to S3 must end up as: size, sha256 and the ETag S3 computes (MD5, or MD5 of part MD5s)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True, slots=True)
class Digest:
    """What an upload must end up as: size, sha256 and the ETag S3 computes for it."""

    size: int
    sha256: str
    etag: str
    parts: int


def digest(stream: IO[bytes], part_size: int) -> Digest:
    """Hash a stream the way it is uploaded, in parts of ``part_size`` bytes (one part in memory)."""
    sha, md5s, size = hashlib.sha256(), [], 0
    while chunk := stream.read(part_size):
        sha.update(chunk)
        md5s.append(hashlib.md5(chunk))
        size += len(chunk)
    if len(md5s) <= 1:
        return Digest(size, sha.hexdigest(), (md5s[0] if md5s else hashlib.md5()).hexdigest(), 1)
    combined = hashlib.md5(b"".join(m.digest() for m in md5s)).hexdigest()
    return Digest(size, sha.hexdigest(), f"{combined}-{len(md5s)}", len(md5s))
