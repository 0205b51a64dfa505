"""``loraforge serve``: the bundle's API on the version a registry alias points to (a real MLflow registry,
SQLite-backed), following a promotion on ``POST /admin/reload`` and by polling, without a restart."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from model_fixtures import SYSTEM, TinySetup, tiny_examples, tiny_setup, train_tiny_adapter
from servers import Process, free_port, http_ok, start
from test_package import HISTORY, SUMMARY, eval_report

from loraforge.package import build_bundle
from loraforge.serving.pyfunc import save_adapter_model
from loraforge.serving.registry import ModelRef, RegistryModel
from loraforge.tracking import Tracker

REPO = Path(__file__).resolve().parents[1]
KEY = "registry-key"
MODEL = "acme-advisory-adapter"
QUESTION = "What is the advisory fee?"


@dataclass
class Registry:
    uri: str
    tracker: Tracker
    base_dir: Path


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """Two registered versions with different weights: v1 (60 steps, champion) and v2 (15 steps, challenger)."""
    tiny: TinySetup = tiny_setup(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    tracker = Tracker("acme", "advisory", tracking_uri=uri)
    under_trained = train_tiny_adapter(tiny.base_dir, [e.messages for e in tiny_examples()], tmp / "adapter-v2", 15)
    for label, adapter, promote in (("v1", tiny.adapter_dir, True), ("v2", under_trained, False)):
        bundle = build_bundle(
            adapter,
            str(tiny.base_dir),
            SUMMARY,
            HISTORY,
            eval_report(adapter),
            tmp / "bundles",
            example_prompts=[QUESTION],
            name="acme-kb",
            version=label,
            system_prompt=SYSTEM,
        )
        run_id = tracker.start_run(f"ft-{label}", {"lora": {"r": 8}})
        tracker.log_artifacts(run_id, bundle.dir, "bundle")  # as register_adapter does

        def save(folder: Path, mm: object, adapters: Path = bundle.dir / "adapters") -> None:
            save_adapter_model(adapters, folder, str(tiny.base_dir), mlflow_model=mm)

        model = tracker.log_model(run_id, save)
        tracker.register_adapter(run_id, model, {"verdict": "go"}, promote=promote)
        tracker.end_run(run_id)
    return Registry(uri, tracker, tiny.base_dir)


@pytest.fixture
def champion_server(registry: Registry, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """``loraforge serve --model acme-advisory-adapter@champion``; ``--reload-every`` from the test's param."""
    registry.tracker.promote(1)
    port = free_port()
    argv = [sys.executable, "-m", "loraforge.cli", "serve", "--model", f"{MODEL}@champion", "--port", str(port)]
    argv += ["--reload-every", str(request.param), f"target.tracking_uri={registry.uri}"]
    env = {**os.environ, "LORAFORGE_API_KEY": KEY, "LORAFORGE_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    url = f"http://127.0.0.1:{port}"
    process: Process = start(
        "loraforge serve", argv, tmp_path / "serve.log", http_ok(f"{url}/health"), env=env, cwd=REPO
    )
    yield url
    process.stop()


def _client(url: str, key: str | None = KEY) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=120)


def _answer(client: httpx.Client) -> str:
    body = {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": 8, "temperature": 0}
    reply = client.post("/v1/chat/completions", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()["choices"][0]["message"]["content"]


def _serving(client: httpx.Client) -> tuple[int, str, list[str]]:
    info = client.get("/model-info").json()
    return info["registry"]["version"], info["adapter_version"], info["registry"]["aliases"]


@pytest.mark.parametrize("champion_server", [0], indirect=True)
def test_admin_reload_swaps_in_the_promoted_version(registry: Registry, champion_server: str) -> None:
    with _client(champion_server) as client, _client(champion_server, key=None) as anonymous:
        assert _serving(client) == (1, "v1", ["champion"])
        first = _answer(client)
        assert client.post("/admin/reload").json()["reloaded"] is False  # the alias has not moved

        registry.tracker.promote(2)
        assert _serving(client)[0] == 1  # polling is off: nothing changes until asked
        assert anonymous.post("/admin/reload").status_code == 401
        reloaded = client.post("/admin/reload").json()
        assert reloaded["reloaded"] is True and reloaded["model"]["registry"]["version"] == 2
        assert _serving(client) == (2, "v2", ["challenger", "champion"])
        assert _answer(client) != first  # the other weights answer, not only the other label


@pytest.mark.parametrize("champion_server", [1], indirect=True)
def test_a_promotion_is_picked_up_by_polling(registry: Registry, champion_server: str) -> None:
    with _client(champion_server) as client:
        assert _serving(client)[:2] == (1, "v1")
        registry.tracker.promote(2)
        deadline = time.monotonic() + 90
        while _serving(client)[0] != 2:
            assert time.monotonic() < deadline, "the promotion was not picked up"
            time.sleep(0.5)
        assert _serving(client) == (2, "v2", ["challenger", "champion"])


def test_model_references() -> None:
    assert ModelRef.parse("acme-advisory-adapter@champion") == ModelRef("acme-advisory-adapter", alias="champion")
    assert ModelRef.parse("models:/acme-advisory-adapter/3") == ModelRef("acme-advisory-adapter", version="3")
    assert ModelRef.parse("acme-advisory-adapter") == ModelRef("acme-advisory-adapter", alias="champion")
    for bad in ("@champion", "acme/latest", "acme@"):
        with pytest.raises(ValueError, match="expected NAME@ALIAS"):
            ModelRef.parse(bad)


def test_a_version_without_a_servable_bundle_is_refused_clearly(registry: Registry, tmp_path: Path) -> None:
    old = tmp_path / "old-bundle"  # what runs logged before bundles carried serve.py
    (old / "adapters").mkdir(parents=True)
    (old / "inference.py").write_text("def main():\n    pass\n")
    (old / "adapters" / "adapter_config.json").write_text("{}")
    tracker = registry.tracker
    run_id = tracker.start_run("ft-old", {})
    tracker.log_artifacts(run_id, old, "bundle")

    def save(folder: Path, mm: object) -> None:
        save_adapter_model(old / "adapters", folder, "tiny", mlflow_model=mm)

    version = tracker.register_adapter(run_id, tracker.log_model(run_id, save), {}, promote=False)
    tracker.end_run(run_id)
    model = RegistryModel(ModelRef(MODEL, version=str(version.version)), registry.uri, tmp_path / "scratch")
    with pytest.raises(RuntimeError, match=f"version {version.version}: its run holds no servable bundle"):
        model.load()
