#!/usr/bin/env python
"""Answer a prompt with the fine-tuned adapter in this bundle.

    pip install -r requirements.txt
    python inference.py "What is the advisory fee?" --max-tokens 256 --temperature 0.7

The base model is the one named in adapters/adapter_config.json (``base_model_name_or_path``): a Hugging
Face model id (downloaded on first use) or a local directory. ``--base-model`` overrides it, e.g. with a
local copy of the same model. Only the generated answer goes to stdout; logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADAPTERS = HERE / "adapters"
# The system prompt the adapter was trained with (filled in when the bundle is built; None: no system turn).
SYSTEM_PROMPT = None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate an answer with this bundle's LoRA adapter.")
    parser.add_argument("prompt", help="the question or instruction (one user turn)")
    parser.add_argument("--temperature", type=float, default=0.7, help="sampling temperature; 0 = greedy")
    parser.add_argument("--top-p", type=float, default=0.9, help="nucleus sampling cut-off (with temperature > 0)")
    parser.add_argument("--max-tokens", type=int, default=256, help="most new tokens to generate")
    parser.add_argument("--base-model", default=None, help="base model id or path (default: from adapter_config)")
    parser.add_argument("--system", default=SYSTEM_PROMPT, help="system prompt (default: the training one)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    parser.add_argument("--load-in-4bit", action="store_true", help="4-bit NF4 base weights (CUDA, bitsandbytes)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for sampling")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = json.loads((ADAPTERS / "adapter_config.json").read_text())
    base_model = args.base_model or config["base_model_name_or_path"]
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    on_cuda = device.startswith("cuda")
    dtype = torch.bfloat16 if on_cuda and torch.cuda.is_bf16_supported() else torch.float32

    # The tokenizer saved with the adapter carries the chat template the adapter was trained with.
    has_tokenizer = (ADAPTERS / "tokenizer_config.json").exists()
    tokenizer = AutoTokenizer.from_pretrained(str(ADAPTERS) if has_tokenizer else base_model)
    kwargs: dict = {"dtype": dtype}
    if args.load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=dtype
        )
        kwargs["device_map"] = {"": device}
    print(f"loading {base_model} + {ADAPTERS.name}/ on {device}", file=sys.stderr)
    model = AutoModelForCausalLM.from_pretrained(base_model, **kwargs)
    if not args.load_in_4bit:
        model.to(device)
    model = PeftModel.from_pretrained(model, str(ADAPTERS)).eval()

    messages = [{"role": "system", "content": args.system}] if args.system else []
    messages.append({"role": "user", "content": args.prompt})
    if tokenizer.chat_template:
        prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tokenizer(prompt, add_special_tokens=False, return_tensors="pt").to(device)
    else:  # a base tokenizer without a chat template: plain text in, continuation out
        inputs = tokenizer(args.prompt, return_tensors="pt").to(device)

    torch.manual_seed(args.seed)
    sampling = args.temperature > 0
    gen = {"do_sample": sampling, "temperature": args.temperature if sampling else None}
    gen["top_p"] = args.top_p if sampling else None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=args.max_tokens, top_k=None, pad_token_id=pad_id, **gen)
    answer = tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()
    print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
