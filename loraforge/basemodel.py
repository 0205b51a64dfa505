"""Base models: any Hugging Face model id or local path, or a tiny Llama built from the corpus.

Production runs name a real model (``meta-llama/Llama-3.1-8B-Instruct``, a Qwen or Mistral id, or a
local directory): it goes through the ordinary ``AutoTokenizer`` / ``AutoModelForCausalLM``
``from_pretrained`` path and its chat template comes from its tokenizer.

A fresh machine has no hub access, so the embedded default is ``build_tiny_llama``: a byte-level BPE
tokenizer trained on the corpus itself plus a randomly initialised few-layer ``LlamaForCausalLM``
(about 0.5M parameters with the default 3k vocabulary). It proves the machinery end to end --
quantisation, LoRA, assistant-only loss, checkpoints, adapters that load back -- and says nothing
about quality: it knows no language beyond what a few training steps teach it.

Loss on assistant tokens only (see ``loss_masking``): TRL 1.16 masks through the chat template's
``{% generation %}`` blocks. The tiny model's template has them. For a known template without them
(Llama 3, Qwen 2.5/3, Gemma, Phi-3, ...) TRL swaps in its own patched training template. For any
other template we fall back to TRL's prompt-completion format: ``prompt`` = all messages but the last,
``completion`` = the final assistant message, ``completion_only_loss=True``. That trains the final
assistant turn only (earlier assistant turns are context), which matches how loraforge builds
examples: one answer per example, multi-turn chats are already split per turn.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loraforge.errors import ModelNotFound
from loraforge.offline import ensure_offline, hub_enabled

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

TINY_NAMES = (None, "", "tiny", "tiny-llama")
BOS, EOT, END_OF_TEXT, PAD = "<|begin_of_text|>", "<|eot_id|>", "<|end_of_text|>", "<|pad|>"
HEADER_START, HEADER_END = "<|start_header_id|>", "<|end_header_id|>"
SPECIAL_TOKENS = [BOS, END_OF_TEXT, HEADER_START, HEADER_END, EOT, PAD]

# Llama-3 layout. The end-of-turn token sits inside the generation block so the model learns to stop.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] | trim }}{{ '<|eot_id|>' }}{% endgeneration %}"
    "{% else %}"
    "{{ message['content'] | trim }}{{ '<|eot_id|>' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)

# For a tokenizer that ships no chat template at all (base checkpoints): plain role headers, eos ends a turn.
PLAIN_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '### ' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] | trim }}{{ eos_token }}{% endgeneration %}{{ '\\n' }}"
    "{% else %}{{ message['content'] | trim + '\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '### assistant\\n' }}{% endif %}"
)

TINY_DEFAULTS: dict[str, int] = {
    "vocab_size": 3000,
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 256,
    "max_position_embeddings": 2048,
    "seed": 0,
}


def corpus_hash(texts: Iterable[str], **params: int) -> str:
    """Content hash of the corpus and the build parameters: the tiny model's cache key."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    return digest.hexdigest()[:16]


