"""Training: recipes, assistant-only labels, real QLoRA NF4 on CPU, resume, OOM fallback."""

from __future__ import annotations

import shutil
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
import torch
from pydantic import ValidationError
from transformers import TrainerCallback

from loraforge.basemodel import ensure_base_model
from loraforge.train import TrainConfig, build_trainer, last_checkpoint, load_recipe, train

REPO = Path(__file__).resolve().parents[1]
SYSTEM = "You are the Harborview assistant. Answer from company documents."
FACTS = [
    ("When is the Boston office open?", "The Boston office is open Monday to Friday from 8:30 to 17:00."),
    ("How are fees billed?", "Fees are billed quarterly in arrears at one percent of assets."),
    ("How often are portfolios reviewed?", "Every client portfolio is reviewed at least once a year."),
    ("How fast are complaints handled?", "Complaints are acknowledged within two business days."),
    ("How do I reach my advisor?", "Use the secure Client Portal or call your advisor directly."),
    ("Is there a minimum account size?", "The minimum household relationship is 250,000 dollars."),
    ("Who holds client assets?", "Client assets are held by an independent qualified custodian."),
    ("Can I see my statements online?", "Statements are available in the Client Portal every month."),
]
PHRASINGS = ["{q}", "Quick question: {q}", "{q} Thanks.", "Could you tell me: {q}"]
REFUSAL = "I can only answer questions about Harborview Wealth Partners."


def _chat(user: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}, *_answer(answer)]


def _answer(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def _rows() -> dict[str, list[dict[str, Any]]]:
    train = [{"kind": "instruction", "messages": _chat(p.format(q=q), a)} for q, a in FACTS for p in PHRASINGS[:3]]
    train += [{"kind": "refusal", "messages": _chat(q, REFUSAL)} for q in ("Best pizza in town?", "Who won?")]
    train += [
        {
            "kind": "conversation",
            "messages": [
                *_chat(FACTS[0][0], FACTS[0][1]),
                {"role": "user", "content": FACTS[1][0]},
                *_answer(FACTS[1][1]),
            ],
        }
    ]
    validation = [{"kind": "instruction", "messages": _chat(PHRASINGS[3].format(q=q), a)} for q, a in FACTS[:6]]
    test = [{"kind": "instruction", "messages": _chat(PHRASINGS[3].format(q=q), a)} for q, a in FACTS[6:]]
    return {"train": train, "validation": validation, "test": test}


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny DatasetDict in the dataset stage's layout (``<dir>/hf``, train/validation/test, messages+kind)."""
    from datasets import Dataset, DatasetDict

    out = tmp_path_factory.mktemp("dataset")
    splits = {}
    for name, rows in _rows().items():
        rows = [{"id": f"{name}-{i}", "group": f"g{i}", "source_ids": [f"doc{i}"], **r} for i, r in enumerate(rows)]
        splits[name] = Dataset.from_list(rows)
    DatasetDict(splits).save_to_disk(str(out / "hf"))
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    texts = [m["content"] for rows in _rows().values() for r in rows for m in r["messages"]]
    return ensure_base_model(None, texts, tmp_path_factory.mktemp("models"))


def _config(**sft: Any) -> TrainConfig:
    """A fast CPU recipe; keyword arguments are ``sft:`` settings."""
    base = {
        "max_steps": 6,
        "per_device_train_batch_size": 4,
        "gradient_accumulation_steps": 1,
        "learning_rate": 1e-2,
        "lr_scheduler_type": "constant",
        "warmup_steps": 0.0,
        "max_length": 256,
        "activation_checkpointing": False,
        "logging_steps": 1,
        "eval_strategy": "no",
        "save_steps": 2,
    }
    return TrainConfig(model={"device": "cpu"}, sft={**base, **sft})


# --- recipes ---------------------------------------------------------------------------------------


def test_defaults_follow_the_seed_baseline() -> None:
    c = TrainConfig()
    lora, sft = c.lora_arguments(), c.sft_arguments()
    assert (lora["r"], lora["lora_alpha"], lora["lora_dropout"]) == (16, 32, 0.05)
    assert lora["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    assert (sft["num_train_epochs"], sft["learning_rate"], sft["lr_scheduler_type"], sft["warmup_steps"]) == (
        3,
        2e-4,
        "cosine",
        0.03,
    )
    assert (sft["gradient_accumulation_steps"], sft["max_length"], sft["optim"], c.model.quantization) == (
        4,
        2048,
        "paged_adamw_8bit",
        "nf4",
    )


def test_the_sections_are_the_libraries_configs_with_loraforges_cpu_safe_defaults(tmp_path: Path) -> None:
    from loraforge.train.sft import lora_config, sft_config

    config = load_recipe("tiny-cpu")
    args = sft_config(config, tmp_path, "cpu", "assistant_only", has_eval=True)
    assert (args.max_steps, args.learning_rate, args.max_length, args.optim) == (40, 5e-3, 512, "adamw_torch")
    # TRL's own defaults (bf16 on, gradient checkpointing on, lr 2e-5, tqdm) do not leak through on CPU
    assert (args.bf16, args.use_cpu, args.activation_checkpointing, args.disable_tqdm) == (False, True, False, True)
    assert (args.save_only_model, args.report_to, args.output_dir) == (False, [], str(tmp_path))
    assert (args.eval_strategy, args.eval_steps) == ("steps", 20)
    assert sft_config(config, tmp_path, "cpu", "assistant_only", has_eval=False).eval_strategy == "no"
    assert lora_config(config).r == 16 and lora_config(config).task_type == "CAUSAL_LM"
    # the deprecated alias still works on its own
    alias = TrainConfig(sft={"gradient_checkpointing": False})
    assert sft_config(alias, tmp_path, "cpu", "assistant_only", has_eval=True).activation_checkpointing is False
    # what the run records is every setting, defaults included, and it loads back as the same recipe
    resolved = config.resolved()
    assert resolved["sft"]["save_only_model"] is False and resolved["lora"]["bias"] == "none"
    assert TrainConfig.model_validate(resolved).resolved() == resolved


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="extra_forbidden"):
        TrainConfig(lora_rank=8)  # type: ignore[call-arg]
    recipe = tmp_path / "typo.yaml"
    recipe.write_text("model: {name: tiny}\nsft: {learning_rte: 1.0e-4}\n")
    with pytest.raises(ValidationError, match="learning_rte"):
        load_recipe(recipe)
    recipe.write_text("lora_r: 8\n")  # the flat layout of old recipes
    with pytest.raises(ValidationError, match="lora_r"):
        load_recipe(recipe)


