"""Base model: the tiny Llama built from a corpus, its tokenizer and chat template, model loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from loraforge import basemodel
from loraforge.basemodel import (
    CHAT_TEMPLATE,
    build_tiny_llama,
    ensure_base_model,
    load_model,
    load_tokenizer,
    loss_masking,
)
from loraforge.errors import ModelNotFound

CORPUS = [
    "Harborview Wealth Partners reviews every client portfolio at least once a year.",
    "Fees are billed quarterly in arrears at one percent of assets under management.",
    "The Boston office is open Monday to Friday from 8:30 to 17:00.",
    "Complaints are acknowledged within two business days and resolved within thirty.",
    "Clients can reach their advisor through the secure Client Portal or by phone.",
] * 4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    return ensure_base_model(None, CORPUS, tmp_path_factory.mktemp("models"))


def test_tiny_model_is_cached_by_corpus_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    builds: list[Path] = []
    real_build = basemodel.build_tiny_llama

    def counting_build(texts, out_dir, **kw):  # type: ignore[no-untyped-def]
        builds.append(Path(out_dir))
        return real_build(texts, out_dir, **kw)

    monkeypatch.setattr(basemodel, "build_tiny_llama", counting_build)
    first = ensure_base_model(None, CORPUS, tmp_path)
    again = ensure_base_model("tiny", iter(CORPUS), tmp_path)  # any iterable, same content → same model
    other = ensure_base_model(None, [*CORPUS, "A new policy on travel expenses."], tmp_path)

    assert first == again
    assert other != first
    assert len(builds) == 2
    assert Path(first).name.startswith("tiny-llama-") and Path(first).parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([Path(first).name, Path(other).name])  # no temp left
    files = {p.name for p in Path(first).iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= files
    assert no_network == []


def test_other_names_pass_through_and_empty_corpus_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "qwen"
    local.mkdir()
    assert ensure_base_model(str(local), [], tmp_path) == str(local)
    hub_id = "meta-llama/Llama-3.1-8B-Instruct"
    with pytest.raises(ModelNotFound, match="HF_HUB_OFFLINE=0"):  # the hub is off and the model is not cached
        ensure_base_model(hub_id, [], tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # the user's switch: hub ids go through to from_pretrained
    assert ensure_base_model(hub_id, [], tmp_path) == hub_id
    with pytest.raises(ValueError, match="non-empty corpus"):
        ensure_base_model("tiny", ["", "  "], tmp_path)


def test_build_is_deterministic(tmp_path: Path) -> None:
    a = build_tiny_llama(CORPUS, tmp_path / "a", vocab_size=400, hidden_size=64)
    b = build_tiny_llama(CORPUS, tmp_path / "b", vocab_size=400, hidden_size=64)
    assert (a / "tokenizer.json").read_bytes() == (b / "tokenizer.json").read_bytes()
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    with pytest.raises(ValueError, match="unknown tiny-model parameters"):
        build_tiny_llama(CORPUS, tmp_path / "c", hidden=64)


def test_tokenizer_round_trips_text(tiny: str, no_network: list[str]) -> None:
    tokenizer = load_tokenizer(tiny)
    for text in [
        "Fees are billed quarterly in arrears.",
        "  leading spaces, tabs\tand\nnew lines\n\n",
        "Unseen: Zürich €1,250.00 — naïve café 東京 🙂",
        "",
    ]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.decode(ids) == text
    assert tokenizer.bos_token == "<|begin_of_text|>"
    assert tokenizer.eos_token == "<|eot_id|>"
    assert tokenizer.pad_token == "<|pad|>"
    assert len(tokenizer) <= 3000
    assert no_network == []


def test_chat_template_renders_llama3_layout(tiny: str) -> None:
    tokenizer = load_tokenizer(tiny)
    assert tokenizer.chat_template == CHAT_TEMPLATE
    messages = [
        {"role": "system", "content": "You are the Harborview assistant."},
        {"role": "user", "content": "When is the office open? "},
        {"role": "assistant", "content": "Monday to Friday, 8:30 to 17:00."},
    ]
    assert tokenizer.apply_chat_template(messages, tokenize=False) == (
        "<|begin_of_text|>"
        "<|start_header_id|>system<|end_header_id|>\n\nYou are the Harborview assistant.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhen is the office open?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nMonday to Friday, 8:30 to 17:00.<|eot_id|>"
    )
    assert tokenizer.apply_chat_template(messages[:2], tokenize=False, add_generation_prompt=True).endswith(
        "When is the office open?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    # The generation block covers the answer and its end-of-turn token, nothing else.
    out = tokenizer.apply_chat_template(messages, return_dict=True, return_assistant_tokens_mask=True)
    masked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(masked) == "Monday to Friday, 8:30 to 17:00.<|eot_id|>"


def test_loss_masking_modes(tiny: str) -> None:
    from trl.chat_template_utils import llama3_chat_template

    tokenizer = load_tokenizer(tiny)
    assert loss_masking(tokenizer) == "assistant_only"  # our template has {% generation %}
    tokenizer.chat_template = llama3_chat_template
    assert loss_masking(tokenizer) == "assistant_only"  # known template: TRL swaps in its training variant
    tokenizer.chat_template = CHAT_TEMPLATE.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    assert loss_masking(tokenizer) == "completion_only"  # unknown template without markers: fallback


def test_load_model_nf4_and_plain(tiny: str, no_network: list[str]) -> None:
    import bitsandbytes as bnb
    import torch

    quantized = load_model(tiny, "nf4", "cpu")
    q_proj = quantized.model.layers[0].self_attn.q_proj
    assert isinstance(q_proj, bnb.nn.Linear4bit)
    assert q_proj.weight.quant_state.quant_type == "nf4"
    assert q_proj.weight.quant_state.nested  # double quantisation
    assert q_proj.compute_dtype == torch.float32  # bf16 only on CUDA
    assert quantized.model.norm.weight.dtype == torch.float32  # prepare_model_for_kbit_training upcast

    plain = load_model(tiny, "none", "cpu")
    assert type(plain.model.layers[0].self_attn.q_proj) is torch.nn.Linear
    assert plain.config.tie_word_embeddings and plain.config.num_hidden_layers == 2
    with pytest.raises(ValueError, match="quantization"):
        load_model(tiny, "int3", "cpu")  # type: ignore[arg-type]
    assert no_network == []


def test_nf4_gradients_survive_an_evaluation_on_cpu(tiny: str) -> None:
    """bitsandbytes repacks 4-bit weights for an autograd-less kernel on the first eval forward (AVX512-BF16
    CPUs); load_model must keep the trainable layout, or every later backward silently loses gradient."""
    import torch

    model = load_model(tiny, "nf4", "cpu")
    ids = torch.tensor([[5, 6, 7, 8, 9, 10]])

    def input_grad() -> torch.Tensor:
        model.train()
        embeds = model.get_input_embeddings()(ids).detach().requires_grad_(True)
        model(inputs_embeds=embeds, labels=ids).loss.backward()
        return embeds.grad

    before = input_grad()
    model.eval()
    with torch.no_grad():
        model(ids)
    assert not getattr(model.model.layers[0].self_attn.q_proj.weight.quant_state, "packing_format_for_cpu", False)
    assert torch.equal(input_grad(), before)
