"""Merged export: what it costs and what it buys, as ratios against baselines measured in this same process.

    .venv/bin/python bench/export.py [--rounds R] [--tokens N]

1. Export time: ``merge_adapter`` (load base, load adapter, merge, save safetensors + tokenizer) over
   the time to load base + adapter for inference (``PeftModel.from_pretrained``), the least any
   consumer of the adapter pays. Medians of R rounds.
2. Greedy decoding: tokens/s of the merged model over base + adapter unmerged (the LoRA layers cost
   extra matmuls at every step), N new tokens for 8 prompts, batch 1, R rounds alternating which goes
   first; medians. Both must give the same token ids (checked, not timed).
3. Size: merged folder bytes over the base model's weight bytes.

Models: the tiny Llama (CPU, fp32), and with CUDA a ~100M-parameter Llama in bf16 (random init, as in
bench/train.py), each with a rank-16 adapter on all projections whose B matrices are random (a trained
adapter's merge costs the same).
"""

from __future__ import annotations

import argparse
import gc
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

from loraforge.basemodel import ensure_base_model  # noqa: E402
from loraforge.finetune.export import merge_adapter  # noqa: E402
from loraforge.train.config import LORA_TARGETS  # noqa: E402

TEXTS = [
    "The Boston office is open Monday to Friday from 8:30 to 17:00.",
    "Fees are billed quarterly in arrears at one percent of assets.",
    "Every client portfolio is reviewed at least once a year.",
    "Complaints are acknowledged within two business days.",
] * 50
PROMPTS = ["When is the office open?", "How are fees billed?", "Who reviews my portfolio?", "Complaints?"] * 2


def random_adapter(base: str, out: Path, dtype: torch.dtype) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    peft = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=LORA_TARGETS, task_type="CAUSAL_LM"))
    torch.manual_seed(0)
    with torch.no_grad():
        for name, param in peft.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.02)
    peft.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    return out


def load_unmerged(base: str, adapter: Path, device: str, dtype: torch.dtype):  # type: ignore[no-untyped-def]
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype, device_map={"": device})
    return PeftModel.from_pretrained(model, adapter).eval()


def greedy(model, tokenizer, device: str, new_tokens: int) -> tuple[list[list[int]], float]:  # type: ignore[no-untyped-def]
    """Token ids per prompt and generated tokens per second (min_new_tokens = max: a fixed amount of work)."""
    outputs, produced = [], 0
    _sync(device)
    start = time.perf_counter()
    for prompt in PROMPTS:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]], device=device)
        with torch.no_grad():
            out = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                do_sample=False,
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                pad_token_id=tokenizer.pad_token_id,
            )
        outputs.append(out[0, ids.shape[1] :].tolist())
        produced += out.shape[1] - ids.shape[1]
    _sync(device)
    return outputs, produced / (time.perf_counter() - start)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(label: str, base: str, device: str, dtype: torch.dtype, rounds: int, new_tokens: int, work: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = random_adapter(base, work / f"adapter-{label}", dtype)
    merged_dir = work / f"merged-{label}"
    name = str(dtype).removeprefix("torch.")
    merge_s = [
        _timed(lambda: merge_adapter(base, adapter, merged_dir, device=device, dtype=name)) for _ in range(rounds)
    ]
    load_s = [_timed(lambda: load_unmerged(base, adapter, device, dtype)) for _ in range(rounds)]

    tokenizer = AutoTokenizer.from_pretrained(merged_dir)
    unmerged = load_unmerged(base, adapter, device, dtype)
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=dtype, device_map={"": device}).eval()
    greedy(unmerged, tokenizer, device, 4), greedy(merged, tokenizer, device, 4)  # warm-up
    speeds: dict[str, list[float]] = {"merged": [], "unmerged": []}
    same = True
    for r in range(rounds):
        order = [("merged", merged), ("unmerged", unmerged)][:: 1 if r % 2 else -1]
        ids = {}
        for key, model in order:
            ids[key], tps = greedy(model, tokenizer, device, new_tokens)
            speeds[key].append(tps)
        same = same and ids["merged"] == ids["unmerged"]

    weights = sum(p.stat().st_size for p in Path(base).glob("*.safetensors"))
    size = sum(p.stat().st_size for p in merged_dir.glob("*.safetensors"))
    m, u = statistics.median(speeds["merged"]), statistics.median(speeds["unmerged"])
    print(f"\n{label} ({device}, {name}, {merged.num_parameters() / 1e6:.1f}M parameters)")
    print(
        f"  export {statistics.median(merge_s):.2f} s vs load base+adapter {statistics.median(load_s):.2f} s: "
        f"ratio {statistics.median(merge_s) / statistics.median(load_s):.2f}"
    )
    print(f"  greedy tokens/s merged {m:.1f} vs base+adapter {u:.1f}: ratio {m / u:.2f}; same token ids: {same}")
    print(
        f"  merged weights {size / 2**20:.1f} MiB vs base weights {weights / 2**20:.1f} MiB: ratio {size / weights:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=32)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(tmp)
        tiny = ensure_base_model("tiny", TEXTS, work / "models")
        bench("tiny Llama", tiny, "cpu", torch.float32, args.rounds, args.tokens, work)
        if torch.cuda.is_available():
            sys.path.insert(0, str(REPO / "bench"))
            from train import small_real_llama

            real = small_real_llama(tiny, work / "llama-100m")
            bench("~100M Llama", real, "cuda", torch.bfloat16, args.rounds, args.tokens, work)
        else:
            print("\n(no CUDA device: the ~100M-parameter bf16 run is skipped)")


if __name__ == "__main__":
    main()