@pytest.mark.parametrize(
    "section, value",
    [
        ("lora", {"r": 0}),
        ("lora", {"lora_alpha": -1}),
        ("sft", {"learning_rate": 0}),
        ("sft", {"learning_rate": -2e-4}),
        ("lora", {"lora_dropout": 1.0}),
        ("sft", {"warmup_steps": -0.5}),
        ("sft", {"warmup_ratio": 0.1}),  # gone in transformers 5: the library says so
        ("sft", {"max_steps": 0}),
        ("sft", {"per_device_train_batch_size": 0}),
        ("lora", {"target_modules": []}),
        ("model", {"quantization": "int3"}),
        ("sft", {"optim": "adamw_fancy"}),
        ("sft", {"lr_scheduler_type": "zigzag"}),
        ("sft", {"output_dir": "/tmp/elsewhere"}),  # set by loraforge from the run
        ("lora", {"task_type": "SEQ_CLS"}),
    ],
)
def test_bad_values_are_rejected(section: str, value: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TrainConfig(**{section: value})


def test_recipes_in_configs_load_and_name_their_command() -> None:
    from loraforge.finetune.manifests import BundledRecipe

    recipes = sorted((REPO / "loraforge" / "configs").glob("*.yaml"))
    assert {p.name for p in recipes} == set(BundledRecipe.__args__)  # the form's choices are the shipped files
    for path in recipes:
        first_line = path.read_text().splitlines()[0]
        assert first_line.startswith("# python -m loraforge.train --recipe configs/" + path.name), path
        assert isinstance(load_recipe(path), TrainConfig)
    default = load_recipe("configs/qlora-default.yaml")  # as the recipe headers name it, from any cwd
    assert default.resolved()["sft"] == TrainConfig().resolved()["sft"]  # the GPU baseline is the defaults
    assert default.resolved()["lora"] == TrainConfig().resolved()["lora"]
    assert load_recipe("tiny-cpu").model.name == "tiny"


# --- labels ----------------------------------------------------------------------------------------


def _labelled_spans(trainer: Any, row: dict[str, Any]) -> list[str]:
    """Decode each contiguous run of tokens whose label is not -100."""
    tokenizer = trainer.processing_class
    spans, current = [], []
    for token, label in zip(row["input_ids"], row["labels"], strict=True):
        if label == -100:
            if current:
                spans.append(current)
            current = []
        else:
            assert label == token
            current.append(token)
    if current:
        spans.append(current)
    return [tokenizer.decode(s) for s in spans]


def test_loss_is_on_assistant_tokens_only(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    from datasets import load_from_disk

    splits = load_from_disk(str(dataset_dir / "hf"))
    trainer = build_trainer(tiny, splits, _config(), tmp_path)
    rows = trainer.train_dataset
    assert len(rows) == len(splits["train"])
    for source, row in zip(splits["train"], rows, strict=True):
        answers = [m["content"] + "<|eot_id|>" for m in source["messages"] if m["role"] == "assistant"]
        assert _labelled_spans(trainer, row) == answers  # system/user/headers are all -100
    multi_turn = rows[len(rows) - 1]
    assert len(_labelled_spans(trainer, multi_turn)) == 2


def test_completion_only_fallback_for_templates_without_markers(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    # A copy of the tiny model whose chat template has no {% generation %} markers and is unknown to TRL.
    model_dir = tmp_path / "no-markers"
    shutil.copytree(tiny, model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.chat_template = tokenizer.chat_template.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    tokenizer.save_pretrained(model_dir)

    splits = load_from_disk(str(dataset_dir / "hf"))
    trainer = build_trainer(str(model_dir), splits, _config(), tmp_path / "ckpt")
    for source, row in zip(splits["train"], trainer.train_dataset, strict=True):
        final_answer = source["messages"][-1]["content"] + "<|eot_id|>"
        assert _labelled_spans(trainer, row) == [final_answer]  # the last turn only, by design


# --- training --------------------------------------------------------------------------------------


def test_qlora_nf4_on_cpu_learns_and_the_adapter_loads_back(
    dataset_dir: Path, tiny: str, tmp_path: Path, no_network: list[str]
) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    progress: list[tuple[int, int, dict[str, float], float | None]] = []
    result = train(
        dataset_dir,
        tiny,
        _config(max_steps=30, eval_strategy="steps", eval_steps=10, save_steps=100, learning_rate=3e-3),
        tmp_path / "run",
        on_progress=lambda *args: progress.append(args),
    )

    losses = [row["loss"] for row in result.metrics if "loss" in row]
    assert len(losses) == 30
    assert mean(losses[-5:]) < mean(losses[:5]) - 0.3, losses
    evals = [(row["step"], row["eval_loss"]) for row in result.metrics if "eval_loss" in row]
    assert [step for step, _ in evals] == [10, 20, 30]
    assert evals[0][1] > evals[1][1] > evals[2][1], evals  # validation loss falls too
    assert [p[0] for p in progress if "loss" in p[2]] == list(range(1, 31))
    assert {p[1] for p in progress} == {30}
    assert progress[-1][3] == 0.0  # ETA at the end

    s = result.summary
    assert s["steps"] == 30 and s["resumed_from_step"] == 0 and s["oom_retries"] == []
    assert s["final_train_loss"] == losses[-1]
    assert s["final_eval_loss"] == result.metrics[-1]["eval_loss"]
    assert s["train_tokens"] > 30 * 4 * 20 and s["tokens_per_s"] > 0 and s["peak_memory_mb"] > 0
    assert s["estimated_cost_usd"] == 0.0 and s["loss_masking"] == "assistant_only"
    assert (tmp_path / "run" / "train_result.json").exists()

    files = {p.name for p in result.adapter_dir.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "tokenizer.json", "chat_template.jinja"} <= files
    assert "training_args.bin" not in files  # no pickles in what gets shipped
    base = AutoModelForCausalLM.from_pretrained(tiny)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        before = base(ids).logits
        tuned = PeftModel.from_pretrained(base, result.adapter_dir)
        after = tuned(ids).logits
    assert set(tuned.peft_config["default"].target_modules) == set(TrainConfig().lora_arguments()["target_modules"])
    assert not torch.allclose(before, after)  # the adapter is not a no-op
    assert no_network == []


class Interrupt(TrainerCallback):
    """Simulate a killed worker: raise once, after the given optimizer step."""

    def __init__(self, after_step: int) -> None:
        self.after_step, self.fired = after_step, False

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if not self.fired and state.global_step == self.after_step:
            self.fired = True
            raise KeyboardInterrupt("worker lost")


def test_report_to_tensorboard_writes_event_files(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    """An optional reporter in the recipe (sft.report_to) works beside loraforge's own MLflow logging."""
    train(dataset_dir, tiny, _config(max_steps=2, report_to="tensorboard"), tmp_path / "run")
    assert list((tmp_path / "run" / "checkpoints" / "runs").glob("*/events.out.tfevents.*"))


def test_rerun_resumes_from_the_last_checkpoint(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    run = tmp_path / "run"
    synced: list[str] = []
    progress: list[int] = []
    config = _config(max_steps=6, save_steps=2)

    with pytest.raises(KeyboardInterrupt):
        train(dataset_dir, tiny, config, run, on_checkpoint=lambda d: synced.append(d.name), callbacks=[Interrupt(3)])
    assert synced == ["checkpoint-2"]
    assert last_checkpoint(run / "checkpoints") == run / "checkpoints" / "checkpoint-2"
    assert {"optimizer.pt", "scheduler.pt", "adapter_model.safetensors"} <= {
        p.name for p in (run / "checkpoints" / "checkpoint-2").iterdir()
    }

    result = train(
        dataset_dir,
        tiny,
        config,
        run,
        on_checkpoint=lambda d: synced.append(d.name),
        on_progress=lambda step, *_: progress.append(step),
    )
    assert result.summary["resumed_from_step"] == 2
    assert result.summary["steps"] == 6
    assert progress[0] == 3  # continued, not restarted from step 1
    assert synced == ["checkpoint-2", "checkpoint-4", "checkpoint-6"]
    assert [row["step"] for row in result.metrics if "loss" in row] == [1, 2, 3, 4, 5, 6]  # whole curve, once

    # A checkpoint pulled from the artifact store into a fresh run directory resumes the same way.
    pulled = tmp_path / "from-store" / "checkpoint-4"
    shutil.copytree(run / "checkpoints" / "checkpoint-4", pulled)
    again = train(dataset_dir, tiny, config, tmp_path / "fresh", resume_from=pulled)
    assert again.summary["resumed_from_step"] == 4 and again.summary["steps"] == 6


class OomOnce(TrainerCallback):
    """Raise a CUDA-style OOM once, at the start of the given step; record each (re)start's batch shape."""

    def __init__(self, at_step: int) -> None:
        self.at_step, self.fired = at_step, False
        self.starts: list[tuple[int, int, int]] = []

    def on_train_begin(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        self.starts.append((args.per_device_train_batch_size, args.gradient_accumulation_steps, state.global_step))

    def on_step_begin(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if not self.fired and state.global_step == self.at_step:
            self.fired = True
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (injected)")


def test_oom_halves_batch_keeps_effective_batch_and_resumes(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    fault = OomOnce(at_step=2)
    result = train(dataset_dir, tiny, _config(max_steps=4, save_steps=2), tmp_path / "run", callbacks=[fault])

    assert fault.starts == [(4, 1, 0), (2, 2, 2)]  # same effective batch, continued from checkpoint-2
    assert result.summary["oom_retries"] == [{"batch": 2, "grad_accum": 2, "at_step": 2}]
    assert result.summary["steps"] == 4
    assert (result.summary["per_device_train_batch_size"], result.summary["gradient_accumulation_steps"]) == (2, 2)
    assert (result.adapter_dir / "adapter_model.safetensors").exists()


def test_oom_at_batch_one_is_raised(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    config = _config(max_steps=2, per_device_train_batch_size=1, gradient_accumulation_steps=4)
    with pytest.raises(torch.OutOfMemoryError):
        train(dataset_dir, tiny, config, tmp_path / "run", callbacks=[OomOnce(at_step=0)])


def test_any_trl_and_peft_argument_passes_through_and_is_checked_when_the_recipe_loads(tmp_path: Path) -> None:
    from loraforge.train.sft import lora_config, sft_config

    recipe = tmp_path / "neftune.yaml"
    recipe.write_text("sft: {max_steps: 4, neftune_noise_alpha: 5.0}\nlora: {use_rslora: true}\n")
    config = load_recipe(recipe)
    assert sft_config(config, tmp_path, "cpu", "assistant_only", has_eval=False).neftune_noise_alpha == 5.0
    assert lora_config(config).use_rslora is True
    recipe.write_text("sft: {neftune_noise_alfa: 5.0}\n")
    with pytest.raises(ValidationError, match="neftune_noise_alfa"):
        load_recipe(recipe)


def test_run_settings_reach_every_section_and_merge_into_the_recipe() -> None:
    from loraforge.finetune import FineTuneConfig

    config = FineTuneConfig(
        training={"max_steps": 8, "lora_r": 4, "device": "cpu"},
        overrides={"sft.neftune_noise_alpha": 5, "lora": {"use_rslora": True}},
    ).train_config()
    assert (config.sft["max_steps"], config.sft["neftune_noise_alpha"], config.sft["learning_rate"]) == (8, 5, 5e-3)
    assert (config.lora["r"], config.lora["use_rslora"], config.lora["lora_alpha"]) == (4, True, 32)  # merged
    assert (config.model.device, config.model.name) == ("cpu", "tiny")
    with pytest.raises(ValueError, match="sft.max_steps"):  # a flat key says where it belongs
        FineTuneConfig(overrides={"max_steps": 8}).train_config()


def test_a_real_base_model_without_a_recipe_gets_the_gpu_recipe_not_the_tiny_one() -> None:
    from loraforge.finetune import FineTuneConfig

    hub = FineTuneConfig(base_model="Qwen/Qwen2.5-7B-Instruct").train_config()
    assert (hub.model.name, hub.model.device, hub.sft["max_length"]) == ("Qwen/Qwen2.5-7B-Instruct", "auto", 2048)
    assert FineTuneConfig().train_config().model.device == "cpu"  # tiny: the CPU recipe
    chosen = FineTuneConfig(base_model="/models/small", recipe="tiny-cpu.yaml").train_config()
    assert chosen.sft["max_steps"] == 40  # an explicit recipe is kept


# --- best, not last --------------------------------------------------------------------------------


class Sabotage(TrainerCallback):
    """Make every step after ``after`` worse, deterministically: push the LoRA B matrices off by a constant,
    so the eval loss is best at or before ``after`` and rises from then on."""

    def __init__(self, after: int) -> None:
        self.after = after

    def on_step_end(self, args, state, control, model=None, **kwargs):  # type: ignore[no-untyped-def]
        if state.global_step > self.after:
            with torch.no_grad():
                for name, param in model.named_parameters():
                    if "lora_B" in name:
                        param.add_(0.5)


def _adapter_weights(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


def _same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _best_config(**sft: Any) -> TrainConfig:
    return _config(**{"max_steps": 8, "eval_strategy": "steps", "eval_steps": 2, "save_steps": 2, **sft})


def test_the_adapter_is_the_checkpoint_with_the_best_eval_loss_not_the_last_step(
    dataset_dir: Path, tiny: str, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    result = train(dataset_dir, tiny, _best_config(save_total_limit=2), run, callbacks=[Sabotage(after=4)])

    evals = {row["step"]: row["eval_loss"] for row in result.metrics if "eval_loss" in row}
    assert sorted(evals) == [2, 4, 6, 8]
    assert min(evals[6], evals[8]) > evals[4], evals  # the steps after the sabotage are worse
    best = min(evals, key=evals.get)
    s = result.summary
    assert best in (2, 4)
    assert (s["kept"], s["kept_step"], s["best_step"], s["best_eval_loss"]) == ("best", best, best, evals[best])
    assert (s["steps"], s["early_stopped"], s["metric_for_best_model"]) == (8, False, "eval_loss")
    assert s["final_eval_loss"] == evals[8]  # the last evaluation, which the adapter is not
    # the rotation (save_total_limit=2) kept the best checkpoint beside the newest one
    kept = sorted(p.name for p in (run / "checkpoints").glob("checkpoint-*"))
    assert kept == sorted({f"checkpoint-{best}", "checkpoint-8"})
    shipped = _adapter_weights(result.adapter_dir)
    assert _same_weights(shipped, _adapter_weights(run / "checkpoints" / f"checkpoint-{best}"))
    assert not _same_weights(shipped, _adapter_weights(run / "checkpoints" / "checkpoint-8"))


def test_without_evaluation_the_last_step_is_kept(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    result = train(dataset_dir, tiny, _config(max_steps=2), tmp_path / "run")  # eval_strategy: no
    s = result.summary
    assert (s["kept"], s["kept_step"], s["best_step"], s["best_eval_loss"], s["early_stopped"]) == (
        "last",
        2,
        None,
        None,
        False,
    )


def test_early_stopping_stops_when_the_eval_loss_stops_improving(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    config = TrainConfig(**{**_best_config(max_steps=12).model_dump(), "loraforge": {"early_stopping_patience": 1}})
    result = train(dataset_dir, tiny, config, tmp_path / "run", callbacks=[Sabotage(after=4)])
    evals = [row["step"] for row in result.metrics if "eval_loss" in row]
    s = result.summary
    assert s["steps"] < 12 and s["early_stopped"] is True
    assert evals[-1] == s["steps"] and s["steps"] <= 6  # one evaluation without improvement is enough
    assert s["kept_step"] == s["best_step"] <= 4


def test_a_resume_elsewhere_still_ships_the_best_checkpoint(dataset_dir: Path, tiny: str, tmp_path: Path) -> None:
    """Checkpoints copied to another machine (as the store does): the trainer state there names the best
    checkpoint by the first machine's path; the resumed run still ships the best one, not the last."""
    first = tmp_path / "worker-a"
    config = _best_config(save_total_limit=5)
    with pytest.raises(KeyboardInterrupt):
        train(dataset_dir, tiny, config, first, callbacks=[Sabotage(after=4), Interrupt(7)])
    evals = {row["step"]: row["eval_loss"] for row in _state(first / "checkpoints" / "checkpoint-6")["log_history"]}
    best = _state(first / "checkpoints" / "checkpoint-6")["best_global_step"]
    assert best in (2, 4)
    pulled = tmp_path / "from-store"
    for step in (best, 6):
        shutil.copytree(first / "checkpoints" / f"checkpoint-{step}", pulled / f"checkpoint-{step}")
    shutil.rmtree(first)  # the first machine is gone

    result = train(
        dataset_dir, tiny, config, tmp_path / "worker-b", resume_from=pulled / "checkpoint-6", callbacks=[Sabotage(4)]
    )
    s = result.summary
    assert (s["resumed_from_step"], s["steps"], s["kept"], s["kept_step"], s["best_step"]) == (6, 8, "best", best, best)
    assert s["best_eval_loss"] == evals[best]  # from the first machine's log history, carried by the checkpoint
    assert _same_weights(_adapter_weights(result.adapter_dir), _adapter_weights(pulled / f"checkpoint-{best}"))


def _state(checkpoint: Path) -> dict[str, Any]:
    """The checkpoint's trainer state, its log history reduced to the evaluations."""
    import json

    state = json.loads((checkpoint / "trainer_state.json").read_text())
    state["log_history"] = [
        {"step": e["step"], "eval_loss": e["eval_loss"]} for e in state["log_history"] if "eval_loss" in e
    ]
    return state


@pytest.mark.parametrize(
    "sft, message",
    [
        ({"save_steps": 30, "eval_steps": 20}, r"sft.save_steps \(30\) must be a multiple of sft.eval_steps \(20\)"),
        ({"save_strategy": "epoch"}, r"sft.save_strategy \('epoch'\) and sft.eval_strategy \('steps'\) must match"),
        ({"eval_strategy": "no", "load_best_model_at_end": True}, "sft.load_best_model_at_end needs evaluation"),
    ],
)
def test_save_and_eval_schedules_that_cannot_keep_the_best_are_refused_naming_the_keys(
    sft: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        TrainConfig(sft=sft)


def test_best_checkpoint_settings_that_line_up_are_accepted() -> None:
    assert TrainConfig(sft={"save_steps": 40, "eval_steps": 20}).sft_arguments()["load_best_model_at_end"] is True
    assert TrainConfig(sft={"save_steps": 30, "eval_steps": 20, "load_best_model_at_end": False})
    assert TrainConfig(sft={"eval_strategy": "no", "save_steps": 7})  # nothing evaluated: the last step is kept
    assert TrainConfig(sft={"eval_strategy": "epoch", "save_strategy": "epoch"})
    with pytest.raises(ValidationError, match="loraforge.early_stopping_patience needs evaluation"):
        TrainConfig(sft={"eval_strategy": "no"}, loraforge={"early_stopping_patience": 2})
