"""Training across processes: ``accelerate launch`` with 2 gloo ranks on CPU (the tiny model), and the
FSDP + QLoRA settings a GPU launch gets (checked through accelerate's own parser; no GPU here).

The 1-process run uses batch 4; the 2-process run batch 2 per rank: the same effective batch, so the
same examples in each step of the first epoch and the same losses there.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
import torch
from model_fixtures import QA, build_tiny_base, chat, write_dataset
from pydantic import ValidationError

from loraforge.records import Example
from loraforge.train import TrainConfig, TrainResult, last_checkpoint, load_recipe, train
from loraforge.train.launch import launch_command

PHRASINGS = ["{q}", "Please: {q}", "{q} Thanks.", "Hi. {q}"]
STEPS = 6


def _config(processes: int, batch: int) -> TrainConfig:
    sft = {
        "max_steps": STEPS,
        "per_device_train_batch_size": batch,
        "gradient_accumulation_steps": 1,
        "learning_rate": 1e-2,
        "lr_scheduler_type": "constant",
        "warmup_steps": 0.0,
        "max_length": 256,
        "activation_checkpointing": False,
        "optim": "adamw_torch",
        "logging_steps": 1,
        "eval_strategy": "no",
        "save_steps": 2,
        "save_total_limit": 5,
    }
    return TrainConfig(
        model={"device": "cpu"},
        lora={"lora_dropout": 0.0},  # dropout masks differ per rank; without it the two runs compute the same
        sft=sft,
        loraforge={"distributed": {"processes": processes}},
    )


class Stopped(Exception):
    """Raised from the caller's checkpoint callback: the caller stops the launch mid-run."""


