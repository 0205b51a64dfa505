#!/usr/bin/env python
"""HTTP API for the fine-tuned adapter in this bundle (FastAPI + uvicorn).

    export LORAFORGE_API_KEY=$(python -c "import secrets; print(secrets.token_urlsafe(32))")
    python serve.py --host 127.0.0.1 --port 8000

Endpoints: ``GET /health`` (no key), ``GET /model-info``, ``POST /api/v1/chat`` and the OpenAI-compatible
``POST /v1/chat/completions`` / ``GET /v1/models``; both chat endpoints stream server-sent events when
``stream`` is true. Send the key as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY`` (several keys:
comma-separated). One generation runs at a time; others wait in a bounded queue (full: 503). Each key
has a token-bucket rate limit (429 with ``Retry-After``). Oversized bodies get 413, bad fields or a
prompt longer than the model's context 422. The training system prompt is added when a request has no
system turn. Nothing is downloaded unless ``--allow-download`` (the base model must be local or cached).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import sys
import threading
import time
import types
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

HERE = Path(__file__).resolve().parent


@dataclass
class Settings:
    api_keys: tuple[str, ...] = ()  # empty: no authentication (only with --no-auth)
    rate_per_minute: float = 60.0  # per key, refilled continuously
    burst: int = 10  # requests a key may send at once before the rate applies
    max_body_bytes: int = 64 * 1024
    max_queue: int = 8  # requests waiting for the model behind the one generating
    max_tokens: int = 256  # default completion length
    reload_every_s: float = 0.0  # loraforge serve: how often to check the registry alias (0: only on request)


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str

    @field_validator("content", mode="before")
    @classmethod
    def text_parts(cls, value: Any) -> Any:  # OpenAI's [{"type": "text", "text": ...}] form
        if isinstance(value, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in value):
            return "".join(str(p.get("text", "")) for p in value)
        return value


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients send fields this server does not use
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)
    stream: bool = False
    model: str | None = None


def load_bundle(root: Path, base_model: str | None = None, device: str = "auto", load_in_4bit: bool = False) -> Any:
    """The model of the bundle at ``root`` (its ``inference.Model``), with ``info`` for ``/model-info``."""
    # compiled here, not imported: an import would leave __pycache__/ in the bundle, which verify.py refuses
    inference = types.ModuleType("bundle_inference")
    inference.__file__ = str(root / "inference.py")
    exec(compile((root / "inference.py").read_text(), inference.__file__, "exec"), inference.__dict__)
    model = inference.Model(base_model, device, load_in_4bit)
    model.info = model_info(root) | {"context_length": model.context, "device": model.device}
    model.info["system_prompt_applied"] = bool(model.system_prompt)
    return model


def model_info(root: Path) -> dict[str, Any]:
    """What the bundle says about itself: names, base model, training summary, evaluation verdict."""

    def read(name: str) -> dict[str, Any]:
        return json.loads((root / name).read_text()) if (root / name).is_file() else {}

    summary, report = read("training_summary.json"), read("eval_report.json")
    adapter = read("adapters/adapter_config.json")
    return {
        "name": summary.get("adapter_name") or root.name,
        "adapter_version": summary.get("adapter_version"),
        "base_model": summary.get("base_model") or adapter.get("base_model_name_or_path"),
        "lora": {k: adapter.get(k) for k in ("r", "lora_alpha", "target_modules")},
        "training": {k: summary.get(k) for k in ("final_metrics", "duration_s", "estimated_cost_usd")},
        "evaluation": {k: report.get(k) for k in ("verdict", "metrics", "improvements")},
    }


class Gate:
    """One generation at a time; at most ``max_queue`` requests wait, the next one gets 503."""

    def __init__(self, max_queue: int) -> None:
        self.lock, self.waiting, self.max_queue = asyncio.Lock(), 0, max_queue

    def check(self) -> None:
        if self.waiting >= self.max_queue:
            raise HTTPException(503, f"server busy: {self.waiting} requests queued", headers={"Retry-After": "1"})

    @asynccontextmanager
    async def turn(self, admit: bool = True) -> AsyncIterator[None]:
        """Wait for the model; ``admit=False`` skips the queue check (a stream checked before it began)."""
        if admit:
            self.check()
        self.waiting += 1
        try:
            await self.lock.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.lock.release()


@dataclass
class Buckets:
    """Token bucket per API key: ``burst`` requests at once, refilled at ``rate_per_minute``."""

    rate_per_minute: float
    burst: int
    state: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, last time)

    def take(self, key: str) -> None:
        now, rate = time.monotonic(), self.rate_per_minute / 60.0
        tokens, last = self.state.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * rate)
        if tokens < 1.0:
            self.state[key] = (tokens, now)
            wait = max(1, int((1.0 - tokens) / rate + 0.999)) if rate > 0 else 3600
            raise HTTPException(429, f"rate limit exceeded: retry in {wait} s", headers={"Retry-After": str(wait)})
        self.state[key] = (tokens - 1.0, now)


async def chat_request(request: Request) -> ChatRequest:
    """The body as a ChatRequest: 413 past ``max_body_bytes`` (read no further), 422 for bad fields."""
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"request body over {limit} bytes")
    try:
        return ChatRequest.model_validate_json(bytes(body))
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None


Body = Annotated[ChatRequest, Depends(chat_request)]


def create_app(engine: Any, settings: Settings, reload: Any = None) -> FastAPI:
    """The API around ``engine`` (``load_bundle``). ``reload()`` (``loraforge serve``) returns a new one when the
    registry alias moved (None otherwise); it runs on ``POST /admin/reload`` and every ``reload_every_s``."""
    state = {"engine": engine}
    gate, buckets = Gate(settings.max_queue), Buckets(settings.rate_per_minute, settings.burst)

    async def swap() -> bool:
        new = await asyncio.to_thread(reload)
        if new is not None:
            async with gate.lock:  # the running generation finishes on the old model
                state["engine"] = new
        return new is not None

    async def poll() -> None:
        while True:
            await asyncio.sleep(settings.reload_every_s)
            try:
                await swap()
            except Exception as exc:  # a registry outage keeps the current model serving
                print(f"reload failed, still serving the current model: {exc!r}", file=sys.stderr)

    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(poll()) if reload is not None and settings.reload_every_s > 0 else None
        yield
        if task is not None:
            task.cancel()

    app = FastAPI(title="LoRA adapter API", lifespan=lifespan)
    app.state.settings = settings

    def authorize(request: Request) -> str:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
        if settings.api_keys and not any(hmac.compare_digest(key.encode(), k.encode()) for k in settings.api_keys):
            raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})
        caller = key if settings.api_keys else (request.client.host if request.client else "-")
        buckets.take(caller)
        return caller

    def prepare(req: ChatRequest) -> tuple[Any, list[int], int]:
        eng = state["engine"]
        ids = eng.encode([m.model_dump() for m in req.messages])
        room = eng.context - len(ids)
        max_tokens = req.max_tokens or min(settings.max_tokens, room)
        if room < 1:
            raise HTTPException(422, f"prompt is {len(ids)} tokens, over the model's context of {eng.context} tokens")
        if max_tokens > room:
            raise HTTPException(
                422,
                f"prompt ({len(ids)} tokens) + max_tokens ({max_tokens}) is over the model's context of "
                f"{eng.context} tokens: lower max_tokens to {room} or shorten the conversation",
            )
        return eng, ids, max_tokens

    async def complete(req: ChatRequest) -> tuple[Any, str, dict[str, Any], str]:
        eng, ids, max_tokens = prepare(req)
        async with gate.turn():
            out = await asyncio.to_thread(eng.generate, ids, max_tokens, req.temperature, req.top_p)
        usage = {"prompt_tokens": len(ids), "completion_tokens": len(out), "total_tokens": len(ids) + len(out)}
        return eng, eng.decode(out), usage, finish(eng, out, max_tokens)

    def stream(req: ChatRequest, event: Any) -> StreamingResponse:
        """SSE: ``event(kind, payload)`` gives the data of each ``start`` / ``delta`` / ``end`` event."""
        from transformers import TextIteratorStreamer

        eng, ids, max_tokens = prepare(req)
        gate.check()  # refuse now, while a status code can still be sent
        streamer = TextIteratorStreamer(eng.tokenizer, skip_prompt=True, skip_special_tokens=True)
        stopped, result = threading.Event(), {}

        def run() -> None:  # in a thread; the event loop reads the streamer meanwhile
            try:
                result["out"] = eng.generate(
                    ids, max_tokens, req.temperature, req.top_p, streamer=streamer, stopping_criteria=[stop(stopped)]
                )
            except Exception as exc:
                result["error"] = f"generation failed: {exc!r}"
                streamer.end()

        async def events() -> AsyncIterator[str]:
            import anyio

            async with gate.turn(admit=False):
                work = threading.Thread(target=run, daemon=True)
                work.start()
                try:
                    yield sse(event("start", None))
                    started, pieces = False, iter(streamer)
                    while (piece := await asyncio.to_thread(next, pieces, None)) is not None:
                        piece = piece if started else piece.lstrip()  # as the JSON answer, which is stripped
                        if piece:
                            started = True
                            yield sse(event("delta", piece))
                    await asyncio.to_thread(work.join)
                    if "error" in result:
                        yield sse({"error": {"message": result["error"], "type": "server_error"}})
                    else:
                        out = result["out"]
                        usage = {"prompt_tokens": len(ids), "completion_tokens": len(out)}
                        yield sse(event("end", (finish(eng, out, max_tokens), usage)))
                    yield "data: [DONE]\n\n"
                finally:  # also when the client went away: stop at the next token, release the model after
                    stopped.set()
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(work.join)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "model": state["engine"].info["name"],
            "busy": gate.lock.locked(),
            "queued": gate.waiting,
        }

    @app.get("/model-info", dependencies=[Depends(authorize)])
    def info() -> dict[str, Any]:
        return state["engine"].info

    @app.post("/api/v1/chat", dependencies=[Depends(authorize)])
    async def chat(req: Body) -> Any:
        if req.stream:
            shapes = {"start": lambda _: {"model": state["engine"].info["name"]}, "delta": lambda t: {"delta": t}}
            shapes["end"] = lambda e: {"finish_reason": e[0], "usage": e[1]}
            return stream(req, lambda kind, payload: shapes[kind](payload))
        eng, text, usage, reason = await complete(req)
        message = {"role": "assistant", "content": text}
        return {"model": eng.info["name"], "message": message, "finish_reason": reason, "usage": usage}

    @app.get("/v1/models", dependencies=[Depends(authorize)])
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": state["engine"].info["name"], "object": "model", "owned_by": "me"}]}

    @app.post("/v1/chat/completions", dependencies=[Depends(authorize)])
    async def completions(req: Body) -> Any:
        head = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "created": int(time.time()),
            "model": state["engine"].info["name"],
        }
        if req.stream:

            def chunk(kind: str, payload: Any) -> dict[str, Any]:
                delta = {"start": {"role": "assistant", "content": ""}, "delta": {"content": payload}}.get(kind, {})
                reason = payload[0] if kind == "end" else None
                choice = {"index": 0, "delta": delta, "finish_reason": reason}
                return head | {"object": "chat.completion.chunk", "choices": [choice]}

            return stream(req, chunk)
        _, text, usage, reason = await complete(req)
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": reason}
        return head | {"object": "chat.completion", "choices": [choice], "usage": usage}

    if reload is not None:

        @app.post("/admin/reload", dependencies=[Depends(authorize)])
        async def admin_reload() -> dict[str, Any]:
            return {"reloaded": await swap(), "model": state["engine"].info}

    return app


def finish(eng: Any, out: list[int], max_tokens: int) -> str:
    return "length" if len(out) >= max_tokens and out[-1] not in eng.eos else "stop"


def stop(event: threading.Event) -> Any:
    """A stopping criterion that ends generation once ``event`` is set."""
    import torch
    from transformers import StoppingCriteria

    class Stop(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool, device=input_ids.device)

    return Stop()


def sse(data: Any) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def server_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The server's options (``loraforge serve`` takes the same ones)."""
    env = os.environ.get
    p.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen on every interface (in a container)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-auth", action="store_true", help="serve without an API key (trusted networks only)")
    p.add_argument("--rate-limit", type=float, default=float(env("LORAFORGE_RATE_LIMIT", 60)), help="requests/min/key")
    p.add_argument("--burst", type=int, default=int(env("LORAFORGE_RATE_BURST", 10)), help="requests at once per key")
    p.add_argument("--max-body-bytes", type=int, default=int(env("LORAFORGE_MAX_BODY_BYTES", 64 * 1024)))
    p.add_argument("--max-queue", type=int, default=int(env("LORAFORGE_MAX_QUEUE", 8)), help="waiting requests")
    p.add_argument("--max-tokens", type=int, default=int(env("LORAFORGE_MAX_TOKENS", 256)), help="default length")
    p.add_argument("--base-model", dest="base_model_path", help="base model id or path (default: adapter_config)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    p.add_argument("--load-in-4bit", action="store_true", help="4-bit NF4 base weights (CUDA, bitsandbytes)")
    return p


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = server_arguments(argparse.ArgumentParser(description="Serve this bundle's adapter over HTTP."))
    p.add_argument("--allow-download", action="store_true", help="let Hugging Face download the base model")
    return p.parse_args(argv)


def settings_from(args: argparse.Namespace, keys: str | None) -> Settings:
    """Settings from the command line; exits with a message when there is no key and no ``--no-auth``."""
    api_keys = tuple(k.strip() for k in (keys or "").split(",") if k.strip())
    if not api_keys and not args.no_auth:
        sys.exit(
            "LORAFORGE_API_KEY is not set: set it to a secret key (comma-separated for several keys), "
            "or pass --no-auth to serve without authentication on a trusted network."
        )
    return Settings(api_keys, args.rate_limit, args.burst, args.max_body_bytes, args.max_queue, args.max_tokens)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args, os.environ.get("LORAFORGE_API_KEY"))
    if not args.allow_download:  # before transformers is imported: it reads these once
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import uvicorn

    engine = load_bundle(HERE, args.base_model_path, args.device, args.load_in_4bit)
    uvicorn.run(create_app(engine, settings), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
