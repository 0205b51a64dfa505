"""Data-prep on Dask vs Prefect's thread pool, and Prefect's overhead, on a PostgreSQL-backed Prefect server.

    .venv/bin/python bench/scale_out.py [--quick] [--workers 2] [--shard-size 20]

Every figure is a ratio against a baseline measured in this same run, on the same corpus (copies of
examples/docs, each a distinct set of documents: bench/data_prep.py ``make_corpus``):

1. speedup: the data-prep flow with its shard tasks on a local Dask cluster of ``--workers`` processes
   (started and stopped by the flow, so its start-up is counted) vs the thread runner, at ``--copies``;
2. scale curve: seconds per copy at 1x, 4x, 16x on an already running cluster of ``--workers``
   processes (linear cost: flat seconds per copy), and each worker's peak memory (max RSS); then the
   same stage functions mapped on that cluster by Dask alone, without Prefect, on the largest scale
   (what Prefect's task runs cost on Dask);
3. Prefect overhead: the flow (thread runner) vs the bare library chain ``run_data_prep`` at
   ``--overhead-copies`` (6), on the same server (bar: >= 0.9 of direct throughput).

The Prefect server runs on a throw-away PostgreSQL (tests/servers.py; Debian's PostgreSQL server
binaries, scripts/install-test-servers.sh). ``--quick``: smaller copies (1x, 2x, 4x; speedup at 4x).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench"), str(REPO / "tests")]

from loraforge.offline import ensure_offline  # noqa: E402

ensure_offline()

from data_prep import make_corpus  # noqa: E402

import flows  # noqa: E402, F401  (offline defaults and quiet Dask logs before distributed is imported)
from loraforge import prep  # noqa: E402
from loraforge.storage import LocalStore  # noqa: E402
from loraforge.target import Target  # noqa: E402


def run_flow(source: Path, store: Path, shard_size: int, runner) -> float:  # type: ignore[no-untyped-def]
    """Seconds of one data-prep flow run into a fresh store (no cache hits)."""
    from flows.data_prep import data_prep

    start = time.perf_counter()
    data_prep(
        source=str(source),
        target=Target(store=str(store)),
        config=prep.DataPrepConfig(shard_size=shard_size),
        runner=runner,
    )
    return time.perf_counter() - start


def max_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speedup(tmp: Path, copies: int, workers: int, shard_size: int) -> None:
    from flows.runners import ShardRunner

    source = make_corpus(tmp / f"speed{copies}", copies)
    mb = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) / 1e6
    threads = run_flow(source, tmp / "speed-threads", shard_size, ShardRunner(kind="threads"))
    dask = run_flow(source, tmp / "speed-dask", shard_size, ShardRunner(kind="dask", workers=workers))
    print(f"\n== speedup: sample corpus x{copies} ({mb:.1f} MB of files), shards of {shard_size} files ==")
    print(f"thread runner                          {threads:8.2f} s")
    print(f"local Dask cluster, {workers} processes (incl. start) {dask:8.2f} s")
    print(f"speedup                                {threads / dask:8.2f}x  (goal >= 1.7x with 2 processes)")


def scale_curve(tmp: Path, scales: list[int], workers: int, shard_size: int) -> None:
    from distributed import Client, LocalCluster

    from flows.runners import ShardRunner, local_cluster_kwargs

    kwargs = local_cluster_kwargs(ShardRunner(workers=workers))
    start = time.perf_counter()
    with LocalCluster(**kwargs) as cluster, Client(cluster) as client:
        started = time.perf_counter() - start
        runner = ShardRunner(address=cluster.scheduler_address)
        # warm-up (not measured): the workers import the stages and load the PII models once
        run_flow(make_corpus(tmp / "warm", 1), tmp / "warm-store", shard_size, runner)
        rows = []
        for n in scales:
            seconds = run_flow(make_corpus(tmp / f"scale{n}", n), tmp / f"scale{n}-store", shard_size, runner)
            rss = client.run(max_rss_mb)
            rows.append((n, seconds, max(rss.values())))
        bare = bare_dask(client, tmp / f"scale{scales[-1]}", tmp / "bare-store", shard_size)
    print(
        f"\n== scale curve: running cluster of {workers} processes (started in {started:.1f} s), "
        f"shards of {shard_size} =="
    )
    print(f"{'copies':>6} {'s':>8} {'s/copy':>8} {'vs 1st':>7} {'peak MB/worker':>15}")
    base = rows[0][1] / rows[0][0]
    for n, seconds, rss in rows:
        print(f"{n:6d} {seconds:8.2f} {seconds / n:8.2f} {seconds / n / base:7.2f} {rss:15.0f}")
    print("(linear cost: s/copy stays flat; 'vs 1st' is s/copy relative to the smallest scale)")
    print(
        f"{scales[-1]} copies, the stage functions mapped by Dask alone (no Prefect): {bare:.2f} s; "
        f"the flow takes {rows[-1][1] / bare:.2f}x that"
    )


def bare_dask(client, source: Path, store: Path, shard_size: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds of ingest then PII over ``source``'s shards as plain Dask tasks on ``client``'s cluster."""
    config = prep.DataPrepConfig(shard_size=shard_size)
    shards = prep.plan_shards(source, shard_size, store=LocalStore(store))
    start = time.perf_counter()
    ingested = client.map(_ingest, [str(store)] * len(shards), shards, [config] * len(shards), pure=False)
    scanned = client.map(_scan, [str(store)] * len(shards), ingested, [config] * len(shards), pure=False)
    client.gather(scanned)
    return time.perf_counter() - start


