"""``train export``: the merged model, written as GGUF, is what llama.cpp serves."""

from __future__ import annotations

from pathlib import Path

import gguf
import httpx
import numpy as np
import pytest
import torch
from llama_cpp import Llama
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from jupyter_pachinco.cli import main
from jupyter_pachinco.training.base_model import resolve_base
from jupyter_pachinco.training.gguf_export import export_gguf, llama_tensors
from tests.support.greedy import (
    TOLERANCE,
    check_greedy_texts,
    hf_piece,
    hf_reference,
    log_softmax,
)
from tests.support.llama_server import MODEL_ALIAS, llama_server

from .test_train import train

PROMPT = (
    "import pandas as pd\nsales = pd.read_csv('sales.csv')\n\n\n# In[ ]:\n\n\n# mean of price\n"
)
# Fixed prompts whose next-token distributions the two engines must agree on.
PROMPTS = [
    PROMPT,
    "import pandas as pd\nscores = pd.read_csv('scores.csv')\n# Columns in scores: age, city\n",
    "df.groupby('city')['price'].sum()\n",
]


def gguf_weights(path: Path) -> dict[str, np.ndarray]:
    """Tensor name -> float32 array, read back from the GGUF file by the `gguf` package."""
    reader = gguf.GGUFReader(str(path))
    return {t.name: np.asarray(t.data, dtype=np.float32) for t in reader.tensors}


def next_token_logprobs(llama: Llama, ids: list[int]) -> np.ndarray:
    """llama.cpp's log-probabilities at every position of `ids`: shape [len(ids), vocabulary]."""
    llama.reset()
    llama.eval(ids)
    return log_softmax(np.array(llama.scores[: len(ids)]))


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

    # The merge, done here by peft itself, independently of the export.
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    base_q = base.state_dict()["model.layers.0.self_attn.q_proj.weight"].clone()
    merged = PeftModel.from_pretrained(base, str(run)).merge_and_unload().eval()
    assert not torch.equal(merged.state_dict()["model.layers.0.self_attn.q_proj.weight"], base_q)

    # 1. The file holds the merged weights (f32 written and read back: equal to rounding).
    written = gguf_weights(gguf_path)
    expected = llama_tensors(merged, "f32")
    assert sorted(written) == sorted(expected)
    for name, tensor in expected.items():
        assert written[name].shape == tensor.shape, name
        np.testing.assert_allclose(written[name], tensor, rtol=0, atol=1e-6, err_msg=name)

    # 2. llama.cpp computes the distribution transformers computes, at every position.
    tokenizer = AutoTokenizer.from_pretrained(run)
    llama = Llama(str(gguf_path), n_ctx=256, n_threads=1, logits_all=True, verbose=False)
    worst = 0.0
    for prompt in PROMPTS:
        ids = tokenizer(prompt)["input_ids"]
        assert llama.tokenize(prompt.encode(), add_bos=False, special=True) == ids
        with torch.inference_mode():
            reference = log_softmax(merged(torch.tensor([ids])).logits[0].numpy())
        theirs = next_token_logprobs(llama, ids)
        likely = reference > -20  # far tails carry no decision and only exp-rounding noise
        worst = max(worst, float(np.abs(theirs - reference)[likely].max()))
    llama.close()
    assert worst < TOLERANCE, f"llama.cpp and transformers differ by {worst} in a log-probability"

    # 3. What the llama.cpp server decodes greedily is transformers' greedy answer, wherever the
    # top-1 margin exceeds the tolerance (the tiny model's logits hold many near-ties). The
    # server's sampling applies a repeat penalty of 1.1 to tokens it already generated unless
    # asked not to, and transformers' reference has none: without `repeat_penalty: 1.0` a
    # generated token that comes again is pushed down on the server only.
    with llama_server(gguf_path, tmp_path / "server.log") as base_url:
        body = {
            "model": MODEL_ALIAS,
            "prompt": PROMPT,
            "max_tokens": 16,
            "temperature": 0,
            "repeat_penalty": 1.0,
        }
        reply = httpx.post(f"{base_url}/completions", json=body, timeout=120).json()
    served = reply["choices"][0]["text"]
    check_greedy_texts(
        tokenizer(PROMPT)["input_ids"],
        [served],
        hf_reference(merged),
        hf_piece(tokenizer),
        end_ids=[tokenizer.eos_token_id],
        tol=TOLERANCE,
    )


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