class Recorder:
    """What the caller of ``train`` sees: progress rows and checkpoints (with their files at that moment)."""

    def __init__(self, stop_at: str | None = None) -> None:
        self.steps: list[int] = []
        self.checkpoints: list[str] = []
        self.files: dict[str, set[str]] = {}
        self.stop_at = stop_at

    def progress(self, step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        assert max_steps == STEPS
        if "loss" in metrics:
            self.steps.append(step)

    def checkpoint(self, path: Path) -> None:
        self.checkpoints.append(path.name)
        self.files[path.name] = {p.name for p in path.iterdir()}
        if path.name == self.stop_at:
            raise Stopped(f"stopped at {path.name}")


def _losses(result: TrainResult) -> dict[int, float]:
    return {int(row["step"]): row["loss"] for row in result.metrics if "loss" in row}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("ddp")
    examples = [
        Example(messages=chat(p.format(q=q), a), kind="instruction", source_ids=["kb"])
        for q, a in QA
        for p in PHRASINGS
    ]
    dataset = write_dataset(root / "dataset", examples, {ex.id: "train" for ex in examples})
    base = build_tiny_base(root / "base", [m["content"] for ex in examples for m in ex.messages] * 4)
    return dataset, str(base)


@pytest.fixture(scope="module")
def one_process(inputs: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    dataset, base = inputs
    return train(dataset, base, _config(1, 4), tmp_path_factory.mktemp("one"))


@dataclass
class TwoProcessRun:
    """One 2-process training, stopped by its caller at checkpoint-2 and resumed to the end."""

    stopped: Recorder
    left_running: list[str]  # command lines of launch processes still alive after the stop
    checkpoint_after_stop: str | None
    adapter_after_stop: bool
    resumed: Recorder
    result: TrainResult


@pytest.fixture(scope="module")
def two_processes(inputs: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> TwoProcessRun:
    dataset, base = inputs
    out = tmp_path_factory.mktemp("two")
    stopped = Recorder(stop_at="checkpoint-2")
    with pytest.raises(Stopped, match="checkpoint-2"):
        train(dataset, base, _config(2, 2), out, on_progress=stopped.progress, on_checkpoint=stopped.checkpoint)
    alive = [" ".join(p.cmdline()) for p in psutil.Process().children(recursive=True)]
    after_stop = last_checkpoint(out / "checkpoints")
    adapter_after_stop = (out / "adapter").exists()
    resumed = Recorder()
    result = train(dataset, base, _config(2, 2), out, on_progress=resumed.progress, on_checkpoint=resumed.checkpoint)
    return TwoProcessRun(
        stopped=stopped,
        left_running=[cmd for cmd in alive if "loraforge.train" in cmd],
        checkpoint_after_stop=after_stop.name if after_stop else None,
        adapter_after_stop=adapter_after_stop,
        resumed=resumed,
        result=result,
    )


def test_two_processes_follow_the_one_process_loss_curve(
    one_process: TrainResult, two_processes: TwoProcessRun
) -> None:
    one, two = _losses(one_process), _losses(two_processes.result)
    assert list(one) == list(two) == list(range(1, STEPS + 1))  # the curve is whole across the restart
    # first epoch (16 examples / effective batch 4 = 4 steps): the same batches, so the same losses -- also
    # at steps 3 and 4, after the restart: weights, optimizer state and data position came back
    for step in range(1, 5):
        assert two[step] == pytest.approx(one[step], rel=1e-4), step
    assert one[STEPS] < one[1] and two[STEPS] < two[1]
    assert (one_process.summary["processes"], two_processes.result.summary["processes"]) == (1, 2)


def test_a_stopped_launch_resumes_from_its_last_checkpoint(two_processes: TwoProcessRun) -> None:
    run = two_processes
    # the stop took torchrun and both ranks with it, and left checkpoint-2 but no adapter
    assert run.left_running == []
    assert (run.checkpoint_after_stop, run.adapter_after_stop) == ("checkpoint-2", False)
    summary = run.result.summary
    assert (summary["resumed_from_step"], summary["steps"], summary["device"]) == (2, STEPS, "cpu")


def test_rank_zero_alone_reports_mirrors_and_saves(two_processes: TwoProcessRun) -> None:
    run = two_processes
    # one report per step and per checkpoint, not one per rank
    assert (run.stopped.steps, run.stopped.checkpoints) == ([1, 2], ["checkpoint-2"])
    assert (run.resumed.steps, run.resumed.checkpoints) == ([3, 4, 5, 6], ["checkpoint-4", "checkpoint-6"])
    for name, files in {**run.stopped.files, **run.resumed.files}.items():
        # when the caller mirrors a checkpoint, both ranks have written their part of it
        assert {"adapter_model.safetensors", "optimizer.pt", "trainer_state.json"} <= files, name
        assert {"rng_state_0.pth", "rng_state_1.pth"} <= files, name
    out = run.result.adapter_dir.parent
    adapters = sorted(p for p in out.rglob("adapter_model.safetensors") if "checkpoints" not in p.parts)
    assert adapters == [run.result.adapter_dir / "adapter_model.safetensors"]
    assert {"adapter_config.json", "tokenizer.json"} <= {p.name for p in run.result.adapter_dir.iterdir()}
    assert (out / "train_result.json").exists()


def test_the_adapter_loads_and_carries_trained_weights(inputs: tuple[Path, str], two_processes: TwoProcessRun) -> None:
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    adapter_dir = two_processes.result.adapter_dir
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(inputs[1]), adapter_dir)
    weights = load_file(adapter_dir / "adapter_model.safetensors")
    lora_b = [w for k, w in weights.items() if "lora_B" in k]
    assert lora_b and all(w.abs().sum() > 0 for w in lora_b)  # lora_B starts at zero: these were trained
    assert sum(1 for n, _ in model.named_parameters() if "lora_A" in n) == len(lora_b)


# --- FSDP + QLoRA (GPU only: checked as far as the launch and the model loading go) -------------------------


def test_fsdp_recipe_reaches_accelerate_with_the_qlora_settings(tmp_path: Path) -> None:
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_multi_gpu_env

    config = load_recipe("qlora-fsdp")
    cmd = launch_command(
        config,
        2,
        recipe=tmp_path / "r.yaml",
        dataset_dir=tmp_path,
        base_model="m",
        output_dir=tmp_path,
        events=tmp_path / "e",
        resume=True,
        resume_from=None,
        port=29511,
        mixed_precision="bf16",
    )
    assert cmd[1:3] == ["-m", "accelerate.commands.launch"]
    args, _, _ = _validate_launch_command(launch_command_parser().parse_args(cmd[3:]))
    env = prepare_multi_gpu_env(args)  # what every rank's environment gets from accelerate
    assert (args.num_processes, args.module, args.training_script) == (2, True, "loraforge.train")
    expected = {
        "ACCELERATE_USE_FSDP": "true",
        "FSDP_SHARDING_STRATEGY": "FULL_SHARD",
        "FSDP_AUTO_WRAP_POLICY": "TRANSFORMER_BASED_WRAP",
        "FSDP_CPU_RAM_EFFICIENT_LOADING": "true",
        "FSDP_SYNC_MODULE_STATES": "true",
        "FSDP_USE_ORIG_PARAMS": "false",
        "FSDP_STATE_DICT_TYPE": "SHARDED_STATE_DICT",
        "FSDP_OFFLOAD_PARAMS": "false",
    }
    assert {k: env.get(k) for k in expected} == expected
    assert env["ACCELERATE_MIXED_PRECISION"] == "bf16"
    assert config.sft_arguments()["optim"] == "adamw_torch" and config.loraforge.distributed.processes == "auto"


def test_ddp_launch_is_torchrun_without_fsdp(tmp_path: Path) -> None:
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser

    cmd = launch_command(
        _config(2, 2),
        2,
        recipe=tmp_path / "r.yaml",
        dataset_dir=tmp_path,
        base_model="m",
        output_dir=tmp_path,
        events=tmp_path / "e",
        resume=False,
        resume_from=None,
        port=29512,
    )
    args, _, _ = _validate_launch_command(launch_command_parser().parse_args(cmd[3:]))
    assert (args.multi_gpu, args.use_fsdp, args.num_processes, args.main_process_port) == (True, False, 2, 29512)
    assert args.training_script_args[-1] == "--no-resume"


def test_sharded_qlora_stores_4bit_weights_in_the_one_float_dtype(inputs: tuple[Path, str]) -> None:
    """FSDP flattens parameters of one float dtype only: the 4-bit weights are packed into the compute dtype."""
    from loraforge.basemodel import load_model

    sharded = load_model(inputs[1], "nf4", "cpu", sharded=True)
    assert sharded.config.quantization_config.bnb_4bit_quant_storage == torch.float32
    assert {p.dtype for p in sharded.parameters()} == {torch.float32}
    plain = load_model(inputs[1], "nf4", "cpu")  # the control: one process keeps uint8 storage
    assert {p.dtype for p in plain.parameters()} == {torch.float32, torch.uint8}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"model": {"device": "cpu"}, "distributed": {"strategy": "fsdp"}}, "needs CUDA GPUs"),
        ({"distributed": {"strategy": "fsdp"}}, "paged_\\* fails at checkpoint save"),
        ({"optim": "adamw_torch", "distributed": {"strategy": "fsdp", "fsdp": {"use_orig_params": True}}}, "false"),
        ({"optim": "adamw_torch", "distributed": {"strategy": "fsdp", "fsdp": {"sharding": "x"}}}, "unknown"),
        ({"distributed": {"fsdp": {"offload_params": True}}}, "only with strategy: fsdp"),
        ({"distributed": {"processes": 0}}, "greater than 0"),
    ],
)
def test_settings_that_cannot_work_fail_when_the_recipe_loads(settings: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = {"model": settings.get("model", {}), "loraforge": {"distributed": settings["distributed"]}}
    if "optim" in settings:
        data["sft"] = {"optim": settings["optim"]}
    with pytest.raises(ValidationError, match=message):
        TrainConfig.model_validate(data)


def test_gpu_bench_scripts_parse() -> None:
    """bench/gpu.sh needs a CUDA machine and is never run here; its syntax is checked, nothing more."""
    repo = Path(__file__).resolve().parents[1]
    checked = subprocess.run(["bash", "-n", str(repo / "bench" / "gpu.sh")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    source = repo / "bench" / "gpu.py"
    compile(source.read_text(), str(source), "exec")  # a SyntaxError fails the test


def test_a_killed_two_process_fine_tune_resumes_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fine-tune stage with 2 processes, its worker killed with SIGKILL mid-training: the orphaned ranks
    stop at their next step, and a plain rerun resumes from the newest checkpoint mirrored to the store."""

    from test_finetune import _three_files, kill_fine_tune_at_checkpoint

    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.prep import run_data_prep
    from loraforge.storage import LocalStore, read_json
    from loraforge.target import Target

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    monkeypatch.setenv("LORAFORGE_MODEL_CACHE", str(tmp_path / "models"))
    store, uri = LocalStore(tmp_path / "store"), f"sqlite:///{tmp_path / 'mlflow.db'}"
    target = Target(tenant="acme", project="boots", tracking_uri=uri)
    version = run_data_prep(_three_files(tmp_path / "docs"), store, target=target).version
    config = FineTuneConfig(
        training={"max_steps": 16, "per_device_train_batch_size": 2, "processes": 2},  # the form's fields
        overrides={"sft.save_steps": 2, "sft.eval_steps": 2, "sft.save_total_limit": 3},
        evaluation={"max_new_tokens": 4, "max_examples": 2},
    )
    killed_at = kill_fine_tune_at_checkpoint(tmp_path, uri, version, config)

    def orphans() -> list[psutil.Process]:
        found = []
        for p in psutil.process_iter(["cmdline"]):
            cmd = " ".join(p.info["cmdline"] or [])
            if "loraforge.train" in cmd and str(tmp_path) in cmd:
                found.append(p)
        return found

    # rank 0 finds its launcher gone at its next step and fails; torchrun then stops the other rank
    gone, alive = psutil.wait_procs(orphans(), timeout=120)
    assert alive == [] and gone, "the ranks of the killed worker kept running"

    outcome = run_fine_tune(version, store, config, target)
    summary = read_json(store, f"acme/boots/runs/{outcome.run_name}/train_result.json")["summary"]
    assert (summary["resumed_from_step"], summary["steps"], summary["processes"]) == (killed_at, 16, 2)
    assert store.exists(f"acme/boots/runs/{outcome.run_name}/adapter/adapter_model.safetensors")
