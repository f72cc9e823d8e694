"""The OpenAI-compatible backend against a real llama-cpp-python server on the tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_cpp import Llama
from transformers import AutoTokenizer

from jupyter_pachinco.backends import ChatMessage, GenerationRequest, TextDelta
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from tests.support.greedy import check_greedy_texts, llama_reference
from tests.support.llama_server import MODEL_ALIAS, llama_server

from .gguf_export import export_gguf

PROMPT = (
    "import pandas as pd\nscores = pd.read_csv('scores.csv')\n"
    "# Columns in scores: age, city\n\n\n# In[ ]:\n\n\n"
)
QUESTION = "How do I summarize age by city in df?"


@pytest.fixture(scope="module")
def tiny_gguf(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_gguf(tiny_model_dir, tmp_path_factory.mktemp("llama") / "tiny.gguf")


@pytest.fixture(scope="module")
def llama_url(tiny_gguf: Path) -> Iterator[str]:
    with llama_server(tiny_gguf, tiny_gguf.with_name("server.log")) as base_url:
        yield base_url


def assert_llama_greedy(gguf_path: Path, prompt: str, *texts: str) -> None:
    """Each text is llama.cpp's greedy answer to `prompt`, up to a near-tie.

    The server evaluates a prompt in one batch and a cached one a token at a time: other float
    orders, so equal texts only where the top-1 margin is wide (tests/support/greedy). The
    server's sampling applies its default repeat penalty of 1.1, and so does the reference.
    """
    llama = Llama(str(gguf_path), n_ctx=1024, n_threads=1, logits_all=True, verbose=False)
    ids = llama.tokenize(prompt.encode(), add_bos=False, special=True)
    next_logprobs, piece = llama_reference(llama, len(ids), repeat_penalty=1.1)
    check_greedy_texts(ids, texts, next_logprobs, piece, end_ids=[llama.token_eos()])
    llama.close()


def plain_answer(base_url: str, path: str, payload: dict[str, Any]) -> str:
    """The server's own non-streamed answer, asked without our backend."""
    body = {"model": MODEL_ALIAS, "temperature": 0, **payload}
    reply = httpx.post(f"{base_url}{path}", json=body, timeout=60).json()
    choice = reply["choices"][0]
    text: str = choice["text"] if "text" in choice else choice["message"]["content"]
    return text


async def test_raw_completion_streams_the_servers_own_answer(
    llama_url: str, tiny_gguf: Path
) -> None:
    backend = OpenAIBackend(llama_url, MODEL_ALIAS)
    generation = backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=30))
    events = [event async for event in generation]
    await backend.aclose()
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 5  # streamed token by token, not in one piece
    assert events.index(deltas[-1]) < len(events) - 1  # the finish comes last
    served = plain_answer(llama_url, "/completions", {"prompt": PROMPT, "max_tokens": 30})
    assert generation.finish_reasons == ["length"]
    assert_llama_greedy(tiny_gguf, PROMPT, generation.texts[0], served)


async def test_chat_goes_through_the_models_chat_template(
    llama_url: str, tiny_gguf: Path, tiny_model_dir: Path
) -> None:
    backend = OpenAIBackend(llama_url, MODEL_ALIAS)
    messages = (ChatMessage("user", QUESTION),)
    done = await backend.generate(GenerationRequest(messages=messages, max_new_tokens=40)).collect()
    await backend.aclose()
    expected = plain_answer(
        llama_url,
        "/chat/completions",
        {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": 40},
    )
    templated = AutoTokenizer.from_pretrained(tiny_model_dir).apply_chat_template(
        [{"role": "user", "content": QUESTION}], add_generation_prompt=True, tokenize=False
    )
    assert_llama_greedy(tiny_gguf, templated, done.texts[0], expected)


async def test_n3_fills_the_choices_llama_cpp_does_not_return(llama_url: str) -> None:
    backend = OpenAIBackend(llama_url, MODEL_ALIAS)
    greedy = await backend.generate(
        GenerationRequest(prompt=PROMPT, n=3, max_new_tokens=12)
    ).collect()
    assert backend.single_choice_server  # learned from the first answer
    sampled = await backend.generate(
        GenerationRequest(prompt=PROMPT, n=3, max_new_tokens=12, temperature=1.0, seed=3)
    ).collect()
    await backend.aclose()

    assert len(set(greedy.texts)) == 1
    assert greedy.texts[0]
    assert all(
        reason in ("stop", "length") for reason in greedy.finish_reasons + sampled.finish_reasons
    )
    assert all(sampled.texts)
    assert len(sampled.texts) == 3
