"""The bundle's HTTP API: ``serve.py`` run from the unzipped bundle, in a fresh venv built from the bundle's
own requirements.txt, answering real HTTP requests on loopback while every other connection is blocked."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import torch
from model_fixtures import SYSTEM, TinySetup, tiny_setup
from servers import Process, free_port, http_ok, start
from test_package import HISTORY, SUMMARY, eval_report

from loraforge.package import build_bundle

KEYS = ("key-main", "key-rate", "key-flood")  # one per test group: the rate limit is per key
BURST, RATE_PER_MIN = 40, 6.0
MAX_BODY, MAX_QUEUE = 16384, 3
QUESTION = "What is the advisory fee?"

# Loaded by the server's interpreter at start (PYTHONPATH): refuse, and record, any connection or DNS
# lookup that leaves the machine, so a library that swallows the error and falls back still shows up.
NET_GUARD = """
import ipaddress, os, socket
_log = os.environ["NET_GUARD_LOG"]
def _local(address):
    if not isinstance(address, tuple):
        return True  # AF_UNIX
    host = str(address[0])
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
def _refuse(what):
    with open(_log, "a") as f:
        f.write(what + "\\n")
    raise OSError(f"network blocked by test: {what}")
_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
def connect(self, address):
    return _connect(self, address) if _local(address) else _refuse(f"connect {address!r}")
def connect_ex(self, address):
    return _connect_ex(self, address) if _local(address) else _refuse(f"connect {address!r}")
def getaddrinfo(host, *args, **kwargs):
    if host in (None, "localhost", "127.0.0.1", "::1", b"localhost"):
        return _getaddrinfo(host, *args, **kwargs)
    return _refuse(f"dns {host!r}")
socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""


