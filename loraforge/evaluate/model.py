"""Model-side work of the evaluation: loading base + tokenizer, answer-token loss, greedy generation."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


def encode_example(tokenizer: Any, messages: list[dict[str, str]], max_length: int) -> tuple[list[int], int]:
    """Token ids of prompt + reference answer, and the prompt length (loss goes on the answer only).

    The prompt is tokenised exactly as for generation and the answer text appended, so the loss
    measures the continuation the model would have to produce from that very prompt.
    """
    prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    if full.startswith(prompt):
        ids = p_ids + tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
    else:  # a template that renders history differently once an answer follows: align on the shared prefix
        ids = tokenizer(full, add_special_tokens=False)["input_ids"]
        p_ids = p_ids[: next((i for i, (a, b) in enumerate(zip(p_ids, ids, strict=False)) if a != b), len(p_ids))]
    return ids[:max_length], min(len(p_ids), max_length)


def prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    return tokenizer(prompt, add_special_tokens=False)["input_ids"]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def eval_loss(model: Any, encoded: Sequence[tuple[list[int], int]], pad_id: int, batch_size: int) -> float | None:
    """Mean negative log-likelihood per answer token over all examples (token-weighted)."""
    import torch
    import torch.nn.functional as F

    total, n_tokens = 0.0, 0
    device = next(model.parameters()).device
    for chunk in _chunks(encoded, batch_size):
        width = max(len(ids) for ids, _ in chunk)
        input_ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        labels = torch.full((len(chunk), width), -100, dtype=torch.long)
        for i, (ids, n_prompt) in enumerate(chunk):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            mask[i, : len(ids)] = 1
            labels[i, n_prompt : len(ids)] = torch.tensor(ids[n_prompt:], dtype=torch.long)
        with torch.no_grad():
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits.float()
        targets = labels[:, 1:].to(device)
        nll = F.cross_entropy(logits[:, :-1].transpose(1, 2), targets, ignore_index=-100, reduction="sum")
        total += float(nll)
        n_tokens += int((targets != -100).sum())
    return total / n_tokens if n_tokens else None


def generate(
    model: Any, tokenizer: Any, prompts: Sequence[list[int]], max_new_tokens: int, batch_size: int
) -> tuple[list[str], float]:
    """Greedy answers (left-padded batches), and the wall time per prompt."""
    import torch

    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id
    eos = {tokenizer.eos_token_id}
    configured = model.generation_config.eos_token_id
    eos |= set(configured if isinstance(configured, list) else [configured])
    eos.discard(None)
    outputs: list[str] = []
    start = time.perf_counter()
    for chunk in _chunks(prompts, batch_size):
        width = max(len(p) for p in chunk)
        input_ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in chunk], device=device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in chunk], device=device)
        with torch.no_grad():
            out = model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=pad_id,
                eos_token_id=sorted(eos),
            )
        outputs += [t.strip() for t in tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)]
    return outputs, (time.perf_counter() - start) / max(len(prompts), 1)


def load_tokenizer(base_model: str, adapter_dir: Path) -> Any:
    """The tokenizer saved with the adapter (it carries the chat template training used), else the base's.

    Goes through ``loraforge.basemodel.load_tokenizer``, which supplies the same fallback chat template
    and pad token as training does.
    """
    from loraforge.basemodel import load_tokenizer as load

    return load(str(adapter_dir) if (Path(adapter_dir) / "tokenizer_config.json").exists() else base_model)


def load_base_model(base_model: str, device: str, load_in_4bit: bool) -> Any:
    """The base causal LM in eval mode on ``device`` (bf16 on CUDA, fp32 on CPU; optionally 4-bit NF4)."""
    from loraforge.basemodel import load_model

    return load_model(base_model, "nf4" if load_in_4bit else "none", device, training=False)
