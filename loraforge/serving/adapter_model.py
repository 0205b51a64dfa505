"""The registered adapter as an MLflow pyfunc model (MLflow "models from code": this file is copied into
the model and run when it is loaded, so it imports nothing from loraforge).

    model = mlflow.pyfunc.load_model("models:/acme-advisory-adapter@champion")
    model.predict([{"messages": [{"role": "user", "content": "What is the advisory fee?"}]}])
    model.predict(pd.DataFrame({"prompt": ["What is the advisory fee?"], "max_new_tokens": [64]}))

The model's artifacts hold only the LoRA adapter (with the tokenizer and chat template training used);
the base model is referenced by ``model_config["base_model"]`` (a Hugging Face id or a local path),
loaded with ``from_pretrained`` when the model loads. Point it elsewhere at load time with
``mlflow.pyfunc.load_model(uri, model_config={"base_model": "/models/local-copy"})``. Without a system
turn in the input, the system prompt the adapter was trained with (``model_config["system_prompt"]``)
is prepended. Greedy by default; ``temperature`` > 0 samples. Returns one answer per input row.
"""

from __future__ import annotations

import math
import os
from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel

ADAPTER_ARTIFACT = "adapter"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rows(model_input: Any) -> list[dict[str, Any]]:
    """DataFrame / list of dicts / dict / str / list of str → one dict per request."""
    if hasattr(model_input, "to_dict"):  # pandas DataFrame
        return list(model_input.to_dict(orient="records"))
    if isinstance(model_input, str):
        return [{"prompt": model_input}]
    if isinstance(model_input, dict):
        return [model_input]
    return [{"prompt": row} if isinstance(row, str) else dict(row) for row in model_input]


class LoraAdapterModel(PythonModel):
    """Base model + LoRA adapter, chat in, generated text out."""

    def load_context(self, context):  # type: ignore[no-untyped-def]
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import torch
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer

        config = dict(context.model_config or {})
        adapter_dir = context.artifacts[ADAPTER_ARTIFACT]
        self.system_prompt = config.get("system_prompt") or None
        self.default_max_new_tokens = int(config.get("max_new_tokens") or 256)
        device = config.get("device") or "auto"
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        on_cuda = device.startswith("cuda")
        dtype = torch.bfloat16 if on_cuda and torch.cuda.is_bf16_supported() else torch.float32
        base_model = config["base_model"]
        # the tokenizer saved with the adapter carries the chat template the adapter was trained with
        has_tokenizer = os.path.exists(os.path.join(adapter_dir, "tokenizer_config.json"))
        self.tokenizer = AutoTokenizer.from_pretrained(adapter_dir if has_tokenizer else base_model)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        base = AutoModelForCausalLM.from_pretrained(base_model, dtype=dtype).to(device)
        self.model = PeftModel.from_pretrained(base, adapter_dir).eval()
        eos = {self.tokenizer.eos_token_id}
        configured = self.model.generation_config.eos_token_id
        eos |= set(configured if isinstance(configured, list) else [configured])
        eos.discard(None)
        self.eos = sorted(eos)

    def _messages(self, row: dict[str, Any]) -> list[dict[str, str]]:
        messages = row.get("messages")
        if hasattr(messages, "tolist"):  # a numpy array after schema enforcement
            messages = messages.tolist()
        if not isinstance(messages, list | tuple) or not messages:
            prompt = row.get("prompt")
            if _missing(prompt) or not str(prompt).strip():
                raise ValueError("each input needs 'messages' (a chat list) or 'prompt'")
            messages = [{"role": "user", "content": str(prompt)}]
        messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
        if self.system_prompt and messages[0]["role"] != "system":
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        return messages

    # no type hints: MLflow would read them as the input schema; the signature saved with the model is it
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        import torch

        params = params or {}
        answers = []
        for row in _rows(model_input):
            messages = self._messages(row)
            max_new_tokens = row.get("max_new_tokens")
            if _missing(max_new_tokens):
                max_new_tokens = params.get("max_new_tokens") or self.default_max_new_tokens
            temperature = row.get("temperature")
            if _missing(temperature):
                temperature = params.get("temperature") or 0.0
            if self.tokenizer.chat_template:
                text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            else:  # no chat template: the last user turn as plain text
                text = messages[-1]["content"]
            inputs = self.tokenizer(text, add_special_tokens=False, return_tensors="pt").to(self.device)
            sampling = float(temperature) > 0
            with torch.no_grad():
                out = self.model.generate(
                    **inputs,
                    max_new_tokens=int(max_new_tokens),
                    do_sample=sampling,
                    temperature=float(temperature) if sampling else None,
                    top_p=None,
                    top_k=None,
                    pad_token_id=self.tokenizer.pad_token_id,
                    eos_token_id=self.eos,
                )
            new_tokens = out[0, inputs["input_ids"].shape[1] :]
            answers.append(self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip())
        return answers


mlflow.models.set_model(LoraAdapterModel())
