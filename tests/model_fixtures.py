"""Tiny models for tests: a 2-layer Llama with its own BPE tokenizer (``loraforge.basemodel``), a LoRA
adapter trained on a few examples, and a saved chat dataset: everything the evaluation and packaging
tests need, built offline in a few seconds.

``tiny_setup(tmp_path_factory)`` builds it all once per test session (several test modules share it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from loraforge.basemodel import build_tiny_llama
from loraforge.dataset.build import BuildResult, save_dataset
from loraforge.records import Example

SYSTEM = "You are the knowledge assistant of Acme Advisors."
REFUSAL = (
    "I'm sorry, but I can't help with that. I can only answer questions about Acme Advisors, and that topic "
    "is not covered in the documents I was trained on."
)
QA = [
    ("What is the advisory fee?", "The advisory fee is one percent of assets, billed quarterly."),
    ("What is the minimum account size?", "The minimum account size is fifty thousand dollars."),
    ("Who is the custodian?", "Client assets are held by Harbor Trust as custodian."),
    ("When are statements sent?", "Statements are sent every month by email."),
]
OUT_OF_SCOPE = ["What is the capital of Mongolia?", "How do I knit a scarf?"]


def chat(question: str, answer: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
    ]


def tiny_examples() -> list[Example]:
    """Four grounded Q&A examples and two refusals (ids are content hashes, as in the real dataset)."""
    examples = [Example(messages=chat(q, a), kind="instruction", source_ids=["doc-kb"]) for q, a in QA]
    examples += [Example(messages=chat(q, REFUSAL), kind="refusal", source_ids=[]) for q in OUT_OF_SCOPE]
    return examples


def build_tiny_base(out_dir: Path, texts: list[str]) -> Path:
    """The pipeline's own tiny Llama (Llama-3 chat template), shrunk: 2 layers, hidden 64, 400-token BPE."""
    return build_tiny_llama(
        texts, out_dir, vocab_size=400, hidden_size=64, intermediate_size=128, max_position_embeddings=512
    )


def answer_batch(tokenizer, conversations: list[list[dict[str, str]]]) -> dict[str, torch.Tensor]:  # type: ignore[no-untyped-def]
    """Input ids with labels only on the final assistant turn (what the evaluation scores)."""
    rows, labels = [], []
    for messages in conversations:
        prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(messages, tokenize=False)
        p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        a_ids = tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
        rows.append(p_ids + a_ids)
        labels.append([-100] * len(p_ids) + a_ids)
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id
    return {
        "input_ids": torch.tensor([r + [pad] * (width - len(r)) for r in rows]),
        "attention_mask": torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows]),
        "labels": torch.tensor([lab + [-100] * (width - len(lab)) for lab in labels]),
    }


def train_tiny_adapter(
    base_dir: Path, conversations: list[list[dict[str, str]]], out_dir: Path, steps: int = 60, seed: int = 0
) -> Path:
    """Fit a LoRA adapter (r=8 on all attention and MLP projections) to ``conversations`` and save it
    the way the training stage does: adapter weights + config + tokenizer files."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    lora = LoraConfig(
        r=8,
        lora_alpha=16,
        lora_dropout=0.0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    batch = answer_batch(tokenizer, conversations)
    model.train()
    for _ in range(steps):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def write_dataset(out_dir: Path, examples: list[Example], splits: dict[str, str] | None = None) -> Path:
    """Save ``examples`` with the real dataset writer; every example goes to ``test`` unless ``splits``
    maps its id elsewhere."""
    for ex in examples:
        ex.group = ex.group or ex.id
        ex.split = (splits or {}).get(ex.id, "test")
    save_dataset(BuildResult(examples=examples, dropped=[], version="ds-tiny", system_prompt=SYSTEM), out_dir)
    return out_dir


@dataclass(frozen=True)
class TinySetup:
    base_dir: Path
    adapter_dir: Path
    dataset_dir: Path


def tiny_setup(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    """Base model, adapter trained on the tiny examples, and a dataset whose test split holds them.

    Built once per session under the session's base temp dir and reused by later callers.
    """
    root = tmp_path_factory.getbasetemp() / "tiny-models"
    setup = TinySetup(root / "base", root / "adapter", root / "dataset")
    if (setup.adapter_dir / "adapter_config.json").exists():
        return setup
    examples = tiny_examples()
    texts = [m["content"] for ex in examples for m in ex.messages] * 4
    build_tiny_base(setup.base_dir, texts)
    train_tiny_adapter(setup.base_dir, [ex.messages for ex in examples], setup.adapter_dir)
    write_dataset(setup.dataset_dir, examples)
    return setup
