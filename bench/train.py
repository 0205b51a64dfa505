"""Fine-tune throughput, every figure a ratio against a baseline measured in this same process.

    .venv/bin/python bench/train.py [--steps N] [--rounds R] [--dataset DIR]

1. tokens/s of ``loraforge.train.train`` vs a bare TRL script (``SFTTrainer`` given the model path,
   the NF4 ``quantization_config``, the same dataset, LoRA config, SFTConfig values and steps, as in
   trl's ``scripts/sft.py``). Both are timed end to end (load data, load model, tokenize, train, save)
   over the same non-padding tokens, R rounds after a warm-up pair, alternating which goes first
   (garbage collected before each clock starts); medians. Overhead =
   loraforge time / bare time - 1 (bar: <= 3%).
2. Packing (TRL's best-fit-decreasing packing, trained padding-free) vs padded batches: in-loop
   tokens/s of ``train`` with ``packing`` on and off, alternating rounds.
3. Peak memory: CPU max RSS of this process; on CUDA ``max_memory_allocated`` per run.
4. With CUDA, 1-3 again on a ~100M-parameter Llama (random init, NF4) instead of the tiny model.

The dataset is the dataset stage's output for examples/docs (``run_data_prep``), or ``--dataset DIR``.
Only its train split is used, so no evaluation pass blurs the comparison.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from loraforge.offline import ensure_offline  # noqa: E402

ensure_offline()

import torch  # noqa: E402
from datasets import DatasetDict, load_from_disk  # noqa: E402

from loraforge.basemodel import ensure_base_model, resolve_device  # noqa: E402
from loraforge.train import TrainConfig, load_recipe, train  # noqa: E402
from loraforge.train.sft import resolve_sft_arguments  # noqa: E402


def sample_dataset(work: Path) -> Path:
    """examples/docs through the data-prep chain; returns the dataset directory."""
    from loraforge.prep import run_data_prep
    from loraforge.storage import LocalStore

    store = LocalStore(work / "store")
    manifest = run_data_prep(REPO / "examples" / "docs", store)
    return store.get_dir(manifest.dataset_key, work / "dataset")


def train_only(dataset_dir: Path, out: Path) -> Path:
    splits = load_from_disk(str(dataset_dir / "hf"))
    DatasetDict({"train": splits["train"]}).save_to_disk(str(out / "hf"))
    return out


def run_loraforge(dataset_dir: Path, model: str, config: TrainConfig, out: Path) -> dict[str, float]:
    _clean_slate(out)
    start = time.perf_counter()
    result = train(dataset_dir, model, config, out, resume=False)
    seconds = time.perf_counter() - start
    s = result.summary
    return {"tokens": s["train_tokens"], "seconds": seconds, "loop_tokens_per_s": s["tokens_per_s"], **_cuda_peak()}


def run_bare_trl(dataset_dir: Path, model: str, config: TrainConfig, out: Path) -> dict[str, float]:
    """What a user writes with TRL alone (trl/scripts/sft.py): model path + quantization_config + peft_config."""
    from peft import LoraConfig
    from transformers import BitsAndBytesConfig, PrinterCallback
    from trl import SFTConfig, SFTTrainer

    _clean_slate(out)
    start = time.perf_counter()
    on_gpu = resolve_device(config.model.device) == "cuda"
    dtype = torch.bfloat16 if on_gpu else torch.float32
    # In memory, as loraforge loads it: otherwise datasets caches the tokenized splits next to the data and
    # every round after the first skips tokenization, which loraforge (never writing there) does each run.
    dataset = load_from_disk(str(dataset_dir / "hf"), keep_in_memory=True)
    sft = resolve_sft_arguments(config, "cuda" if on_gpu else "cpu", has_eval=False)  # the same SFTConfig values
    args = SFTConfig(
        **sft,
        output_dir=str(out),
        assistant_only_loss=True,
        model_init_kwargs={"dtype": dtype, "device_map": {"": "cuda" if on_gpu else "cpu"}},
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset["train"],
        quantization_config=BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        ),
        peft_config=LoraConfig(**config.lora_arguments(), task_type="CAUSAL_LM"),
    )
    trainer.remove_callback(PrinterCallback)  # as in loraforge: no per-log printing in either
    trainer.train()
    trainer.save_model(str(out / "adapter"))
    seconds = time.perf_counter() - start
    return {"tokens": trainer.state.num_input_tokens_seen, "seconds": seconds, **_cuda_peak()}


def _clean_slate(out: Path) -> None:
    """Free the previous run's model and trainer before the clock starts, so no run pays for another."""
    shutil.rmtree(out, ignore_errors=True)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def _cuda_peak() -> dict[str, float]:
    return {"peak_mb": torch.cuda.max_memory_allocated() / 2**20} if torch.cuda.is_available() else {}


def _col(runs: list[dict[str, float]], key: str) -> list[float]:
    return [r[key] for r in runs]


def with_sft(config: TrainConfig, **changes: object) -> TrainConfig:
    """``config`` with some ``sft:`` settings changed, validated again."""
    return TrainConfig.model_validate({**config.model_dump(), "sft": {**config.sft, **changes}})


