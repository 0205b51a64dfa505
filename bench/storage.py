"""Object-store throughput: ``S3Store`` vs the bare minio SDK on the same S3 server, in one process.

    .venv/bin/python bench/storage.py [--large-mb 64] [--small 300] [--repeat 3]

Starts a SeaweedFS S3 server on loopback (tests/seaweed.py) and moves two workloads both ways:
one large file (multipart upload: S3Store hashes it, uploads, then stats and compares size, sha256
and ETag) and a folder of small files (a dataset or bundle: one request per file plus the stale-object
listing of ``put_dir``). The baseline is ``fput_object``/``fget_object`` of the minio client with no
checksum work. Ratios > 1 mean loraforge's verified store is slower; best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from seaweed import seaweed_s3  # noqa: E402

from loraforge.storage import S3Store  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_workloads(root: Path, large_mb: int, small: int) -> tuple[Path, Path]:
    large = root / "large" / "weights.bin"
    large.parent.mkdir(parents=True)
    large.write_bytes(os.urandom(large_mb * 1024 * 1024))
    folder = root / "small"
    for i in range(small):
        path = folder / f"part-{i // 50:02d}" / f"shard-{i:04d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(4096))
    return large.parent, folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large-mb", type=int, default=64)
    parser.add_argument("--small", type=int, default=300, help="number of 4 KiB files")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, seaweed_s3(tenants=()) as s3:
        large_dir, small_dir = make_workloads(Path(tmp), args.large_mb, args.small)
        store = S3Store(s3.endpoint, s3.bucket, *s3.admin)
        client = s3.client()

        def bare_put(folder: Path, prefix: str) -> None:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                client.fput_object(s3.bucket, f"{prefix}/{path.relative_to(folder).as_posix()}", str(path))

        def bare_get(prefix: str, out: Path) -> None:
            for obj in client.list_objects(s3.bucket, prefix=prefix + "/", recursive=True):
                client.fget_object(s3.bucket, obj.object_name, str(out / obj.object_name[len(prefix) + 1 :]))

        def measure(name: str, folder: Path) -> tuple:
            files = [p for p in folder.rglob("*") if p.is_file()]
            mb = sum(p.stat().st_size for p in files) / 1e6
            out = Path(tmp) / "out" / name
            put_ours = best(lambda: store.put_dir(f"ours/{name}", folder), args.repeat)
            put_bare = best(lambda: bare_put(folder, f"bare/{name}"), args.repeat)
            get_ours = best(lambda: store.get_dir(f"ours/{name}", out / "ours"), args.repeat)
            get_bare = best(lambda: bare_get(f"bare/{name}", out / "bare"), args.repeat)
            return name, len(files), mb, put_ours, put_bare, get_ours, get_bare

        rows = [measure("large", large_dir), measure("small", small_dir)]

    print(
        f"{'workload':<8} {'files':>6} {'MB':>7} | {'put MB/s':>9} {'bare':>7} {'ratio':>6} | "
        f"{'get MB/s':>9} {'bare':>7} {'ratio':>6}"
    )
    for name, n, mb, po, pb, go, gb in rows:
        print(
            f"{name:<8} {n:>6} {mb:>7.1f} | {mb / po:>9.1f} {mb / pb:>7.1f} {po / pb:>6.2f} | "
            f"{mb / go:>9.1f} {mb / gb:>7.1f} {go / gb:>6.2f}"
        )
    print("ratio = loraforge time / bare minio time (verified upload: hash + stat; verified download: sha256)")


if __name__ == "__main__":
    main()
