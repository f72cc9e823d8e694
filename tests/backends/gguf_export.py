"""Write the tiny Llama model as a float32 GGUF file that llama.cpp can serve, offline.

Only what the tiny model uses is supported: Llama architecture, byte-level BPE tokenizer.
Usage: ``python -m tests.backends.gguf_export MODEL_DIR OUT.gguf``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer


def _unrotate(weight: np.ndarray, heads: int) -> np.ndarray:
    """HF rotates query/key halves; llama.cpp's Llama expects interleaved pairs."""
    shape = weight.shape
    return (
        weight.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)
    )


def _tensors(model: Any, config: Any) -> dict[str, np.ndarray]:
    state = {name: value.to(torch.float32).numpy() for name, value in model.state_dict().items()}
    out = {
        "token_embd.weight": state["model.embed_tokens.weight"],
        "output_norm.weight": state["model.norm.weight"],
        "output.weight": state["lm_head.weight"],
    }
    layer_names = {
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
    for layer in range(config.num_hidden_layers):
        for hf_name, gguf_name in layer_names.items():
            weight = state[f"model.layers.{layer}.{hf_name}.weight"]
            if gguf_name == "attn_q":
                weight = _unrotate(weight, config.num_attention_heads)
            elif gguf_name == "attn_k":
                weight = _unrotate(weight, config.num_key_value_heads)
            out[f"blk.{layer}.{gguf_name}.weight"] = np.ascontiguousarray(weight)
    return out


def _add_tokenizer(writer: gguf.GGUFWriter, model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    spec = json.loads((model_dir / "tokenizer.json").read_text())
    vocab: dict[str, int] = spec["model"]["vocab"]
    special = {entry["id"]: entry["content"] for entry in spec["added_tokens"]}
    for token_id, content in special.items():
        vocab[content] = token_id
    tokens = sorted(vocab, key=vocab.__getitem__)
    types = [
        gguf.TokenType.CONTROL if vocab[t] in special else gguf.TokenType.NORMAL for t in tokens
    ]
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(False)
    writer.add_chat_template(tokenizer.chat_template)


def export_gguf(model_dir: Path | str, out_path: Path | str) -> Path:
    """Write `model_dir` (a saved tiny Llama) to `out_path` as GGUF (float32)."""
    model_dir, out_path = Path(model_dir), Path(out_path)
    config = AutoConfig.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    rope = getattr(config, "rope_parameters", None) or {}
    writer = gguf.GGUFWriter(str(out_path), "llama")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
    writer.add_rope_freq_base(float(rope.get("rope_theta", getattr(config, "rope_theta", 1e4))))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    _add_tokenizer(writer, model_dir)
    for name, tensor in _tensors(model, config).items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path


if __name__ == "__main__":
    print(export_gguf(sys.argv[1], sys.argv[2]))
