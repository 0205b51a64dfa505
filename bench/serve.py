"""Throughput and time to first token of the bundle's HTTP API (serve.py) on the tiny model.

    .venv/bin/python bench/serve.py [--requests N] [--concurrency C] [--max-tokens T]

Builds a real bundle (tiny Llama + a LoRA adapter trained on the test examples, as tests/model_fixtures
does), starts its ``serve.py`` on loopback (one torch thread) and measures, after a warm-up:

1. baseline: the same greedy generation called directly in this process through the bundle's own
   ``inference.py`` (no HTTP), one torch thread: median latency per answer;
2. N sequential ``POST /api/v1/chat`` requests: requests/s and median latency, as a ratio to the baseline
   (the HTTP + queue overhead);
3. N streamed requests: median time to first token (first ``delta`` event) and its ratio to the full
   streamed answer;
4. N requests sent C at a time: requests/s, as a ratio to the sequential figure (one generation runs at
   a time, so about 1.0 is expected; the rest wait in the queue).

Figures on a shared machine move with its load; the ratios, measured in the same run, move less.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ["OMP_NUM_THREADS"] = "1"

from loraforge.offline import ensure_offline  # noqa: E402

ensure_offline()

import httpx  # noqa: E402
import torch  # noqa: E402
from model_fixtures import SYSTEM, build_tiny_base, tiny_examples, train_tiny_adapter  # noqa: E402
from servers import free_port, http_ok, start  # noqa: E402

from loraforge.evaluate import EvalReport  # noqa: E402
from loraforge.package import build_bundle  # noqa: E402

QUESTION = "What is the advisory fee?"
KEY = "bench-key"


def make_bundle(tmp: Path) -> Path:
    examples = tiny_examples()
    base = build_tiny_base(tmp / "base", [m["content"] for e in examples for m in e.messages] * 4)
    adapter = train_tiny_adapter(base, [e.messages for e in examples], tmp / "adapter")
    report = EvalReport(
        base_model="tiny",
        adapter_dir=str(adapter),
        dataset_dir="ds",
        split="test",
        metrics={"adapter": {}},
        improvements={},
        verdict="go",
        checks=[],
        samples=[],
    )
    bundle = build_bundle(adapter, str(base), {}, [], report, tmp / "out", example_prompts=[QUESTION], name="bench")
    return bundle.dir


def baseline(root: Path, n: int, max_tokens: int) -> float:
    """Median seconds per answer, generated directly through the bundle's inference.py."""
    spec = importlib.util.spec_from_file_location("bench_inference", root / "inference.py")
    inference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inference)
    torch.set_num_threads(1)
    tokenizer, model, _ = inference.load_model(None, "cpu")
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
    ids = inference.encode(tokenizer, messages)
    inference.generate(model, tokenizer, ids, max_tokens, 0.0, 1.0)  # warm-up
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        inference.generate(model, tokenizer, ids, max_tokens, 0.0, 1.0)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def body(max_tokens: int, stream: bool = False) -> dict:
    return {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": max_tokens, "temperature": 0} | {
        "stream": stream
    }


def sequential(client: httpx.Client, n: int, max_tokens: int) -> tuple[float, float, int]:
    """(requests/s, median latency, completion tokens per answer)."""
    times, tokens = [], 0
    start_all = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        reply = client.post("/api/v1/chat", json=body(max_tokens))
        reply.raise_for_status()
        times.append(time.perf_counter() - t0)
        tokens = reply.json()["usage"]["completion_tokens"]
    return n / (time.perf_counter() - start_all), statistics.median(times), tokens


def streamed(client: httpx.Client, n: int, max_tokens: int) -> tuple[float, float]:
    """(median time to first token, median time to the last event)."""
    first, total = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        seen = None
        with client.stream("POST", "/api/v1/chat", json=body(max_tokens, stream=True)) as reply:
            for line in reply.iter_lines():
                if seen is None and line.startswith("data: ") and '"delta"' in line:
                    seen = time.perf_counter() - t0
        total.append(time.perf_counter() - t0)
        first.append(seen)
    return statistics.median(first), statistics.median(total)


async def concurrent(url: str, n: int, c: int, max_tokens: int) -> float:
    """Requests/s with ``c`` requests in flight at a time."""
    limit = asyncio.Semaphore(c)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:

        async def one() -> None:
            async with limit:
                (await client.post("/api/v1/chat", json=body(max_tokens))).raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - t0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    n, c, max_tokens = args.requests, args.concurrency, args.max_tokens
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp_dir:
        tmp = Path(tmp_dir)
        root = make_bundle(tmp)
        port = free_port()
        env = {**os.environ, "LORAFORGE_API_KEY": KEY, "OMP_NUM_THREADS": "1"}
        argv = [sys.executable, "serve.py", "--port", str(port), "--burst", "100000", "--max-queue", str(4 * c)]
        url = f"http://127.0.0.1:{port}"
        server = start("serve.py", argv, tmp / "serve.log", http_ok(f"{url}/health"), env=env, cwd=root)
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300) as client:
                sequential(client, 3, max_tokens)  # warm-up
                rps, latency, tokens = sequential(client, n, max_tokens)
                ttft, stream_total = streamed(client, n, max_tokens)
            rps_c = asyncio.run(concurrent(url, n, c, max_tokens))
        finally:
            server.stop()
        direct = baseline(root, n, max_tokens)
    figures = {
        "cpu_threads": 1,
        "completion_tokens_per_answer": tokens,
        "baseline_direct_latency_s": round(direct, 4),
        "sequential_rps": round(rps, 2),
        "sequential_latency_s": round(latency, 4),
        "http_overhead_ratio": round(latency / direct, 3),
        "stream_ttft_s": round(ttft, 4),
        "stream_total_s": round(stream_total, 4),
        "ttft_to_total_ratio": round(ttft / stream_total, 3),
        f"concurrent{c}_rps": round(rps_c, 2),
        "concurrent_to_sequential_rps_ratio": round(rps_c / rps, 3),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
