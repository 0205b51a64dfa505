"""Training across processes: ``accelerate launch -m loraforge.train`` driven from the calling process.

``loraforge.train.train`` hands over to ``launch`` when the recipe's ``loraforge.distributed`` asks for
more than one process. The caller keeps what only one process should do -- MLflow logging, mirroring
checkpoints to the store, reading the result -- and the ranks train:

    caller (the fine-tune stage)            accelerate launch --num_processes N [--use_fsdp ...]
      writes the resolved recipe     ──▶      rank 0 … N-1: python -m loraforge.train --events F
      tails F: progress → on_progress ◀──       rank 0 appends progress / checkpoint events to F
      checkpoint → on_checkpoint, ack  ──▶      rank 0 waits for the ack, then goes on
      reads train_result.json          ◀──      rank 0 saves the adapter and the result

DDP on CUDA gives each rank its own GPU (``device_map={"": local_rank}``); on CPU the same launch runs
gloo processes (how the tests exercise it). FSDP shards the 4-bit base weights across GPUs; its
QLoRA settings (quant storage = compute dtype, CPU-RAM-efficient loading, ...) are ``FSDP_DEFAULTS``
plus what ``basemodel.load_model(sharded=True)`` does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from loraforge.train.ranks import ACKS, LAUNCHER_PID

if TYPE_CHECKING:
    from loraforge.train.callbacks import CheckpointFn, ProgressFn
    from loraforge.train.config import TrainConfig
    from loraforge.train.loop import TrainResult

# accelerate launch --fsdp_<name> <value>: FSDP + QLoRA as PEFT's and bitsandbytes' FSDP-QLoRA guides set it.
FSDP_DEFAULTS: dict[str, Any] = {
    "sharding_strategy": "FULL_SHARD",  # shard the frozen 4-bit weights, LoRA weights, grads and optimizer state
    "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",  # one FSDP unit per decoder layer (LoRA wrapped apart by PEFT)
    "backward_prefetch": "BACKWARD_PRE",
    "state_dict_type": "SHARDED_STATE_DICT",  # checkpoints: each rank its shard; the adapter is gathered at the end
    "cpu_ram_efficient_loading": True,  # rank 0 reads the weights, the others start on the meta device
    "sync_module_states": True,  # required by cpu_ram_efficient_loading: rank 0 broadcasts the weights
    "use_orig_params": False,  # frozen and trainable weights in separate flat parameters (the memory saving)
    "offload_params": False,  # true on 24 GB cards (70B); 80 GB cards need no offload
}


def process_count(config: TrainConfig) -> int:
    """How many training processes the recipe asks for on this machine (``auto``: one per CUDA GPU)."""
    processes = config.loraforge.distributed.processes
    if processes != "auto":
        return int(processes)
    import torch

    return max(torch.cuda.device_count(), 1) if config.model.device != "cpu" else 1


def launch_command(
    config: TrainConfig,
    processes: int,
    *,
    recipe: Path,
    dataset_dir: Path,
    base_model: str,
    output_dir: Path,
    events: Path,
    resume: bool,
    resume_from: Path | None,
    port: int,
    mixed_precision: str = "no",
) -> list[str]:
    """The ``accelerate launch`` command line that trains ``config`` in ``processes`` processes."""
    dist = config.loraforge.distributed
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(processes)]
    cmd += ["--num_machines", "1", "--machine_rank", "0", "--main_process_port", str(port)]
    cmd += ["--mixed_precision", mixed_precision, "--dynamo_backend", "no"]
    # one thread per core share: torchrun would otherwise pin every rank to OMP_NUM_THREADS=1 on CPU
    cmd += ["--num_cpu_threads_per_process", str(max((os.cpu_count() or 1) // processes, 1))]
    if dist.strategy == "fsdp":
        cmd.append("--use_fsdp")
        for name, value in dist.fsdp_options().items():
            cmd += [f"--fsdp_{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    else:
        cmd.append("--multi_gpu")  # torchrun under the hood; CUDA: NCCL, CPU: gloo (MULTI_CPU)
    cmd += ["-m", "loraforge.train", "--recipe", str(recipe), "--dataset", str(dataset_dir)]
    cmd += ["--output", str(output_dir), "--base-model", base_model, "--events", str(events)]
    if resume_from is not None:
        cmd += ["--resume-from", str(resume_from)]
    elif not resume:
        cmd.append("--no-resume")
    return cmd


def launch(
    dataset_dir: str | Path,
    base_model: str,
    config: TrainConfig,
    output_dir: str | Path,
    processes: int,
    *,
    on_progress: ProgressFn | None = None,
    on_checkpoint: CheckpointFn | None = None,
    resume: bool = True,
    resume_from: str | Path | None = None,
) -> TrainResult:
    """Train in ``processes`` processes; return what rank 0 wrote (the same ``TrainResult`` as in-process).

    ``on_progress`` and ``on_checkpoint`` run here, in the caller, once per event of rank 0. An error in
    ``on_checkpoint`` (or in this process) stops the whole launch. The ranks' output goes to
    ``output_dir/launch/train.log``; a failed launch raises with its tail.
    """
    from loraforge.basemodel import resolve_device
    from loraforge.train.loop import TrainResult
    from loraforge.train.sft import resolve_sft_arguments

    output_dir = Path(output_dir).resolve()
    work = output_dir / "launch"
    (work / ACKS).mkdir(parents=True, exist_ok=True)
    for stale in [work / "events.jsonl", output_dir / "train_result.json", *(work / ACKS).iterdir()]:
        stale.unlink(missing_ok=True)
    recipe = work / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    sft = resolve_sft_arguments(config, resolve_device(config.model.device), has_eval=False)
    mixed_precision = "bf16" if sft.get("bf16") else "fp16" if sft.get("fp16") else "no"
    cmd = launch_command(
        config,
        processes,
        recipe=recipe,
        dataset_dir=Path(dataset_dir).resolve(),
        base_model=base_model,
        output_dir=output_dir,
        events=work / "events.jsonl",
        resume=resume,
        resume_from=Path(resume_from).resolve() if resume_from else None,
        port=config.loraforge.distributed.main_process_port or free_port(),
        mixed_precision=mixed_precision,
    )
    env = {**os.environ, LAUNCHER_PID: str(os.getpid())}
    log_path = work / "train.log"
    with log_path.open("wb") as log:
        # its own session: stopping the launch stops torchrun and every rank, not this process
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            _follow(proc, work / "events.jsonl", on_progress, on_checkpoint)
        except BaseException:
            stop(proc)
            raise
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        raise RuntimeError(
            f"accelerate launch ({processes} processes) exited with {proc.returncode}; {log_path}:\n" + "\n".join(tail)
        )
    data = json.loads((output_dir / "train_result.json").read_text())
    return TrainResult(adapter_dir=Path(data["adapter_dir"]), metrics=data["metrics"], summary=data["summary"])


def _follow(
    proc: subprocess.Popen[bytes],
    events: Path,
    on_progress: ProgressFn | None,
    on_checkpoint: CheckpointFn | None,
) -> None:
    """Pass rank 0's events to the callbacks until the launch exits (then drain what is left)."""
    handlers: dict[str, Callable[[dict[str, Any]], None]] = {
        "progress": lambda e: on_progress and on_progress(e["step"], e["max_steps"], e["metrics"], e["eta_s"]),
        "checkpoint": lambda e: _mirror(Path(e["path"]), events.parent / ACKS, on_checkpoint),
    }
    offset, pending = 0, b""
    while True:
        done = proc.poll() is not None
        if events.exists():
            with events.open("rb") as f:
                f.seek(offset)
                chunk = f.read()
            offset += len(chunk)
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                event = json.loads(line)
                handlers[event["event"]](event)
        if done:
            return
        time.sleep(0.1)


def _mirror(checkpoint: Path, acks: Path, on_checkpoint: CheckpointFn | None) -> None:
    if on_checkpoint is not None:
        on_checkpoint(checkpoint)
    ack = acks / checkpoint.name
    ack.with_suffix(".tmp").write_bytes(b"")
    ack.with_suffix(".tmp").rename(ack)  # appears whole: rank 0 polls for it


def stop(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """Stop a launch: SIGTERM to its process group (torchrun and every rank), SIGKILL after ``grace_s``."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue


def free_port() -> int:
    """A free TCP port on loopback for the rendezvous (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
