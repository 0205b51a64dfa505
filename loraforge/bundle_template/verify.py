#!/usr/bin/env python
"""Check this bundle against MANIFEST.sha256: every listed file present and unchanged, nothing added.

    python verify.py            # prints "OK" (exit 0) or one line per problem (exit 1)

Standard library only, so it runs before ``pip install -r requirements.txt``. Unlike ``sha256sum -c``
it also reports files that are in the bundle but not in the manifest, and refuses manifest lines
that point outside the bundle (absolute paths, ``..``) instead of following them.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path, PurePosixPath

MANIFEST = "MANIFEST.sha256"
_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")  # sha256sum's text (two spaces) and binary (" *") forms


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _inside(root: Path, rel: str) -> bool:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or "\\" in rel or re.match(r"[A-Za-z]:", rel):
        return False
    return (root / rel).resolve().is_relative_to(root.resolve())  # a symlink may not lead out either


def check(root: Path) -> list[str]:
    """Problems found checking ``root`` against its manifest (empty list: intact and complete)."""
    root = Path(root)
    problems, listed = [], {}
    for number, line in enumerate((root / MANIFEST).read_text(encoding="utf-8").splitlines(), 1):
        if not (match := _LINE.fullmatch(line)):
            problems.append(f"malformed: line {number}")
        elif not _inside(root, rel := match.group(2)):
            problems.append(f"outside the bundle: line {number}")
        else:
            listed[rel] = match.group(1)
    problems += [f"missing: {rel}" for rel in listed if not (root / rel).is_file()]
    problems += [
        f"modified: {rel}" for rel, d in listed.items() if (root / rel).is_file() and sha256_file(root / rel) != d
    ]
    present = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    problems += [f"unlisted: {rel}" for rel in present if rel != MANIFEST and rel not in listed]
    return problems


def main() -> int:
    problems = check(Path(__file__).resolve().parent)
    print("\n".join(problems) or "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
