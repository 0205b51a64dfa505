"""The ``loraforge`` command: the pipeline, or one half of it, from a YAML file and dotted overrides.

    loraforge run --source examples/docs                   # "run" is short for "pipeline"
    loraforge run --source ~/docs --base-model /models/Qwen2.5-7B-Instruct --recipe qlora-default.yaml
    loraforge pipeline -c run.yaml data_prep.pii.policy=drop fine_tune.training.max_steps=200
    loraforge prep --source examples/docs target.tenant=acme
    loraforge train ds-0123456789ab fine_tune.base_model=/models/Qwen2.5-7B-Instruct
    loraforge train ds-0123456789ab --export-merged        # also the base with the adapter merged in
    loraforge eval --base-model BASE --adapter ADAPTER_DIR --dataset DATASET_DIR evaluation.max_examples=64
    loraforge promote 3 target.tenant=acme
    loraforge serve --model acme-advisory-adapter@champion --port 8000    # key in LORAFORGE_API_KEY

Runs in this process without Prefect (the same stages the flows run); the YAML holds the fields of
``loraforge.config.RunConfig``: ``source``, ``target``, ``data_prep``, ``fine_tune``. The flows take
the same arguments (``python -m flows.pipeline --source DIR …``) and run them through Prefect.
Quiet by default (``loraforge.quiet``): stage lines, training steps and the summary; ``--verbose``
shows every library's warnings and progress bars.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
    try:
        config = run_config(args)
    except ValueError as exc:  # a bad override or setting (pydantic's ValidationError is a ValueError)
        parser.error(str(exc))
    prepare_terminal(args.verbose)  # only for a run that goes ahead: it sets up this process's logging
    return args.command(args, config)


def prepare_terminal(verbose: bool) -> None:
    """Offline defaults; unless ``verbose``, the quiet terminal; loraforge's stage lines on stderr; a quick exit."""
    import atexit
    import gc
    import logging

    from loraforge.offline import ensure_offline
    from loraforge.quiet import quiet

    ensure_offline()
    if not verbose:
        quiet()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    library = logging.getLogger("loraforge")
    library.addHandler(handler)
    library.setLevel(logging.DEBUG if verbose else logging.INFO)
    library.propagate = False  # printed here once, not again by a console handler on the root logger
    # Python's shutdown runs full garbage collections over every object still alive (PII models, parsers,
    # the base model): 1.2-1.5 s of a `loraforge prep` run's exit. Frozen objects are left out of them.
    atexit.register(gc.freeze)


