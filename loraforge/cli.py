"""The ``loraforge`` command: the pipeline, or one half of it, from a YAML file and dotted overrides.

    loraforge pipeline --source examples/docs
    loraforge pipeline -c run.yaml data_prep.pii.policy=drop fine_tune.training.max_steps=200
    loraforge prep --source examples/docs target.tenant=acme
    loraforge train ds-0123456789ab fine_tune.base_model=/models/Qwen2.5-7B-Instruct
    loraforge eval --base-model BASE --adapter ADAPTER_DIR --dataset DATASET_DIR evaluation.max_examples=64
    loraforge promote 3 target.tenant=acme

Runs in this process without Prefect (the same stages the flows run); the YAML holds the fields of
``loraforge.config.RunConfig``: ``source``, ``target``, ``data_prep``, ``fine_tune``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from loraforge.config import RunConfig, load_config

EXAMPLES = """\
overrides are KEY.PATH=VALUE, applied on top of the YAML, e.g.
  target.tenant=acme  target.store=s3://bucket/prefix  target.tracking_uri=http://mlflow:5000
  data_prep.pii.policy=drop  data_prep.dataset.scope="Acme Advisors"  data_prep.shard_size=500
  fine_tune.base_model=tiny  fine_tune.recipe=qlora-default.yaml  fine_tune.training.max_steps=200
  fine_tune.overrides.sft.neftune_noise_alpha=5  fine_tune.evaluation.gate.min_refusal_accuracy=0.9
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from loraforge.offline import ensure_offline

    ensure_offline()
    return args.command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loraforge",
        description="Turn a company's documents into a judged, versioned LoRA adapter.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help: str, func) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        p = sub.add_parser(name, help=help, description=help, epilog=EXAMPLES, formatter_class=parser.formatter_class)
        p.add_argument("-c", "--config", type=Path, help="YAML with source/target/data_prep/fine_tune sections")
        p.add_argument("overrides", nargs="*", metavar="KEY.PATH=VALUE", help="settings on top of the YAML")
        p.set_defaults(command=func)
        return p

    for name, help, func in (
        ("pipeline", "data-prep over --source, then fine-tune, evaluate, package and register", _pipeline),
        ("prep", "data-prep only: ingest, PII, dedup and a versioned dataset", _prep),
    ):
        command(name, help, func).add_argument("--source", help="a folder or s3://bucket/prefix/ (overrides source)")
    train = command("train", "fine-tune, evaluate, package and register on an existing dataset version", _train)
    train.add_argument("dataset_version", help="a version built by prep, e.g. ds-0123456789ab")
    evaluate = command("eval", "evaluate an adapter against its base (and a champion) and apply the gate", _eval)
    evaluate.add_argument("--base-model", required=True, help="HF id or local path of the base model")
    evaluate.add_argument("--adapter", required=True, type=Path, help="PEFT adapter folder")
    evaluate.add_argument("--dataset", required=True, type=Path, help="dataset version folder (holds hf/)")
    evaluate.add_argument("--champion", type=Path, help="adapter folder of the current champion")
    evaluate.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1")
    evaluate.add_argument("--out", type=Path, help="write the report JSON here")
    promote = command("promote", "move the registry's champion alias to a model version", _promote)
    promote.add_argument("version", type=int, help="model version of <tenant>-<project>-adapter")
    return parser


def _config(args: argparse.Namespace) -> RunConfig:
    overrides = list(args.overrides)
    if getattr(args, "source", None):
        overrides.append(("source", args.source))
    return load_config(RunConfig, args.config, overrides)


def _store(config: RunConfig):  # type: ignore[no-untyped-def]
    from loraforge.storage import open_store

    return open_store(config.target.store)


def _prep(args: argparse.Namespace) -> int:
    from loraforge.prep import run_data_prep

    config = _config(args)
    manifest = run_data_prep(config.source, _store(config), config.data_prep, config.target)
    print(f"dataset  {manifest.version}: {manifest.n_examples} examples at {manifest.dataset_uri}")
    print(json.dumps(manifest.model_dump(), indent=2))
    return 0


def _fine_tune(config: RunConfig, dataset_version: str) -> int:
    from loraforge.finetune import run_fine_tune

    outcome = run_fine_tune(dataset_version, _store(config), config.fine_tune, config.target, on_progress=_progress)
    print(f"adapter  {outcome.model_name} v{outcome.model_version} aliases={outcome.aliases} verdict={outcome.verdict}")
    for reason in outcome.reasons:
        print(f"         {reason}")
    for warning in outcome.warnings:
        print(f"warning  {warning}")
    print(f"bundle   {outcome.bundle_uri} (sha256 {outcome.bundle_sha256})")
    print(f"mlflow   run {outcome.mlflow_run_id} {outcome.mlflow_run_url}")
    return 0


def _pipeline(args: argparse.Namespace) -> int:
    from loraforge.prep import run_data_prep

    config = _config(args)
    manifest = run_data_prep(config.source, _store(config), config.data_prep, config.target)
    print(f"dataset  {manifest.version}: {manifest.n_examples} examples at {manifest.dataset_uri}", flush=True)
    return _fine_tune(config, manifest.version)


def _train(args: argparse.Namespace) -> int:
    return _fine_tune(_config(args), args.dataset_version)


def _progress(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
    shown = " ".join(f"{k}={v:.4g}" for k, v in metrics.items() if k != "step")
    eta = f"{eta_s:.0f}s" if eta_s is not None else "?"
    print(f"step {step}/{max_steps} eta {eta} {shown}", flush=True)


def _eval(args: argparse.Namespace) -> int:
    from loraforge.evaluate import evaluate

    config = _config(args)
    report = evaluate(
        args.base_model, args.adapter, args.dataset, config.fine_tune.evaluation, args.champion, device=args.device
    )
    if args.out:
        args.out.write_text(report.to_json() + "\n")
    print(report.to_markdown())
    return 0


def _promote(args: argparse.Namespace) -> int:
    from loraforge.tracking import Tracker

    target = _config(args).target
    version = Tracker(target.tenant, target.project, target.tracking_uri).promote(args.version)
    print(f"{version.name} v{version.version} aliases={sorted(version.aliases)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
