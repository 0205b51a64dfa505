"""Inside a process started by ``accelerate launch``: who am I, which device is mine, and how rank 0 talks
to the launching process (``loraforge.train.launch``).

Every rank trains; only rank 0 reports. It appends JSON lines to the events file the launcher names
(``--events``): ``progress`` rows (the launcher logs them to MLflow and the progress artifact) and
``checkpoint`` paths. After a checkpoint event rank 0 waits until the launcher has mirrored that
checkpoint (an ack file), so a checkpoint is never rotated away mid-upload, as in a single process.
When the launcher is gone (its worker killed, the flow run cancelled), rank 0 fails at its next step
and torchrun stops the other ranks: no orphaned training keeps the GPUs.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

ACKS = "acks"
LAUNCHER_PID = "LORAFORGE_LAUNCHER_PID"


def world() -> tuple[int, int, int]:
    """(global rank, local rank, world size) from the launcher's environment; (0, 0, 1) when not launched."""
    env = os.environ
    return int(env.get("RANK", 0)), int(env.get("LOCAL_RANK", 0)), int(env.get("WORLD_SIZE", 1))


def launched() -> bool:
    """True inside a multi-process launch (torchrun/accelerate set WORLD_SIZE)."""
    return world()[2] > 1


def is_main() -> bool:
    return world()[0] == 0


def rank_device(device: str) -> str:
    """Each DDP rank its own GPU: ``cuda`` becomes ``cuda:<local rank>`` (device_map ``{"": local_rank}``)."""
    if launched() and device == "cuda":
        return f"cuda:{world()[1]}"
    return device


def fsdp_launched() -> bool:
    """True inside an ``accelerate launch --use_fsdp`` process (accelerate exports this for transformers)."""
    return launched() and os.environ.get("ACCELERATE_USE_FSDP", "false").lower() in ("1", "true")


def barrier() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


class EventWriter(TrainerCallback):
    """Rank 0's side of the channel to the launcher: one JSON object per line, flushed at once."""

    def __init__(self, path: Path, ack_timeout_s: float = 24 * 3600) -> None:
        self.path = Path(path)
        self.acks = self.path.parent / ACKS
        self.ack_timeout_s = ack_timeout_s
        self.launcher = int(os.environ.get(LAUNCHER_PID, "0"))

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any) -> None:
        """As a trainer callback: stop training when the launcher is gone (a kill -0 per step costs nothing)."""
        self.check_launcher()

    def check_launcher(self) -> None:
        if self.launcher and not _alive(self.launcher):
            raise RuntimeError(f"the launching process {self.launcher} is gone; stopping this training")

    def _write(self, event: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(event) + "\n")

    def progress(self, step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        self._write({"event": "progress", "step": step, "max_steps": max_steps, "metrics": metrics, "eta_s": eta_s})

    def checkpoint(self, checkpoint: Path) -> None:
        """Announce ``checkpoint`` and wait for the launcher's ack (it mirrors the checkpoint meanwhile)."""
        self._write({"event": "checkpoint", "path": str(checkpoint)})
        ack = self.acks / Path(checkpoint).name
        deadline = time.monotonic() + self.ack_timeout_s
        while not ack.exists():
            self.check_launcher()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{checkpoint.name}: no ack from the launcher in {self.ack_timeout_s:.0f} s")
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
