"""``loraforge serve``: the bundle's HTTP API (``bundle_template/serve.py``, the very file every bundle
carries) on the adapter version a registry alias points to, following the alias without a restart.

    loraforge serve --model acme-advisory-adapter@champion --port 8000

The version's bundle is the one its fine-tune run logged to MLflow (run artifact ``bundle/``: adapter,
tokenizer, training system prompt, reports); it is downloaded and loaded by the bundle's own
``inference.py``, as ``python serve.py`` in the unzipped bundle would. A promotion is picked up by
checking the alias every ``reload_every_s`` seconds and on ``POST /admin/reload``: when it moved, the
new version is loaded beside the old one and swapped in once the running generation has finished.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from loraforge.package.bundle import TEMPLATES

log = logging.getLogger(__name__)
BUNDLE_ARTIFACT = "bundle"  # where register_adapter logs the bundle in the version's run


@functools.cache
def server_module() -> ModuleType:
    """``bundle_template/serve.py`` as a module: one implementation of the API for bundles and the registry."""
    spec = importlib.util.spec_from_file_location("loraforge_bundle_serve", TEMPLATES / "serve.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True, slots=True)
class ModelRef:
    """``name@alias`` or ``name/version`` (a plain ``name`` means ``name@champion``)."""

    name: str
    alias: str | None = None
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        text = text.removeprefix("models:/")
        if "@" in text:
            name, alias = text.rsplit("@", 1)
            ref = cls(name, alias=alias)
        elif "/" in text:
            name, version = text.rsplit("/", 1)
            ref = cls(name, version=version)
        else:
            ref = cls(text, alias="champion")
        if not ref.name or not (ref.alias or (ref.version or "").isdigit()):
            raise ValueError(f"{text!r}: expected NAME@ALIAS (e.g. acme-advisory-adapter@champion) or NAME/VERSION")
        return ref

    def __str__(self) -> str:
        return f"{self.name}@{self.alias}" if self.alias else f"{self.name}/{self.version}"


class RegistryModel:
    """Loads the bundle of the version ``ref`` points to; ``reload()`` loads another one when it moved."""

    def __init__(self, ref: ModelRef, tracking_uri: str, scratch: Path, **engine_options: Any) -> None:
        from mlflow import MlflowClient

        self.ref, self.scratch, self.engine_options = ref, scratch, engine_options
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        self.version: str | None = None
        self._lock = threading.Lock()  # the poll and /admin/reload may ask at the same time

    def resolve(self) -> Any:  # -> mlflow ModelVersion
        if self.ref.alias:
            return self.client.get_model_version_by_alias(self.ref.name, self.ref.alias)
        return self.client.get_model_version(self.ref.name, self.ref.version)

    def fetch(self, version: Any) -> Path:
        """The version's bundle folder, downloaded from its run (a version registered without one: error)."""
        dst = self.scratch / f"v{version.version}"
        shutil.rmtree(dst, ignore_errors=True)
        dst.mkdir(parents=True)
        root = Path(self.client.download_artifacts(version.run_id, BUNDLE_ARTIFACT, str(dst)))
        if not (root / "inference.py").is_file() or "class Model:" not in (root / "inference.py").read_text():
            raise RuntimeError(
                f"{version.name} version {version.version}: its run holds no servable bundle "
                f"(packaged before bundles carried serve.py); run the fine-tune again to re-package it"
            )
        return root

    def load(self) -> Any:  # -> the bundle's inference.Model
        """The model of the version ``ref`` points to now (``serve.load_bundle``)."""
        version = self.resolve()
        root = self.fetch(version)
        log.info("serving %s: version %s (run %s)", self.ref, version.version, version.run_id)
        engine = server_module().load_bundle(root, **self.engine_options)
        engine.info["registry"] = {
            "model": version.name,
            "version": int(version.version),
            "alias": self.ref.alias,
            "run_id": version.run_id,
            "aliases": sorted(version.aliases),
        }
        for old in self.scratch.glob("v*"):  # a loaded model no longer needs its files
            if old != root.parent:
                shutil.rmtree(old, ignore_errors=True)
        self.version = str(version.version)
        return engine

    def reload(self) -> Any:  # -> the bundle's inference.Model | None
        """A newly loaded model when the alias points elsewhere than the loaded version, else None."""
        with self._lock:
            if str(self.resolve().version) == self.version:
                return None
            return self.load()


def serve_registered(ref: ModelRef, tracking_uri: str, scratch: Path, args: Any, api_keys: str | None) -> None:
    """Run the HTTP API (blocking) on ``ref``'s bundle; ``args``: the server options of ``serve.py``
    plus ``reload_every``."""
    import uvicorn

    module = server_module()
    settings = module.settings_from(args, api_keys)
    settings.reload_every_s = args.reload_every
    options = {"base_model": args.base_model_path, "device": args.device, "load_in_4bit": args.load_in_4bit}
    model = RegistryModel(ref, tracking_uri, scratch, **options)
    app = module.create_app(model.load(), settings, reload=model.reload)
    uvicorn.run(app, host=args.host, port=args.port)
