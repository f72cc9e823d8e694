"""Variants of the tiny model with a real chat model's control tokens and template, offline.

`build_chat_model` adds the special tokens of a Qwen2.5-Coder-style vocabulary (ChatML turns,
FIM markers, file and repository separators) to the tiny model's tokenizer, gives it a chat
template (ChatML unless told otherwise: Gemma's, Mistral's, a reasoning model's...), resizes
the embeddings and saves it; `export_chat_gguf` writes the same as a GGUF through the product's
exporter, so llama.cpp reads the tokens as control tokens and the template from its metadata.
The weights of the new tokens are untrained: these models prove plumbing, never text.

`EvaluatedIds` reads the token ids a model really evaluated: a forward pre-hook on a
transformers model (the prompt of its first forward pass), or llama.cpp's own record of the
tokens in its context (``Llama.input_ids``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_pachinco.training.gguf_export import export_gguf

QWEN_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
)
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_chat_model(
    tiny_model_dir: Path,
    out_dir: Path,
    template: str = CHATML,
    tokens: tuple[str, ...] = QWEN_TOKENS,
    eos: str = "<|im_end|>",
) -> Path:
    """The tiny model with ``tokens`` as special tokens and ``template``, saved to ``out_dir``
    (reused when it already holds this recipe)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    recipe = {"template": template, "tokens": list(tokens), "eos": eos}
    marker = out_dir / "chat_model.json"
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return out_dir
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.add_special_tokens({"additional_special_tokens": list(tokens)})
    tokenizer.eos_token = eos
    tokenizer.chat_template = template
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    model.resize_token_embeddings(len(tokenizer))
    end = tokenizer.convert_tokens_to_ids(eos)
    model.config.eos_token_id = end
    model.generation_config.eos_token_id = end
    tokenizer.save_pretrained(out_dir)
    model.save_pretrained(out_dir)
    marker.write_text(json.dumps(recipe))
    return out_dir


def export_chat_gguf(model_dir: Path, out_path: Path) -> Path:
    """``model_dir`` (from `build_chat_model`) as a float32 GGUF at ``out_path``."""
    if not out_path.exists():
        export_gguf(model_dir, out_path, "f32")
    return out_path


class EvaluatedIds:
    """The prompt ids each forward pass of a transformers model began with (first call of a
    ``generate``: the whole prompt)."""

    def __init__(self) -> None:
        self.prompts: list[list[int]] = []

    def __call__(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        ids = kwargs.get("input_ids")
        if ids is None and args:
            ids = args[0]
        cache = kwargs.get("past_key_values")
        first = cache is None or getattr(cache, "get_seq_length", lambda: 0)() == 0
        if ids is not None and first:
            self.prompts.append(ids[0].tolist())


@contextmanager
def evaluated_ids(model: Any) -> Iterator[EvaluatedIds]:
    """Record what ``model`` (a transformers model) evaluates while the block runs."""
    recorder = EvaluatedIds()
    handle = model.register_forward_pre_hook(recorder, with_kwargs=True)
    try:
        yield recorder
    finally:
        handle.remove()


def llama_context_ids(llama: Any) -> list[int]:
    """The token ids in a llama.cpp model's context (what it evaluated last)."""
    return [int(t) for t in llama.input_ids[: llama.n_tokens]]