@dataclass
class Server:
    url: str
    process: Process
    net_log: Path

    def client(self, key: str | None = KEYS[0], **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    return tiny_setup(tmp_path_factory)


@pytest.fixture(scope="module")
def bundle_root(tiny: TinySetup, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip as a customer receives it, unzipped."""
    out = tmp_path_factory.mktemp("serve-bundle")
    bundle = build_bundle(
        tiny.adapter_dir,
        str(tiny.base_dir),
        SUMMARY,
        HISTORY,
        eval_report(tiny.adapter_dir),
        out / "built",
        example_prompts=[QUESTION],
        name="acme-kb",
        version="v3",
        system_prompt=SYSTEM,
    )
    root = out / "unzipped"
    with zipfile.ZipFile(bundle.zip_path) as zf:
        zf.extractall(root)
    return root


@pytest.fixture(scope="module")
def bundle_python(bundle_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the bundle's requirements.txt and nothing else (~1 min from the local wheels)."""
    venv = tmp_path_factory.mktemp("bundle-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", "-r", "requirements.txt"],
        cwd=bundle_root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    return venv / "bin/python"


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without the offline switches (serve.py must set its own) or a proxy."""
    drop = ("HF_", "TRANSFORMERS_", "LORAFORGE_", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and "proxy" not in k.lower()}
    return env | {"OMP_NUM_THREADS": "1"} | extra


@pytest.fixture(scope="module")
def server(bundle_root: Path, bundle_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve-run")
    (tmp / "guard").mkdir()
    (tmp / "guard/sitecustomize.py").write_text(NET_GUARD)
    env = _clean_env(
        LORAFORGE_API_KEY=",".join(KEYS),
        PYTHONPATH=str(tmp / "guard"),
        NET_GUARD_LOG=str(tmp / "net.log"),
        HF_HOME=str(tmp / "hf-home"),  # an empty cache: nothing to find there, nothing may be fetched
    )
    port = free_port()
    argv = [str(bundle_python), "serve.py", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--burst", str(BURST), "--rate-limit", str(RATE_PER_MIN), "--max-body-bytes", str(MAX_BODY)]
    argv += ["--max-queue", str(MAX_QUEUE)]
    url = f"http://127.0.0.1:{port}"
    process = start("serve.py", argv, tmp / "serve.log", http_ok(f"{url}/health"), env=env, cwd=bundle_root)
    yield Server(url, process, tmp / "net.log")
    process.stop()


@pytest.fixture(scope="module")
def expected(tiny: TinySetup) -> str:
    """The adapter's greedy 8-token answer to QUESTION with the training system prompt, by the library."""
    from peft import PeftModel

    from loraforge.evaluate.model import generate, load_base_model, load_tokenizer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    tokenizer = load_tokenizer(str(tiny.base_dir), tiny.adapter_dir)
    model = PeftModel.from_pretrained(load_base_model(str(tiny.base_dir), "cpu", False), str(tiny.adapter_dir))
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(prompt, add_special_tokens=False)
    answer = generate(model, tokenizer, [ids["input_ids"]], 8, 1)[0][0]
    torch.set_num_threads(threads)
    assert answer  # the trained adapter says something
    return answer


def _chat(content: str = QUESTION, **fields: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": content}], "max_tokens": 8, "temperature": 0} | fields


def _events(response: httpx.Response) -> list[str]:
    """The ``data:`` payloads of an SSE response, in order."""
    return [line[len("data: ") :] for line in response.text.split("\n\n") if line.startswith("data: ")]


def test_refuses_to_start_without_a_key(bundle_root: Path, bundle_python: Path) -> None:
    run = subprocess.run(
        [str(bundle_python), "serve.py", "--port", str(free_port())],
        cwd=bundle_root,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "LORAFORGE_API_KEY is not set" in run.stderr and "--no-auth" in run.stderr


def test_health_without_a_key_and_model_info(server: Server) -> None:
    with server.client(key=None) as anonymous:
        assert anonymous.get("/health").json() == {"status": "ok", "model": "acme-kb", "busy": False, "queued": 0}
    with server.client() as client:
        info = client.get("/model-info").json()
    assert (info["name"], info["adapter_version"], info["evaluation"]["verdict"]) == ("acme-kb", "v3", "go")
    assert info["evaluation"]["metrics"]["adapter"]["eval_loss"] == 4.5
    assert info["training"]["duration_s"] == 12.5
    assert info["training"]["final_metrics"]["final_training_loss"] == 3.0
    assert info["lora"]["r"] == 8 and info["context_length"] == 512 and info["device"] == "cpu"
    assert info["system_prompt_applied"] is True


def test_chat_answers_with_the_training_system_prompt(server: Server, expected: str) -> None:
    with server.client() as client:
        reply = client.post("/api/v1/chat", json=_chat())
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["message"] == {"role": "assistant", "content": expected}
        assert (body["model"], body["finish_reason"], body["usage"]["completion_tokens"]) == ("acme-kb", "length", 8)
        # the system prompt was added: the same request with it spelled out is the same prompt and answer
        explicit = {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]}
        same = client.post("/api/v1/chat", json=_chat() | explicit).json()
        assert (same["message"], same["usage"]) == (body["message"], body["usage"])
        other = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]}
        shorter = client.post("/api/v1/chat", json=_chat() | other).json()
        assert shorter["usage"]["prompt_tokens"] < body["usage"]["prompt_tokens"]  # a given system turn wins
        parts = [{"type": "text", "text": "What is the "}, {"type": "text", "text": "advisory fee?"}]
        as_parts = client.post("/api/v1/chat", json=_chat() | {"messages": [{"role": "user", "content": parts}]})
        assert as_parts.json()["message"] == body["message"]  # OpenAI's content parts read as the joined text


def test_chat_streams_server_sent_events(server: Server, expected: str) -> None:
    with server.client() as client:
        reply = client.post("/api/v1/chat", json=_chat(stream=True))
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/event-stream")
    events = _events(reply)
    assert events[-1] == "[DONE]"
    decoded = [json.loads(e) for e in events[:-1]]
    assert decoded[0] == {"model": "acme-kb"}
    deltas = [e["delta"] for e in decoded[1:-1]]
    assert len(deltas) >= 3 and "".join(deltas).strip() == expected
    assert decoded[-1]["finish_reason"] == "length" and decoded[-1]["usage"]["completion_tokens"] == 8


def test_openai_client_works_unchanged(server: Server, expected: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{server.url}/v1", api_key=KEYS[0], max_retries=0)
    assert [m.id for m in client.models.list().data] == ["acme-kb"]
    messages = [{"role": "user", "content": QUESTION}]
    completion = client.chat.completions.create(model="acme-kb", messages=messages, max_tokens=8, temperature=0)
    assert completion.object == "chat.completion" and completion.model == "acme-kb"
    choice = completion.choices[0]
    assert (choice.message.role, choice.message.content, choice.finish_reason) == ("assistant", expected, "length")
    assert completion.usage.completion_tokens == 8 and completion.usage.total_tokens > 8
    chunks = list(
        client.chat.completions.create(model="acme-kb", messages=messages, max_tokens=8, temperature=0, stream=True)
    )
    assert {c.object for c in chunks} == {"chat.completion.chunk"} and len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks).strip() == expected
    assert [c.choices[0].finish_reason for c in chunks][-1] == "length"
    with server.client() as raw:  # the wire format ends as OpenAI's does
        assert _events(raw.post("/v1/chat/completions", json=_chat(stream=True)))[-1] == "[DONE]"


def test_a_missing_or_wrong_key_gets_401(server: Server) -> None:
    with server.client(key=None) as anonymous:
        for method, path in (("GET", "/model-info"), ("POST", "/api/v1/chat"), ("POST", "/v1/chat/completions")):
            reply = anonymous.request(method, path, json=_chat())
            assert (reply.status_code, reply.json()) == (401, {"detail": "missing or invalid API key"}), path
            assert reply.headers["www-authenticate"] == "Bearer"
    with server.client(key="key-main-but-wrong") as wrong:
        assert wrong.get("/model-info").status_code == 401
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEYS[0]}) as by_header:
        assert by_header.get("/model-info").status_code == 200