def _ingest(store: str, shard, config):  # type: ignore[no-untyped-def]
    return prep.ingest_shard(LocalStore(store), shard, config)


def _scan(store: str, ingested, config):  # type: ignore[no-untyped-def]
    return prep.scan_pii(LocalStore(store), ingested, config)


def overhead(tmp: Path, copies: int, shard_size: int, rounds: int) -> None:
    """Direct chain and flow alternately, ``rounds`` times each; the best of each (the machine may be busy).

    CPU seconds are this process's (all its threads): the flow's client-side cost without the noise of
    other processes; the Prefect server and PostgreSQL run in their own processes and are not in them.
    """
    from flows.runners import ShardRunner

    source = make_corpus(tmp / f"over{copies}", copies)
    warm = make_corpus(tmp / "over-warm", 1)  # loads the models in this process: not measured
    config = prep.DataPrepConfig(shard_size=shard_size)
    prep.run_data_prep(warm, LocalStore(tmp / "over-warm-direct"), config)
    run_flow(warm, tmp / "over-warm-flow", shard_size, ShardRunner(kind="threads"))
    direct, flow = [], []
    for i in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        prep.run_data_prep(source, LocalStore(tmp / f"over-direct{i}"), config)
        direct.append((time.perf_counter() - wall, time.process_time() - cpu))
        cpu = time.process_time()
        seconds = run_flow(source, tmp / f"over-flow{i}", shard_size, ShardRunner(kind="threads"))
        flow.append((seconds, time.process_time() - cpu))
    (d_wall, d_cpu), (f_wall, f_cpu) = min(direct), min(flow)
    print(
        f"\n== Prefect overhead (PostgreSQL server): sample corpus x{copies}, shards of {shard_size}, "
        f"best of {rounds} =="
    )
    print(f"{'':30} {'wall s':>8} {'CPU s':>8}")
    print(f"{'direct chain (run_data_prep)':30} {d_wall:8.2f} {d_cpu:8.2f}")
    print(f"{'data-prep flow (threads)':30} {f_wall:8.2f} {f_cpu:8.2f}")
    print(f"flow throughput / direct: wall {d_wall / f_wall:.3f}, CPU {d_cpu / f_cpu:.3f}  (goal >= 0.9)")
    print(
        "all rounds (wall, CPU): direct",
        [(round(w, 1), round(c, 1)) for w, c in direct],
        "flow",
        [(round(w, 1), round(c, 1)) for w, c in flow],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scales (1x, 2x, 4x); speedup at 4x")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--shard-size", type=int, default=20, help="files per shard task (several per worker)")
    parser.add_argument("--copies", type=int, default=None, help="copies for the speedup (default 16, quick 4)")
    parser.add_argument("--overhead-copies", type=int, default=6, help="copies for the Prefect overhead")
    parser.add_argument("--overhead-shard-size", type=int, default=200, help="shard size there (the default)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating direct/flow runs there (best kept)")
    parser.add_argument("--only", choices=("speedup", "scale", "overhead"), action="append", help="run only these")
    args = parser.parse_args()
    parts = args.only or ["speedup", "scale", "overhead"]
    scales = [1, 2, 4] if args.quick else [1, 4, 16]
    copies = args.copies or (4 if args.quick else 16)

    from prefect.settings import PREFECT_API_URL, temporary_settings
    from servers import postgres, prefect_server

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with postgres(["prefect"]) as pg, prefect_server(pg.url("prefect", "asyncpg"), tmp) as api:
            with temporary_settings({PREFECT_API_URL: api}):
                print(f"Prefect server on PostgreSQL at {api}; machine: {__import__('os').cpu_count()} cores")
                if "speedup" in parts:
                    speedup(tmp, copies, args.workers, args.shard_size)
                if "scale" in parts:
                    scale_curve(tmp, scales, args.workers, args.shard_size)
                if "overhead" in parts:
                    overhead(tmp, args.overhead_copies, args.overhead_shard_size, args.rounds)


if __name__ == "__main__":
    main()
