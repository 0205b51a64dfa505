"""Command line: ``python -m loraforge.train --recipe configs/tiny-cpu.yaml --dataset DIR --output DIR``.

Also the per-rank entry point of a multi-process run (``accelerate launch -m loraforge.train ... --events F``,
started by ``loraforge.train.launch``): then rank 0 reports progress and checkpoints as events in F.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from loraforge.train.config import load_recipe
from loraforge.train.loop import train
from loraforge.train.ranks import EventWriter, is_main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loraforge.train", description=__doc__)
    parser.add_argument("--recipe", required=True, help="recipe YAML: a path or a bundled name (tiny-cpu.yaml)")
    parser.add_argument("--dataset", required=True, type=Path, help="dataset stage output (holds hf/)")
    parser.add_argument("--output", required=True, type=Path, help="run directory: checkpoints/, adapter/")
    parser.add_argument("--base-model", default=None, help="HF id or path; default: the recipe's model.name")
    parser.add_argument("--no-resume", action="store_true", help="ignore checkpoints already in --output")
    parser.add_argument("--resume-from", type=Path, default=None, help="a checkpoint directory to continue from")
    parser.add_argument("--events", type=Path, default=None, help="(launched ranks) rank 0's event file")
    args = parser.parse_args(argv)

    def progress(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        shown = {k: round(v, 4) for k, v in metrics.items() if k != "step"}
        eta = f"{eta_s:.0f}s" if eta_s is not None else "?"
        print(f"step {step}/{max_steps} eta {eta} {shown}", flush=True)

    events = EventWriter(args.events) if args.events and is_main() else None

    def report(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        progress(step, max_steps, metrics, eta_s)
        if events is not None:
            events.progress(step, max_steps, metrics, eta_s)

    config = load_recipe(args.recipe)
    result = train(
        args.dataset,
        args.base_model,
        config,
        args.output,
        on_progress=report,
        on_checkpoint=events.checkpoint if events is not None else None,
        resume=not args.no_resume,
        resume_from=args.resume_from,
        callbacks=[events] if events is not None else (),
    )
    if is_main():
        summary = {k: v for k, v in result.summary.items() if k != "config"}
        print(json.dumps({"adapter_dir": str(result.adapter_dir), **summary}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
