"""Merged export: base + adapter folded into one plain HF model that answers exactly like base + adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from model_fixtures import QA, SYSTEM, TinySetup, tiny_setup

from loraforge.finetune.export import merge_adapter

PROMPTS = [q for q, _ in QA] + ["What is the capital of Mongolia?"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinySetup:
    return tiny_setup(tmp_path_factory)


def _greedy(model, tokenizer, max_new_tokens: int = 24) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """The generated token ids for each prompt (chat template, greedy, no sampling)."""
    outputs = []
    for question in PROMPTS:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            out = model.generate(
                ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=max_new_tokens
            )
        outputs.append(out[0, ids.shape[1] :].tolist())
    return outputs


def test_the_merged_folder_loads_plainly_and_answers_like_base_plus_adapter(
    tiny: TinySetup, tmp_path: Path, no_network: list[str]
) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "merged"
    info = merge_adapter(str(tiny.base_dir), tiny.adapter_dir, out)

    files = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json"} <= files
    assert {"chat_template.jinja", "loraforge_merge.json"} <= files
    assert not {"adapter_config.json", "adapter_model.safetensors"} & files  # a plain model, no PEFT
    assert (info["dtype"], info["base_weights"], info["lora_r"]) == ("float32", "original", 8)  # the base's own dtype
    assert json.loads((out / "loraforge_merge.json").read_text()) == info
    assert set(info["files"]) == files

    merged = AutoModelForCausalLM.from_pretrained(out)
    assert not any("lora" in name for name, _ in merged.named_parameters())
    tokenizer = AutoTokenizer.from_pretrained(out)
    adapter_tokenizer = AutoTokenizer.from_pretrained(tiny.adapter_dir)
    assert tokenizer.chat_template == adapter_tokenizer.chat_template
    assert merged.generation_config.eos_token_id == tokenizer.eos_token_id

    base = AutoModelForCausalLM.from_pretrained(tiny.base_dir)
    untuned = _greedy(base, tokenizer)
    with_adapter = _greedy(PeftModel.from_pretrained(base, tiny.adapter_dir), tokenizer)
    assert _greedy(merged, tokenizer) == with_adapter
    assert with_adapter != untuned  # the adapter changes the answers, so the comparison means something
    assert no_network == []


def test_a_16_bit_export_stores_16_bit_weights(tiny: TinySetup, tmp_path: Path) -> None:
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM

    info = merge_adapter(str(tiny.base_dir), tiny.adapter_dir, tmp_path / "bf16", dtype="bfloat16")
    assert info["dtype"] == "bfloat16"
    with safe_open(str(tmp_path / "bf16" / "model.safetensors"), "pt") as weights:
        assert {weights.get_tensor(k).dtype for k in weights.keys()} == {torch.bfloat16}
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "bf16")
    assert model.dtype == torch.bfloat16


def test_a_base_stored_in_4_bit_is_dequantized_before_the_merge(tiny: TinySetup, tmp_path: Path) -> None:
    """A bitsandbytes NF4 checkpoint as the base: merged into its dequantised weights, saved without any
    quantisation config, and it answers like the 4-bit base + adapter."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from loraforge.basemodel import load_model

    quantized_dir = tmp_path / "base-nf4"
    load_model(str(tiny.base_dir), "nf4", "cpu", training=False).save_pretrained(quantized_dir)
    AutoTokenizer.from_pretrained(tiny.base_dir).save_pretrained(quantized_dir)
    assert "quantization_config" in json.loads((quantized_dir / "config.json").read_text())

    out = tmp_path / "merged"
    info = merge_adapter(str(quantized_dir), tiny.adapter_dir, out, dtype="float32")
    assert info["base_weights"] == "dequantized"
    assert "quantization_config" not in json.loads((out / "config.json").read_text())

    tokenizer = AutoTokenizer.from_pretrained(out)
    merged = AutoModelForCausalLM.from_pretrained(out)
    quantized = load_model(str(quantized_dir), "none", "cpu", training=False)  # its own 4-bit config applies
    assert _greedy(merged, tokenizer) == _greedy(PeftModel.from_pretrained(quantized, tiny.adapter_dir), tokenizer)


def test_the_fine_tune_chain_exports_to_the_store_and_the_mlflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``export_merged``: the merged folder lands in the store beside the bundle, on the MLflow run under
    ``merged/``, and in the outcome and its report; it loads without PEFT."""
    from test_finetune import _three_files
    from transformers import AutoModelForCausalLM

    from loraforge.finetune import FineTuneConfig, run_fine_tune
    from loraforge.finetune.report import report_markdown
    from loraforge.prep import run_data_prep
    from loraforge.storage import LocalStore, read_json
    from loraforge.target import Target
    from loraforge.tracking import Tracker

    monkeypatch.setenv("LORAFORGE_SCRATCH", str(tmp_path / "scratch"))
    monkeypatch.setenv("LORAFORGE_MODEL_CACHE", str(tmp_path / "models"))
    store, uri = LocalStore(tmp_path / "store"), f"sqlite:///{tmp_path / 'mlflow.db'}"
    target = Target(tenant="acme", project="boots", tracking_uri=uri)
    version = run_data_prep(_three_files(tmp_path / "docs"), store, target=target).version
    config = FineTuneConfig(
        training={"max_steps": 4}, evaluation={"max_new_tokens": 4, "max_examples": 2}, export_merged=True
    )
    outcome = run_fine_tune(version, store, config, target)

    key = f"acme/boots/runs/{outcome.run_name}/merged"
    assert outcome.merged_uri == store.uri(key)
    merged = tmp_path / "store" / key
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "loraforge_merge.json"} <= {
        p.name for p in merged.iterdir()
    }
    assert AutoModelForCausalLM.from_pretrained(merged).num_parameters() > 0
    run_prefix = f"acme/boots/runs/{outcome.run_name}"
    assert read_json(store, f"{run_prefix}/outcome.json")["merged_uri"] == outcome.merged_uri

    client = Tracker("acme", "boots", uri).client
    logged = {a.path for a in client.list_artifacts(outcome.mlflow_run_id, "merged")}
    assert {"merged/model.safetensors", "merged/tokenizer.json", "merged/loraforge_merge.json"} <= logged
    assert client.get_run(outcome.mlflow_run_id).data.tags["merged_model"] == outcome.merged_uri
    assert f"merged model (base + adapter, no PEFT needed) `{merged}`" in report_markdown(
        outcome, read_json(store, f"{run_prefix}/eval_report.json")
    )


def test_the_cli_flag_sets_the_export() -> None:
    from loraforge.cli import parser_for, run_config

    for command, argv in (("train", ["ds-0123456789ab"]), ("pipeline", ["--source", "docs"])):
        assert run_config(parser_for(command).parse_args([*argv, "--export-merged"])).fine_tune.export_merged is True
        assert run_config(parser_for(command).parse_args(argv)).fine_tune.export_merged is False
