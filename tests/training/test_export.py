"""``train export``: the merged model, written as GGUF, is what llama.cpp serves."""

from __future__ import annotations

from pathlib import Path

import gguf
import httpx
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from jupyter_pachinco.cli import main
from jupyter_pachinco.training.base_model import resolve_base
from jupyter_pachinco.training.gguf_export import export_gguf, load_merged
from tests.backends.llama_server import MODEL_ALIAS, llama_server

from .test_train import train

PROMPT = (
    "import pandas as pd\nsales = pd.read_csv('sales.csv')\n\n\n# In[ ]:\n\n\n# mean of price\n"
)


def greedy(model: object, tokenizer: object, prompt: str, tokens: int) -> str:
    ids = tokenizer(prompt, return_tensors="pt").input_ids  # type: ignore[operator]
    out = model.generate(ids, max_new_tokens=tokens, do_sample=False)  # type: ignore[attr-defined]
    return tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)  # type: ignore[attr-defined]


@pytest.mark.timeout(600)  # real training on 2 shared cores
def test_the_exported_adapter_serves_the_merged_weights_in_llama_cpp(
    tiny_model_dir: Path, completion_examples: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    assert (
        train(
            tiny_model_dir, completion_examples, run, "--max-steps", "3", "--learning-rate", "0.05"
        )
        == 0
    )
    gguf_path = tmp_path / "tuned.gguf"
    assert (
        main(
            ["train", "export", "--adapter", str(run), "--output", str(gguf_path), "--dtype", "f32"]
        )
        == 0
    )

    merged, source = load_merged(run)
    assert source is None  # an HF base: the tokenizer is built from tokenizer.json
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(merged.state_dict()[name], base.state_dict()[name])  # LoRA merged in

    expected = greedy(merged, AutoTokenizer.from_pretrained(run), PROMPT, 16)
    with llama_server(gguf_path, tmp_path / "server.log") as base_url:
        body = {"model": MODEL_ALIAS, "prompt": PROMPT, "max_tokens": 16, "temperature": 0}
        reply = httpx.post(f"{base_url}/completions", json=body, timeout=120).json()
    assert reply["choices"][0]["text"] == expected


@pytest.mark.timeout(600)  # real training on 2 shared cores
def test_a_gguf_base_is_unpacked_once_and_its_tokenizer_goes_into_the_export(
    tiny_model_dir: Path, completion_examples: Path, tmp_path: Path
) -> None:
    base_gguf = export_gguf(tiny_model_dir, tmp_path / "base.gguf", "f32")
    cache = tmp_path / "cache"
    run = tmp_path / "run"
    assert (
        train(base_gguf, completion_examples, run, "--max-steps", "1", "--cache-dir", str(cache))
        == 0
    )
    (folder,) = (cache / "gguf").iterdir()
    weights = folder / "model.safetensors"
    written = weights.stat().st_mtime_ns
    assert resolve_base(str(base_gguf), cache) == str(folder)
    assert weights.stat().st_mtime_ns == written  # reused, not unpacked again

    tuned = export_gguf(run, tmp_path / "tuned.gguf", "f16")
    source, exported = gguf.GGUFReader(str(base_gguf)), gguf.GGUFReader(str(tuned))
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.chat_template"):
        assert exported.fields[key].contents() == source.fields[key].contents()
    types = {t.name: t.tensor_type for t in exported.tensors}
    assert types["blk.0.attn_q.weight"] == gguf.GGMLQuantizationType.F16
    assert types["blk.0.attn_norm.weight"] == gguf.GGMLQuantizationType.F32