def test_rate_limit_per_key_gets_429_with_retry_after(server: Server) -> None:
    with server.client(key=KEYS[1]) as limited, server.client() as other:
        codes = [limited.get("/model-info").status_code for _ in range(BURST)]
        assert codes == [200] * BURST
        refused = limited.get("/model-info")
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 60 / RATE_PER_MIN and refused.json()["detail"] == f"rate limit exceeded: retry in {wait} s"
        assert limited.post("/api/v1/chat", json=_chat()).status_code == 429
        assert other.get("/model-info").status_code == 200  # another key has its own bucket


def test_oversized_bodies_get_413(server: Server) -> None:
    big = _chat("fee " * MAX_BODY)
    with server.client() as client:
        reply = client.post("/api/v1/chat", json=big)
        assert (reply.status_code, reply.json()) == (413, {"detail": f"request body over {MAX_BODY} bytes"})

        def chunked() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
            data = json.dumps(big).encode()
            yield from (data[i : i + 4096] for i in range(0, len(data), 4096))

        reply = client.post("/v1/chat/completions", content=chunked(), headers={"Content-Type": "application/json"})
        assert reply.status_code == 413


def test_bad_fields_and_overlong_prompts_get_422(server: Server) -> None:
    with server.client() as client:

        def problem(body: object, path: str = "/api/v1/chat") -> object:
            reply = client.post(path, content=body if isinstance(body, bytes) else json.dumps(body))
            assert reply.status_code == 422, reply.text
            detail = reply.json()["detail"]
            return detail if isinstance(detail, str) else [(tuple(d["loc"]), d["type"]) for d in detail]

        assert problem(_chat(temperature=5)) == [(("temperature",), "less_than_equal")]
        assert problem(_chat(max_tokens=0), "/v1/chat/completions") == [(("max_tokens",), "greater_than_equal")]
        assert problem({"messages": []}) == [(("messages",), "too_short")]
        assert problem({"messages": [{"role": "robot", "content": "hi"}]}) == [
            (("messages", 0, "role"), "literal_error")
        ]
        image = [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]
        assert problem({"messages": [{"role": "user", "content": image}]}) == [
            (("messages", 0, "content"), "string_type")
        ]
        assert problem(b"{not json") == [((), "json_invalid")]
        too_long = problem(_chat("fee " * 600))
        assert too_long.startswith("prompt is ") and too_long.endswith("over the model's context of 512 tokens")
        room = problem(_chat(max_tokens=500))
        assert "lower max_tokens to" in room and "context of 512 tokens" in room


def test_concurrent_requests_queue_and_a_full_queue_gets_503(server: Server, expected: str) -> None:
    async def burst(n: int, key: str) -> list[httpx.Response]:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120) as client:
            return await asyncio.gather(*(client.post("/api/v1/chat", json=_chat()) for _ in range(n)))

    together = asyncio.run(burst(MAX_QUEUE + 1, KEYS[0]))  # one generating, the rest waiting: all answered
    assert [(r.status_code, r.json()["message"]["content"]) for r in together] == [(200, expected)] * (MAX_QUEUE + 1)
    flood = asyncio.run(burst(16, KEYS[2]))
    answered = [r for r in flood if r.status_code == 200]
    busy = [r for r in flood if r.status_code == 503]
    assert len(answered) + len(busy) == 16 and len(answered) >= MAX_QUEUE + 1 and busy
    assert {r.json()["message"]["content"] for r in answered} == {expected}
    assert busy[0].headers["retry-after"] == "1" and busy[0].json()["detail"].startswith("server busy")
    with server.client(key=None) as anonymous:
        assert anonymous.get("/health").json()["queued"] == 0


def test_nothing_left_the_machine_and_the_bundle_still_verifies(
    server: Server, bundle_root: Path, bundle_python: Path
) -> None:
    """Last in this module: the server started, loaded the model and answered everything above offline,
    and left the bundle as shipped."""
    with server.client() as client:
        assert client.post("/api/v1/chat", json=_chat()).status_code == 200
    assert server.process.proc.poll() is None  # still serving after every error above
    assert not server.net_log.exists(), server.net_log.read_text()
    check = subprocess.run([str(bundle_python), "verify.py"], cwd=bundle_root, capture_output=True, text=True)
    assert (check.returncode, check.stdout) == (0, "OK\n")
