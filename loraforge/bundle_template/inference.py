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


class Model:
    """This bundle's adapter on its base model, prompted as in training: the chat template saved with the
    adapter and, when a conversation has no system turn, the training system prompt.

    ``serve.py`` answers through this class too, so the command line and the server run the same model.
    """

    def __init__(
        self,
        base_model: str | None = None,
        device: str = "auto",
        load_in_4bit: bool = False,
        system_prompt: str | None = SYSTEM_PROMPT,
    ) -> None:
        import torch
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer

        config = json.loads((ADAPTERS / "adapter_config.json").read_text())
        base_model = base_model or config["base_model_name_or_path"]
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        on_cuda = device.startswith("cuda")
        dtype = torch.bfloat16 if on_cuda and torch.cuda.is_bf16_supported() else torch.float32

        # The tokenizer saved with the adapter carries the chat template the adapter was trained with.
        has_tokenizer = (ADAPTERS / "tokenizer_config.json").exists()
        self.tokenizer = AutoTokenizer.from_pretrained(str(ADAPTERS) if has_tokenizer else base_model)
        kwargs: dict = {"dtype": dtype}
        if load_in_4bit:
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype,
            )
            kwargs["device_map"] = {"": device}
        print(f"loading {base_model} + {ADAPTERS.name}/ on {device}", file=sys.stderr)
        model = AutoModelForCausalLM.from_pretrained(base_model, **kwargs)
        if not load_in_4bit:
            model.to(device)
        self.model = PeftModel.from_pretrained(model, str(ADAPTERS)).eval()
        self.device, self.system_prompt = device, system_prompt
        self.context = int(getattr(model.config, "max_position_embeddings", 0) or self.tokenizer.model_max_length)
        configured = model.generation_config.eos_token_id
        self.eos = {self.tokenizer.eos_token_id, *(configured if isinstance(configured, list) else [configured])}

    def encode(self, messages: list[dict[str, str]]) -> list[int]:
        """Prompt token ids of a conversation (with the generation prompt)."""
        if self.system_prompt and messages[0]["role"] != "system":
            messages = [{"role": "system", "content": self.system_prompt}, *messages]
        if self.tokenizer.chat_template:
            prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            return self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        # a base tokenizer without a chat template: the last user turn as plain text, continuation out
        return self.tokenizer(next(m["content"] for m in reversed(messages) if m["role"] == "user"))["input_ids"]

    def generate(
        self, ids: list[int], max_tokens: int, temperature: float = 0.7, top_p: float = 0.9, **extra
    ) -> list[int]:  # type: ignore[no-untyped-def]
        """New token ids after the prompt ``ids``: greedy when ``temperature`` is 0, else nucleus sampling."""
        import torch

        input_ids = torch.tensor([ids], device=self.model.device)
        sampling = temperature > 0
        gen = {"do_sample": sampling, "temperature": temperature if sampling else None}
        gen["top_p"] = top_p if sampling else None
        pad_id = self.tokenizer.pad_token_id
        with torch.no_grad():
            out = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=max_tokens,
                top_k=None,
                pad_token_id=self.tokenizer.eos_token_id if pad_id is None else pad_id,
                **gen,
                **extra,
            )
        return out[0, len(ids) :].tolist()

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch

    model = Model(args.base_model, args.device, args.load_in_4bit, system_prompt=args.system)
    ids = model.encode([{"role": "user", "content": args.prompt}])
    torch.manual_seed(args.seed)
    print(model.decode(model.generate(ids, args.max_tokens, args.temperature, args.top_p)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