def parser_for(command: str) -> argparse.ArgumentParser:
    """The argument parser of one command (the flows' ``__main__`` use the same arguments)."""
    return _subparsers(_parser())[command]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loraforge",
        description="Turn a company's documents into a judged, versioned LoRA adapter.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help: str, func, aliases: Sequence[str] = ()) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        p = sub.add_parser(
            name,
            aliases=list(aliases),
            help=help,
            description=help,
            epilog=EXAMPLES,
            formatter_class=parser.formatter_class,
        )
        p.add_argument("-c", "--config", type=Path, help="YAML with source/target/data_prep/fine_tune sections")
        p.add_argument("-v", "--verbose", action="store_true", help="show library warnings and progress bars")
        p.set_defaults(command=func)
        return p

    def fine_tune_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--base-model", help="HF model id or local folder (sets fine_tune.base_model)")
        p.add_argument(
            "--recipe",
            help="a bundled recipe (tiny-cpu.yaml, qlora-default.yaml) or a recipe file (sets fine_tune.recipe)",
        )
        p.add_argument(
            "--export-merged",
            action="store_true",
            help="also write the base with the adapter merged in, loadable without PEFT (sets fine_tune.export_merged)",
        )

    source_help = "a folder or s3://bucket/prefix/ (sets source)"
    pipeline = command(
        "pipeline", "data-prep over --source, then fine-tune, evaluate, package and register", _pipeline, ["run"]
    )
    pipeline.add_argument("--source", help=source_help)
    fine_tune_options(pipeline)
    command("prep", "data-prep only: ingest, PII, dedup and a versioned dataset", _prep).add_argument(
        "--source", help=source_help
    )
    train = command("train", "fine-tune, evaluate, package and register on an existing dataset version", _train)
    train.add_argument("dataset_version", help="a version built by prep, e.g. ds-0123456789ab")
    fine_tune_options(train)
    evaluate = command("eval", "evaluate an adapter against its base (and a champion) and apply the gate", _eval)
    evaluate.add_argument(
        "--base-model", dest="eval_base_model", required=True, help="HF id or local path of the base model"
    )
    evaluate.add_argument("--adapter", required=True, type=Path, help="PEFT adapter folder")
    evaluate.add_argument("--dataset", required=True, type=Path, help="dataset version folder (holds hf/)")
    evaluate.add_argument("--champion", type=Path, help="adapter folder of the current champion")
    evaluate.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1")
    evaluate.add_argument("--out", type=Path, help="write the report JSON here")
    promote = command("promote", "move the registry's champion alias to a model version", _promote)
    promote.add_argument("version", type=int, help="model version of <tenant>-<project>-adapter")
    serve = command("serve", "serve a registered adapter over HTTP (the bundle's API), following its alias", _serve)
    serve.add_argument("--model", help="NAME@ALIAS or NAME/VERSION (default: <tenant>-<project>-adapter@champion)")
    serve.add_argument(
        "--reload-every", type=float, default=60.0, help="seconds between alias checks (0: on POST /admin/reload only)"
    )
    _server_arguments(serve)
    for p in {id(p): p for p in _subparsers(parser).values()}.values():  # last: after each command's own positionals
        p.add_argument("overrides", nargs="*", metavar="KEY.PATH=VALUE", help="settings on top of the YAML")
    return parser


def _server_arguments(parser: argparse.ArgumentParser) -> None:
    from loraforge.serving.registry import server_module

    server_module().server_arguments(parser)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def run_config(args: argparse.Namespace) -> RunConfig:
    """The YAML (``-c``), the ``KEY.PATH=VALUE`` overrides and the named options, validated."""
    overrides: list[str | tuple[str, object]] = list(args.overrides)
    options = {
        "source": "source",
        "base_model": "fine_tune.base_model",
        "recipe": "fine_tune.recipe",
        "export_merged": "fine_tune.export_merged",
    }
    for option, key in options.items():
        if getattr(args, option, None):
            overrides.append((key, getattr(args, option)))
    return load_config(RunConfig, args.config, overrides)


def _store(config: RunConfig):  # type: ignore[no-untyped-def]
    from loraforge.storage import open_store

    return open_store(config.target.store)


def _prep(args: argparse.Namespace, config: RunConfig) -> int:
    from loraforge.prep import run_data_prep

    manifest = run_data_prep(config.source, _store(config), config.data_prep, config.target)
    print_dataset(manifest)
    print(json.dumps(manifest.model_dump(), indent=2))
    return 0


def _fine_tune(config: RunConfig, dataset_version: str) -> int:
    from loraforge.finetune import run_fine_tune

    outcome = run_fine_tune(dataset_version, _store(config), config.fine_tune, config.target, on_progress=_progress)
    print_outcome(outcome, config.target.tracking_uri)
    return 0


def _pipeline(args: argparse.Namespace, config: RunConfig) -> int:
    from loraforge.prep import run_data_prep

    manifest = run_data_prep(config.source, _store(config), config.data_prep, config.target)
    print_dataset(manifest)
    return _fine_tune(config, manifest.version)