def build_tiny_llama(texts: Iterable[str], out_dir: Path, **overrides: int) -> Path:
    """Train a byte-level BPE tokenizer on ``texts`` and save it with a random tiny Llama in ``out_dir``.

    ``overrides`` change ``TINY_DEFAULTS`` (vocab_size, hidden_size, num_hidden_layers,
    num_attention_heads, intermediate_size, max_position_embeddings, seed). Deterministic for a given
    corpus and parameters. Returns ``out_dir``.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    unknown = set(overrides) - set(TINY_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown tiny-model parameters: {sorted(unknown)}")
    p = {**TINY_DEFAULTS, **overrides}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=p["vocab_size"],
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte stays encodable
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token=BOS,
        eos_token=EOT,  # generation stops at the end of the assistant turn, as in Llama 3 Instruct
        pad_token=PAD,
        model_max_length=p["max_position_embeddings"],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out_dir)

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in (BOS, EOT, PAD)}
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=p["hidden_size"],
        num_hidden_layers=p["num_hidden_layers"],
        num_attention_heads=p["num_attention_heads"],
        num_key_value_heads=p["num_attention_heads"],
        intermediate_size=p["intermediate_size"],
        max_position_embeddings=p["max_position_embeddings"],
        tie_word_embeddings=True,
        bos_token_id=ids[BOS],
        eos_token_id=ids[EOT],
        pad_token_id=ids[PAD],
    )
    torch.manual_seed(p["seed"])
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=ids[BOS], eos_token_id=ids[EOT], pad_token_id=ids[PAD], max_new_tokens=128
    )
    model.save_pretrained(out_dir)
    (out_dir / "loraforge_tiny.json").write_text(json.dumps({"params": p, "note": "random init"}, indent=2))
    return out_dir


def ensure_base_model(name_or_path: str | None, texts: Iterable[str], cache_root: Path) -> str:
    """Resolve the base model to something ``from_pretrained`` can load.

    ``None`` or ``"tiny"`` builds (or reuses) the tiny Llama under ``cache_root/tiny-llama-<corpus hash>``;
    anything else (hub id or local path) is returned unchanged.
    """
    if name_or_path not in TINY_NAMES:
        return check_available(str(name_or_path))
    texts = list(texts)
    if not any(t.strip() for t in texts):
        raise ValueError("the tiny base model needs a non-empty corpus to train its tokenizer on")
    target = Path(cache_root) / f"tiny-llama-{corpus_hash(texts, **TINY_DEFAULTS)}"
    if (target / "loraforge_tiny.json").exists():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build aside and rename: a crash mid-build never leaves a half model that a later run would reuse.
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        build_tiny_llama(texts, tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # a concurrent build won the race; theirs is identical
            if not (target / "loraforge_tiny.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(target)


def check_available(name_or_path: str) -> str:
    """``name_or_path`` when it can be loaded: a local folder, a hub id already in the local cache, or
    any hub id once the user turned the hub on. Otherwise ``ModelNotFound`` at once, with what to do,
    instead of retried network lookups."""
    if Path(name_or_path).expanduser().is_dir():
        return name_or_path
    if looks_like_path(name_or_path):
        raise ModelNotFound(
            f"base model path not found: {name_or_path} (no such folder; point base_model at the folder "
            "that holds the model's config.json, or give a Hugging Face model id)"
        )
    if hub_enabled():
        return name_or_path
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name_or_path, "config.json"), str):
        return name_or_path
    raise ModelNotFound(
        f"base model {name_or_path!r} is neither a local folder nor in the Hugging Face cache, and the hub is "
        "off. Point base_model at a folder that holds the model, download it first "
        f"(huggingface-cli download {name_or_path}), or export HF_HUB_OFFLINE=0 to let loraforge fetch it."
    )


def looks_like_path(name_or_path: str) -> bool:
    """A local path rather than a hub id: starts with / . ~ or holds the OS separator (beyond the one
    slash of ``org/name``: ``org/name`` is a hub id, ``a/b/c`` a path)."""
    return (
        name_or_path.startswith(("/", ".", "~"))
        or (os.sep != "/" and os.sep in name_or_path)
        or (name_or_path.count("/") > 1)
    )


def load_tokenizer(name_or_path: str) -> PreTrainedTokenizerBase:
    """The model's own tokenizer, with a pad token and a chat template guaranteed."""
    ensure_offline()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    if tokenizer.chat_template is None:
        tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        # Padding positions never reach the loss (labels are -100 there), so any id is safe as pad.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def loss_masking(tokenizer: PreTrainedTokenizerBase) -> Literal["assistant_only", "completion_only"]:
    """How to restrict the loss to assistant tokens with this tokenizer's chat template (module doc)."""
    from trl.chat_template_utils import get_training_chat_template

    try:
        get_training_chat_template(tokenizer)  # None: usable as is; a string: TRL patches it itself
    except ValueError:
        return "completion_only"
    return "assistant_only"


def resolve_device(device: str | None = None) -> str:
    """``None``/``"auto"`` → ``"cuda"`` when available, else ``"cpu"``."""
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_model(
    name_or_path: str,
    quantization: Literal["nf4", "none"] = "nf4",
    device: str | None = None,
    *,
    gradient_checkpointing: bool = False,
    training: bool = True,
    sharded: bool = False,
    attn_implementation: str | None = None,
) -> PreTrainedModel:
    """Load a causal LM for LoRA training (or, ``training=False``, for inference): NF4 4-bit or unquantised.

    NF4 uses double quantisation and computes in bf16 on CUDA, float32 on CPU (bitsandbytes 0.50
    runs 4-bit on CPU too). For training, then ``prepare_model_for_kbit_training`` (norms in fp32,
    input grads on) and, on CPU, bitsandbytes' eval-time weight repacking is switched off (it breaks
    backprop, see below). For inference the model comes back in eval mode.

    ``sharded``: inside an FSDP launch. The 4-bit weights are then stored in the compute dtype
    (``bnb_4bit_quant_storage``, and the model's dtype the same) because FSDP flattens and shards float
    tensors of one dtype only; no device map (FSDP places the shards; with CPU-RAM-efficient loading rank 0
    reads the weights and the others start on the meta device); and no ``prepare_model_for_kbit_training``,
    whose fp32 norms would mix dtypes inside an FSDP unit.
    """
    ensure_offline()
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    device = resolve_device(device)
    on_cuda = device.startswith("cuda")
    compute_dtype = torch.bfloat16 if on_cuda and torch.cuda.is_bf16_supported() else torch.float32
    kwargs: dict = {"dtype": compute_dtype, "device_map": None if sharded else {"": device}}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    if quantization == "nf4":
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype,
            **({"bnb_4bit_quant_storage": compute_dtype} if sharded else {}),
        )
    elif quantization != "none":
        raise ValueError(f"quantization must be 'nf4' or 'none', got {quantization!r}")
    model = AutoModelForCausalLM.from_pretrained(name_or_path, **kwargs)
    if not training:
        return model.eval()
    if sharded:
        if gradient_checkpointing:  # checkpointed blocks need a grad-carrying input (the frozen embeddings give none)
            model.enable_input_require_grads()
        return model
    if quantization == "nf4":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
        if not on_cuda:
            _keep_4bit_weights_trainable_on_cpu(model)
    return model


def _keep_4bit_weights_trainable_on_cpu(model: PreTrainedModel) -> None:
    # bitsandbytes 0.50 on an AVX512-BF16 CPU repacks a Linear4bit's weight for a fast inference kernel
    # (gemv_4bit) on its first eval-mode forward, and keeps it that way. That kernel has no autograd, so
    # after the first evaluation the gradient through every frozen base layer is silently dropped (only
    # a torch warning). Training needs the trainable layout; inference-only loaders may keep the fast one.
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False