def median_of(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def compare(label: str, dataset_dir: Path, model: str, config: TrainConfig, rounds: int, work: Path) -> None:
    sft = config.sft_arguments()
    print(
        f"\n== {label}: {sft['max_steps']} steps, batch {sft['per_device_train_batch_size']}"
        f" x accum {sft['gradient_accumulation_steps']}, max_len {sft['max_length']}, {config.model.quantization}"
    )
    warm = with_sft(config, max_steps=3)  # pays one-off costs (bnb's compiled 8-bit optimizer)
    run_loraforge(dataset_dir, model, warm, work / "warm-lf")
    run_bare_trl(dataset_dir, model, warm, work / "warm-bare")

    ours, bare = [], []
    for i in range(rounds):  # alternate, and swap who goes first: a run pays for what the previous one left
        pair = [(ours, run_loraforge, f"lf-{i}"), (bare, run_bare_trl, f"bare-{i}")]
        for runs, fn, name in pair if i % 2 == 0 else pair[::-1]:
            runs.append(fn(dataset_dir, model, config, work / name))
    assert {r["tokens"] for r in ours} == {r["tokens"] for r in bare}, "both must see the same tokens"
    tokens = ours[0]["tokens"]
    t_ours, t_bare = median_of(ours, "seconds"), median_of(bare, "seconds")
    print(f"tokens per run (non-padding): {tokens}")
    print(
        f"loraforge.train  {tokens / t_ours:9.0f} tokens/s end to end  ({t_ours:.2f} s median of {rounds})"
        f"  | in-loop {median_of(ours, 'loop_tokens_per_s'):.0f} tokens/s"
    )
    print(f"bare TRL script  {tokens / t_bare:9.0f} tokens/s end to end  ({t_bare:.2f} s median of {rounds})")
    per_round = ", ".join(
        f"{o / b - 1:+.1%}" for o, b in zip(_col(ours, "seconds"), _col(bare, "seconds"), strict=True)
    )
    print(f"loraforge overhead vs bare TRL: {t_ours / t_bare - 1:+.1%}  (bar: <= +3%)  [per round: {per_round}]")

    padded, packed = [], []
    for i in range(rounds):
        pair = [(padded, False, f"pd-{i}"), (packed, True, f"pk-{i}")]
        for runs, packing, name in pair if i % 2 == 0 else pair[::-1]:
            runs.append(run_loraforge(dataset_dir, model, with_sft(config, packing=packing), work / name))
    tps_pad, tps_pack = median_of(padded, "loop_tokens_per_s"), median_of(packed, "loop_tokens_per_s")
    print(f"padded batches   {tps_pad:9.0f} tokens/s in loop")
    print(f"packing (BFD, padding-free) {tps_pack:9.0f} tokens/s in loop: gain {tps_pack / tps_pad - 1:+.1%}")
    if resolve_device(config.model.device) == "cuda":
        for name, runs in (("loraforge", ours), ("bare TRL", bare), ("padded", padded), ("packed", packed)):
            print(f"peak GPU memory {name}: {median_of(runs, 'peak_mb'):.0f} MiB (max_memory_allocated)")


def small_real_llama(tokenizer_from: str, out: Path) -> str:
    """~100M-parameter Llama (hidden 768, 12 layers, GQA 12/4 heads, 32k vocab), random init, tiny tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_from)
    config = LlamaConfig(
        vocab_size=32000,  # rows past the tiny tokenizer's vocabulary are never used
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        num_key_value_heads=4,
        intermediate_size=2048,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    print(f"\nsmall real-architecture Llama: {sum(p.numel() for p in model.parameters()) / 1e6:.0f}M parameters")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dataset", type=Path, default=None, help="a dataset stage output (holds hf/)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        work = Path(tmp)
        source = args.dataset or sample_dataset(work)
        dataset_dir = train_only(source, work / "train-only")
        splits = load_from_disk(str(dataset_dir / "hf"))
        texts = (m["content"] for row in splits["train"]["messages"] for m in row)
        tiny = ensure_base_model("tiny", texts, work / "models")
        print(f"dataset: {len(splits['train'])} train examples from {source}")

        recipe = load_recipe("tiny-cpu.yaml")
        cpu = with_sft(recipe, max_steps=args.steps, eval_strategy="no")
        compare("tiny Llama, CPU", dataset_dir, tiny, cpu, args.rounds, work)
        print(f"\npeak memory (process max RSS, all CPU runs): {_max_rss_mb():.0f} MiB")

        if torch.cuda.is_available():
            real = small_real_llama(tiny, work / "llama-100m")
            gpu = with_sft(
                recipe.model_copy(update={"model": recipe.model.model_copy(update={"device": "cuda"})}),
                max_steps=args.steps,
                max_length=1024,
                per_device_train_batch_size=8,
                activation_checkpointing=True,
            )
            compare("~100M Llama, CUDA, NF4", dataset_dir, real, gpu, args.rounds, work)
        else:
            print("\n(no CUDA device: the ~100M-parameter NF4 run is skipped)")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
