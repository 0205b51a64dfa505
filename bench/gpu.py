"""CUDA figures for the fine-tune path, each against a baseline measured in this same run.

    .venv/bin/python bench/gpu.py [--steps 30] [--rounds 1] [--json OUT.json]     (bench/gpu.sh runs it)

On a ~0.67B-parameter Llama-architecture model with random weights, built here (no hub; the
tokenizer is the tiny model's BPE trained on the sample corpus, the embedding rows past it unused),
QLoRA NF4 for a fixed number of steps on the sample corpus' dataset:

1. ``loraforge.train`` vs a bare TRL script (bench/train.py's ``run_bare_trl``: SFTTrainer given the
   model path, the NF4 quantization_config, the same SFTConfig values and LoRA config): end-to-end
   tokens/s and peak memory (``torch.cuda.max_memory_allocated``).
2. Packing on/off with SDPA, and with FlashAttention 2 when ``flash_attn`` is installed: in-loop
   tokens/s and peak memory. (TRL trains packed batches padding-free; only flash kernels keep the
   packed sequences apart, so SDPA + packing is a speed figure, not a recipe.)
3. With two or more GPUs: DDP over 2 processes (``loraforge.distributed.processes: 2``) vs 1.
4. Merged export: PEFT ``merge_and_unload`` + ``save_pretrained`` of the adapter into a bf16 copy of
   the base (seconds, size), and loraforge's own ``merge_adapter`` of the same adapter.

Never run by the tests or CI: it needs a CUDA GPU and installs nothing itself (bench/gpu.sh does).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import torch  # noqa: E402
from train import run_bare_trl, run_loraforge, sample_dataset, train_only, with_sft  # noqa: E402  (bench/train.py)

from loraforge.basemodel import ensure_base_model  # noqa: E402
from loraforge.train import TrainConfig, load_recipe, train  # noqa: E402

# ~0.67B parameters: 12 layers of hidden 2048 (16 heads of 128, 4 KV heads), MLP 5632, 32k vocabulary
LLAMA_0_7B = {
    "vocab_size": 32000,
    "hidden_size": 2048,
    "num_hidden_layers": 12,
    "num_attention_heads": 16,
    "num_key_value_heads": 4,
    "intermediate_size": 5632,
    "max_position_embeddings": 4096,
}


def build_llama(tokenizer_from: str, out: Path) -> str:
    """A Llama-architecture model with random weights (bf16 on disk) and the tiny model's tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_from)
    config = LlamaConfig(
        **LLAMA_0_7B,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    print(f"model: Llama architecture, {sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters, random")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    del model
    return str(out)


def gpu_recipe(steps: int) -> TrainConfig:
    base = load_recipe("qlora-default.yaml")
    config = base.model_copy(update={"model": base.model.model_copy(update={"device": "cuda"})})
    return with_sft(
        config,
        max_steps=steps,
        eval_strategy="no",
        save_strategy="no",
        per_device_train_batch_size=8,
        gradient_accumulation_steps=1,
        max_length=1024,
        logging_steps=5,
    )


def with_attention(config: TrainConfig, attn: str | None) -> TrainConfig:
    data = config.model_dump()
    data["model"]["attn_implementation"] = attn
    return TrainConfig.model_validate(data)


def row(name: str, run: dict[str, Any], baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    e2e = run["tokens"] / run["seconds"]
    ratio = f"  x{e2e / (baseline['tokens'] / baseline['seconds']):.2f} vs bare TRL" if baseline else ""
    loop = run.get("loop_tokens_per_s")
    print(
        f"{name:<34} {e2e:9.0f} tok/s end to end ({run['seconds']:6.1f} s)"
        f"  in-loop {loop or float('nan'):9.0f} tok/s  peak {run.get('peak_mb', float('nan')):7.0f} MiB{ratio}"
    )
    return {"name": name, **run, "tokens_per_s_end_to_end": e2e}


def merged_export(base_model: str, adapter_dir: Path, out: Path, device: str = "cuda") -> dict[str, Any]:
    """PEFT's merge of the adapter into a bf16 base, saved as safetensors (what a merged export does)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.bfloat16, device_map={"": device})
    merged = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
    merged.save_pretrained(out, safe_serialization=True)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"merged export (PEFT merge_and_unload + save): {seconds:.1f} s, {size / 2**30:.2f} GiB")
    return {"seconds": seconds, "bytes": size}


def loraforge_export(base_model: str, adapter_dir: Path, out: Path) -> dict[str, Any]:
    """loraforge's own merged export (``loraforge.finetune.export.merge_adapter``) of the same adapter."""
    from loraforge.finetune.export import merge_adapter

    start = time.perf_counter()
    merge_adapter(base_model, adapter_dir, out, device="cuda", dtype="bfloat16")
    seconds = time.perf_counter() - start
    print(f"loraforge merged export (merge_adapter, bf16): {seconds:.1f} s")
    return {"seconds": seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="a dataset stage output (holds hf/); default: data-prep of examples/docs",
    )
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        sys.exit("bench/gpu.py needs a CUDA GPU (torch.cuda.is_available() is False)")
    print(f"GPU: {torch.cuda.get_device_name(0)} x{torch.cuda.device_count()}, torch {torch.__version__}")
    figures: dict[str, Any] = {"gpu": torch.cuda.get_device_name(0), "gpus": torch.cuda.device_count()}

    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp:
        work = Path(tmp)
        dataset_dir = train_only(args.dataset or sample_dataset(work), work / "train-only")
        from datasets import load_from_disk

        texts = (m["content"] for r in load_from_disk(str(dataset_dir / "hf"))["train"]["messages"] for m in r)
        model = build_llama(ensure_base_model("tiny", texts, work / "models"), work / "llama-0.7b")
        config = gpu_recipe(args.steps)
        print(f"QLoRA NF4, {args.steps} steps, batch 8, max_length 1024, activation checkpointing, paged AdamW 8-bit")

        warm = with_sft(config, max_steps=3)  # CUDA context, bitsandbytes kernels: paid before any clock
        run_loraforge(dataset_dir, model, warm, work / "warm-lf")
        run_bare_trl(dataset_dir, model, warm, work / "warm-bare")

        runs: list[dict[str, Any]] = []
        bare = run_bare_trl(dataset_dir, model, config, work / "bare")
        runs.append(row("bare TRL script (sdpa, padded)", bare))
        sdpa = run_loraforge(dataset_dir, model, config, work / "lf-sdpa")
        runs.append(row("loraforge (sdpa, padded)", sdpa, bare))
        packed = run_loraforge(dataset_dir, model, with_sft(config, packing=True), work / "lf-sdpa-packed")
        runs.append(row("loraforge (sdpa, packed)", packed, bare))
        if importlib.util.find_spec("flash_attn") is not None:
            fa = with_attention(config, "flash_attention_2")
            runs.append(
                row("loraforge (flash-attn 2, padded)", run_loraforge(dataset_dir, model, fa, work / "fa"), bare)
            )
            fa_packed = with_sft(fa, packing=True)
            fa_run = run_loraforge(dataset_dir, model, fa_packed, work / "fa-packed")
            runs.append(row("loraforge (flash-attn 2, packed)", fa_run, bare))
        else:
            print("flash_attn is not installed: FlashAttention rows skipped (pip install flash-attn to add them)")
        figures["runs"] = runs

        if torch.cuda.device_count() >= 2:
            ddp = TrainConfig.model_validate(
                {**config.model_dump(), "loraforge": {**config.loraforge.model_dump(), "distributed": {"processes": 2}}}
            )
            start = time.perf_counter()
            result = train(dataset_dir, model, ddp, work / "ddp", resume=False)
            s = result.summary
            figures["ddp"] = {
                "seconds": time.perf_counter() - start,
                **{k: s[k] for k in ("train_tokens", "tokens_per_s")},
            }
            print(
                f"DDP 2 GPUs: in-loop {s['tokens_per_s']:.0f} tok/s vs 1 GPU {sdpa['loop_tokens_per_s']:.0f}"
                f" (x{s['tokens_per_s'] / sdpa['loop_tokens_per_s']:.2f}; effective batch doubles)"
            )
        else:
            print("one GPU: the 2-process DDP row is skipped")

        adapter = work / "lf-sdpa" / "adapter"
        figures["merged_export"] = merged_export(model, adapter, work / "merged")
        figures["loraforge_export"] = loraforge_export(model, adapter, work / "merged-lf")

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
        print(f"figures: {args.json}")


if __name__ == "__main__":
    main()
