"""Throughput and time to first token of the bundle's HTTP API (serve.py) on the tiny model.

    .venv/bin/python bench/serve.py [--requests N] [--concurrency C] [--max-tokens T]

Builds a real bundle (tiny Llama + a LoRA adapter trained on the test examples, as tests/model_fixtures
does), starts its ``serve.py`` on loopback (one torch thread) and measures, after a warm-up, N rounds of:

1. baseline: the same greedy answer generated directly in this process through the bundle's own
   ``inference.Model`` (no HTTP), one torch thread;
2. one ``POST /api/v1/chat`` JSON request: latency as a ratio to the baseline (HTTP, queue, JSON), and
   requests/s one after another;
3. one streamed request: time to first token (first ``delta`` event), and the whole stream as a ratio
   to the baseline.

Then C requests one after another vs C at once, alternated: requests/s of each and their ratio (one
generation runs at a time, so about 1.0 is expected; the others wait in the queue). The measurements
are interleaved round by round so that the load of a shared machine hits all of them alike.
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
from collections.abc import Callable
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
    bundle = build_bundle(
        adapter, str(base), {}, [], report, tmp / "out", example_prompts=[QUESTION], name="bench", system_prompt=SYSTEM
    )
    return bundle.dir


def direct_model(root: Path, max_tokens: int) -> Callable[[], float]:
    """Seconds for one answer generated directly through the bundle's inference.py (no HTTP)."""
    spec = importlib.util.spec_from_file_location("bench_inference", root / "inference.py")
    inference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inference)
    torch.set_num_threads(1)
    model = inference.Model(None, "cpu")
    ids = model.encode([{"role": "user", "content": QUESTION}])  # the training system prompt is added

    def one() -> float:
        t0 = time.perf_counter()
        model.generate(ids, max_tokens, 0.0)
        return time.perf_counter() - t0

    return one


def body(max_tokens: int, stream: bool = False) -> dict:
    return {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": max_tokens, "temperature": 0} | {
        "stream": stream
    }


def one_json(client: httpx.Client, max_tokens: int) -> tuple[float, int]:
    """(latency, completion tokens) of one JSON answer."""
    t0 = time.perf_counter()
    reply = client.post("/api/v1/chat", json=body(max_tokens))
    reply.raise_for_status()
    return time.perf_counter() - t0, reply.json()["usage"]["completion_tokens"]


def one_stream(client: httpx.Client, max_tokens: int) -> tuple[float, float, int]:
    """(time to the first delta event, time to the last event, completion tokens) of one streamed answer."""
    t0, first, tokens = time.perf_counter(), None, 0
    with client.stream("POST", "/api/v1/chat", json=body(max_tokens, stream=True)) as reply:
        for line in reply.iter_lines():
            if first is None and line.startswith('data: {"delta"'):
                first = time.perf_counter() - t0
            elif line.startswith('data: {"finish_reason"'):
                tokens = json.loads(line[6:])["usage"]["completion_tokens"]
    return first, time.perf_counter() - t0, tokens


async def block(url: str, c: int, max_tokens: int, together: bool) -> float:
    """Requests/s of ``c`` requests sent one after another, or all at once."""
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300) as client:

        async def one() -> None:
            (await client.post("/api/v1/chat", json=body(max_tokens))).raise_for_status()

        t0 = time.perf_counter()
        if together:
            await asyncio.gather(*(one() for _ in range(c)))
        else:
            for _ in range(c):
                await one()
        return c / (time.perf_counter() - t0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="rounds of each measurement")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    n, c, max_tokens = args.requests, args.concurrency, args.max_tokens
    med = statistics.median
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp_dir:
        tmp = Path(tmp_dir)
        root = make_bundle(tmp)
        direct = direct_model(root, max_tokens)
        port = free_port()
        env = {**os.environ, "LORAFORGE_API_KEY": KEY, "OMP_NUM_THREADS": "1"}
        argv = [sys.executable, "serve.py", "--port", str(port), "--burst", "100000", "--max-queue", str(4 * c)]
        url = f"http://127.0.0.1:{port}"
        server = start("serve.py", argv, tmp / "serve.log", http_ok(f"{url}/health"), env=env, cwd=root)
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300) as client:
                direct(), one_json(client, max_tokens), one_stream(client, max_tokens)  # warm-up
                rounds = [(direct(), one_json(client, max_tokens), one_stream(client, max_tokens)) for _ in range(n)]
            pairs = [
                (asyncio.run(block(url, c, max_tokens, False)), asyncio.run(block(url, c, max_tokens, True)))
                for _ in range(max(3, n // c))
            ]
        finally:
            server.stop()
    direct_s = med(r[0] for r in rounds)
    json_s, tokens = med(r[1][0] for r in rounds), rounds[-1][1][1]
    ttft, stream_s = med(r[2][0] for r in rounds), med(r[2][1] for r in rounds)
    figures = {
        "cpu_threads": 1,
        "completion_tokens_per_answer": tokens,
        "completion_tokens_per_streamed_answer": rounds[-1][2][2],
        "direct_latency_s": round(direct_s, 4),
        "json_latency_s": round(json_s, 4),
        "json_to_direct_ratio": round(json_s / direct_s, 3),
        "sequential_rps": round(1 / json_s, 2),
        "stream_ttft_s": round(ttft, 4),
        "stream_total_s": round(stream_s, 4),
        "stream_to_direct_ratio": round(stream_s / direct_s, 3),
        "ttft_to_stream_total_ratio": round(ttft / stream_s, 3),
        f"sequential_block_rps_{c}": round(med(p[0] for p in pairs), 2),
        f"concurrent_block_rps_{c}": round(med(p[1] for p in pairs), 2),
        "concurrent_to_sequential_ratio": round(med(p[1] / p[0] for p in pairs), 3),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