def flow_arguments(
    command: str,
    argv: Sequence[str] | None = None,
    on_quiet: Callable[[], None] | None = None,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> tuple[argparse.Namespace, RunConfig]:
    """What ``python -m flows.<flow>`` reads: the arguments of ``loraforge <command>``, validated.
    ``on_quiet`` is called unless ``--verbose`` (the orchestrator's own terminal noise); ``options`` adds
    the flow's own options (where its tasks run) to the command's."""
    parser = parser_for(command)
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    try:
        config = run_config(args)
    except ValueError as exc:
        parser.error(str(exc))
    prepare_terminal(args.verbose)
    if on_quiet is not None and not args.verbose:
        on_quiet()
    return args, config


def print_dataset(manifest: Any) -> None:
    print(f"dataset  {manifest.version}: {manifest.n_examples} examples at {manifest.dataset_uri}", flush=True)


def print_outcome(outcome: Any, tracking_uri: str | None = None) -> None:
    """The end of a run on one screen: registry entry and verdict, the gate's reasons, warnings, where things
    are (``tracking_uri``: the MLflow store, to say how to browse it when there is no web link)."""
    from loraforge.display import local_path, mlflow_run_line
    from loraforge.tracking import default_tracking_uri

    print(f"adapter  {outcome.model_name} v{outcome.model_version} aliases={outcome.aliases} verdict={outcome.verdict}")
    for reason in outcome.reasons:
        print(f"         {reason}")
    for warning in outcome.warnings:
        print(f"warning  {warning}")
    metrics = outcome.metrics
    if metrics.get("best_step"):
        loss = metrics.get("best_eval_loss")
        shown = f"{loss:.4g}" if isinstance(loss, int | float) else "?"
        print(
            f"training kept step {metrics.get('kept_step')} of {metrics.get('steps')} "
            f"(best eval loss {shown} at step {metrics['best_step']})"
        )
    print(f"bundle   {local_path(outcome.bundle_uri)} (sha256 {outcome.bundle_sha256})")
    if outcome.merged_uri:
        print(f"merged   {local_path(outcome.merged_uri)}")
    print(f"mlflow   run {outcome.mlflow_run_id}")
    where = mlflow_run_line(outcome.mlflow_run_id, outcome.mlflow_run_url, tracking_uri or default_tracking_uri())
    if where:
        print(f"         {where}")


def _train(args: argparse.Namespace, config: RunConfig) -> int:
    return _fine_tune(config, args.dataset_version)


def _progress(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
    shown = " ".join(f"{k}={v:.4g}" for k, v in metrics.items() if k != "step")
    eta = f"{eta_s:.0f}s" if eta_s is not None else "?"
    print(f"step {step}/{max_steps} eta {eta} {shown}", flush=True)


def _eval(args: argparse.Namespace, config: RunConfig) -> int:
    from loraforge.evaluate import evaluate

    report = evaluate(
        args.eval_base_model, args.adapter, args.dataset, config.fine_tune.evaluation, args.champion, device=args.device
    )
    if args.out:
        args.out.write_text(report.to_json() + "\n")
    print(report.to_markdown())
    return 0


def _promote(args: argparse.Namespace, config: RunConfig) -> int:
    from loraforge.tracking import Tracker

    target = config.target
    version = Tracker(target.tenant, target.project, target.tracking_uri).promote(args.version)
    print(f"{version.name} v{version.version} aliases={sorted(version.aliases)}")
    return 0


def _serve(args: argparse.Namespace, config: RunConfig) -> int:
    import os

    from loraforge.package.bundle import slug
    from loraforge.serving.registry import ModelRef, serve_registered
    from loraforge.settings import Settings
    from loraforge.tracking import Tracker

    target = config.target
    tracker = Tracker(target.tenant, target.project, target.tracking_uri)
    try:
        ref = ModelRef.parse(args.model or f"{tracker.model_name}@champion")
    except ValueError as exc:
        print(f"loraforge serve: {exc}", file=sys.stderr)
        return 2
    scratch = Settings().scratch_root / "serve" / slug(str(ref))
    serve_registered(ref, tracker.uri, scratch, args, os.environ.get("LORAFORGE_API_KEY"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
