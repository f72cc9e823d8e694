"""``train export``: merge a LoRA adapter into its base and write a GGUF file for llama.cpp.

Supports what ``train`` produces from Llama-architecture bases (the tiny test model,
SmolLM2): float32 or float16 weights (norms stay float32), tied or separate output
embeddings, byte-level BPE tokenizers. The tokenizer metadata is copied verbatim from the
GGUF file the base was dequantized from when there is one (pre-tokenizer, token types, chat
template, special ids); otherwise it is built from the folder's ``tokenizer.json``.
Layout follows llama.cpp's ``convert_hf_to_gguf.py`` (query/key rows back in llama.cpp's
rotary order).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from .base_model import gguf_source
from .errors import TrainingError

WeightType = Literal["f32", "f16"]

_LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def _unrotate(weight: Any, heads: int) -> Any:
    """HF rotates query/key halves; llama.cpp's Llama expects interleaved pairs."""
    shape = weight.shape
    return (
        weight.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)
    )


def llama_tensors(model: Any, weight_type: WeightType = "f32") -> dict[str, Any]:
    """GGUF tensor name -> numpy array for a transformers `LlamaForCausalLM`."""
    import numpy as np
    import torch

    config = model.config
    if config.model_type != "llama":
        raise TrainingError(f"GGUF export supports Llama models, not {config.model_type!r}")
    state = {name: value.to(torch.float32).numpy() for name, value in model.state_dict().items()}
    wide = np.float16 if weight_type == "f16" else np.float32
    out = {
        "token_embd.weight": state["model.embed_tokens.weight"].astype(wide),
        "output_norm.weight": state["model.norm.weight"],
    }
    if not getattr(config, "tie_word_embeddings", False):
        out["output.weight"] = state["lm_head.weight"].astype(wide)
    for layer in range(config.num_hidden_layers):
        for hf_name, gguf_name in _LAYER_NAMES.items():
            weight = state[f"model.layers.{layer}.{hf_name}.weight"]
            if gguf_name == "attn_q":
                weight = _unrotate(weight, config.num_attention_heads)
            elif gguf_name == "attn_k":
                weight = _unrotate(weight, config.num_key_value_heads)
            if weight.ndim == 2:
                weight = weight.astype(wide)
            out[f"blk.{layer}.{gguf_name}.weight"] = np.ascontiguousarray(weight)
    return out


def _add_hyperparameters(writer: Any, config: Any, weight_type: WeightType) -> None:
    import gguf

    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    rope = getattr(config, "rope_parameters", None) or {}
    theta = rope.get("rope_theta", getattr(config, "rope_theta", None) or 1e4)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(float(theta))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    file_type = (
        gguf.LlamaFileType.MOSTLY_F16 if weight_type == "f16" else gguf.LlamaFileType.ALL_F32
    )
    writer.add_file_type(file_type)


def _copy_tokenizer(writer: Any, source: Path) -> None:
    """Every ``tokenizer.*`` key of the GGUF file `source`, unchanged."""
    import gguf

    reader = gguf.GGUFReader(str(source))
    for name, field in reader.fields.items():
        if not name.startswith("tokenizer."):
            continue
        main_type = field.types[0]
        sub_type = field.types[-1] if main_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), main_type, sub_type=sub_type)


def _build_tokenizer(writer: Any, folder: Path) -> None:
    """Byte-level BPE metadata from ``folder/tokenizer.json`` (gpt-2 pre-tokenizer)."""
    import gguf
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    if spec["model"]["type"] != "BPE":
        raise TrainingError(f"{folder}: GGUF export supports BPE tokenizers only")
    vocab: dict[str, int] = dict(spec["model"]["vocab"])
    special = {entry["id"]: entry["content"] for entry in spec["added_tokens"]}
    for token_id, content in special.items():
        vocab[content] = token_id
    tokens = sorted(vocab, key=vocab.__getitem__)
    control, normal = gguf.TokenType.CONTROL, gguf.TokenType.NORMAL
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types([control if vocab[t] in special else normal for t in tokens])
    writer.add_token_merges(
        [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    )
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(False)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)


def write_gguf(
    model: Any,
    tokenizer_folder: Path,
    out_path: Path,
    weight_type: WeightType = "f32",
    tokenizer_gguf: Path | None = None,
) -> Path:
    """Write `model` (a transformers Llama) and its tokenizer to `out_path`; returns it.

    `tokenizer_gguf`: copy the tokenizer metadata from this GGUF file instead of building it
    from ``tokenizer_folder/tokenizer.json``.
    """
    import gguf

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tensors = llama_tensors(model, weight_type)
    writer = gguf.GGUFWriter(str(out_path), "llama")
    writer.add_name(out_path.stem)
    _add_hyperparameters(writer, model.config, weight_type)
    if tokenizer_gguf is not None:
        _copy_tokenizer(writer, tokenizer_gguf)
    else:
        _build_tokenizer(writer, tokenizer_folder)
    for name, tensor in tensors.items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path


def load_merged(folder: Path) -> tuple[Any, Path | None]:
    """(model, source GGUF) for a LoRA adapter (merged into its base) or a full model folder."""
    import torch
    from transformers import AutoModelForCausalLM

    adapter_config = folder / "adapter_config.json"
    if not adapter_config.is_file():
        if not (folder / "config.json").is_file():
            raise TrainingError(f"{folder}: neither a LoRA adapter nor a model folder")
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
        return model, gguf_source(folder)
    from peft import PeftModel

    base = json.loads(adapter_config.read_text(encoding="utf-8"))["base_model_name_or_path"]
    try:
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    except OSError as exc:
        raise TrainingError(f"cannot load the adapter's base model {base!r}: {exc}") from exc
    merged = PeftModel.from_pretrained(model, str(folder)).merge_and_unload()
    return merged, gguf_source(Path(base)) if Path(base).is_dir() else None


def export_gguf(folder: Path, out_path: Path, weight_type: WeightType = "f32") -> Path:
    """Merge `folder` (adapter or full model, with its tokenizer) and write `out_path`."""
    if not folder.is_dir():
        raise TrainingError(f"--adapter {str(folder)!r}: no such folder")
    model, source = load_merged(folder)
    return write_gguf(model, folder, out_path, weight_type, source)
