"""Merged export: the base model with the LoRA adapter folded into its weights, as a plain HF model folder.

For users who serve without PEFT (llama.cpp / Ollama after a GGUF conversion, TGI or vLLM without LoRA
support, a plain ``AutoModelForCausalLM.from_pretrained``). The folder holds safetensors weights, the
tokenizer with the chat template the adapter was trained with, the generation config, and
``loraforge_merge.json`` (what was merged into what).

Which base weights: the base as it is stored, in 16-bit (or whatever ``dtype`` asks): the NF4
quantisation of QLoRA is a training-time memory saving, not part of the model, so the adapter is merged
into the original weights (as LLaMA-Factory and axolotl do). A base that is *stored* quantised (a
bitsandbytes 4-bit checkpoint) is dequantised first. Merging into 4-bit weights is never done: it would
re-quantise the sum and lose the adapter's small updates.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any, Literal

from loraforge.finetune import register
from loraforge.finetune.manifests import FineTuneConfig, MergedModel, Packaged
from loraforge.finetune.stages import base_model_for, fetch_dataset
from loraforge.offline import ensure_offline
from loraforge.storage import ArtifactStore

log = logging.getLogger(__name__)

MergedDtype = Literal["auto", "bfloat16", "float16", "float32"]
MERGE_INFO = "loraforge_merge.json"


def merge_adapter(
    base_model: str, adapter_dir: str | Path, out_dir: str | Path, *, device: str = "cpu", dtype: MergedDtype = "auto"
) -> dict[str, Any]:
    """Write ``base_model`` + the adapter in ``adapter_dir``, merged, to ``out_dir`` (safetensors, tokenizer
    with chat template, generation config). ``dtype`` "auto": the base's own (its config's ``dtype``),
    bfloat16 when it names none. Returns what ``loraforge_merge.json`` records."""
    ensure_offline()
    from peft import PeftModel
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from loraforge.basemodel import load_tokenizer

    adapter_dir, out_dir = Path(adapter_dir), Path(out_dir)
    torch_dtype = resolve_dtype(AutoConfig.from_pretrained(base_model), dtype)
    model = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch_dtype, device_map={"": device})
    stored_quantized = getattr(model, "hf_quantizer", None) is not None
    if stored_quantized:  # a 4-bit checkpoint: back to torch_dtype before anything is added to it
        model = model.dequantize(dtype=torch_dtype)
        _forget_quantized_loading(model)
    merged = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
    merged = merged.to(torch_dtype)
    merged.config.dtype = torch_dtype
    shutil.rmtree(out_dir, ignore_errors=True)
    merged.save_pretrained(out_dir, safe_serialization=True)  # + generation_config.json from the base
    has_tokenizer = (adapter_dir / "tokenizer_config.json").exists()
    # the adapter's tokenizer is the training one: chat template (a base without one got loraforge's) and pad
    tokenizer = AutoTokenizer.from_pretrained(adapter_dir) if has_tokenizer else load_tokenizer(base_model)
    tokenizer.save_pretrained(out_dir)

    adapter_config = json.loads((adapter_dir / "adapter_config.json").read_text())
    info = {
        "base_model": base_model,
        "dtype": str(torch_dtype).removeprefix("torch."),
        "base_weights": "dequantized" if stored_quantized else "original",
        "lora_r": adapter_config.get("r"),
        "lora_alpha": adapter_config.get("lora_alpha"),
        "target_modules": sorted(adapter_config.get("target_modules") or []),
        "parameters": sum(p.numel() for p in merged.parameters()),
        "files": sorted(p.name for p in out_dir.iterdir()) + [MERGE_INFO],
        "size_bytes": sum(p.stat().st_size for p in out_dir.iterdir()),
    }
    (out_dir / MERGE_INFO).write_text(json.dumps(info, indent=2) + "\n")
    return info


def _forget_quantized_loading(model: Any) -> None:
    # transformers 5.23 keeps the 4-bit loader's weight conversions on the model after dequantize(), and
    # save_pretrained then tries to reverse them (NotImplementedError): the weights are plain tensors now.
    kept = []
    for conversion in getattr(model, "_weight_conversions", None) or []:
        try:
            conversion.reverse_transform()
        except NotImplementedError:
            continue
        kept.append(conversion)
    model._weight_conversions = kept


def resolve_dtype(config: Any, dtype: MergedDtype) -> Any:
    """The torch dtype to merge and save in: the one asked for, or the base's own ("auto")."""
    import torch

    if dtype != "auto":
        return getattr(torch, dtype)
    own = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if isinstance(own, str):
        own = getattr(torch, own, None)
    return own if own in (torch.bfloat16, torch.float16, torch.float32) else torch.bfloat16


def export_merged(store: ArtifactStore, packaged: Packaged, config: FineTuneConfig) -> Packaged:
    """Stage: merge the run's adapter into its base, upload the folder to the store (``<run>/merged``) and
    log it to the MLflow run (artifact path ``merged/``). Returns ``packaged`` with ``merged`` set."""
    trained = packaged.evaluated.trained
    run = trained.run
    adapter_dir = store.get_dir(trained.adapter_key, run.scratch / "adapter")
    # resolved again on this worker: a tiny base model built by the training worker may not be here
    base_model = base_model_for(trained.summary["config"]["model"]["name"], fetch_dataset(store, run))
    out = run.scratch / "merged"
    info = merge_adapter(
        base_model, adapter_dir, out, device=trained.summary.get("device", "cpu"), dtype=config.merged_dtype
    )
    key = f"{run.prefix}/merged"
    uri = store.put_dir(key, out)
    register.log_merged(run, out, uri)
    log.info("merged model (%s, %.1f MB) at %s", info["dtype"], info["size_bytes"] / 2**20, uri)
    merged = MergedModel(key=key, uri=uri, dtype=info["dtype"], size_bytes=info["size_bytes"], files=info["files"])
    return packaged.model_copy(update={"merged": merged})
