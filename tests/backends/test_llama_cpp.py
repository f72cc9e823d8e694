"""The OpenAI-compatible backend against a real llama-cpp-python server on the tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from jupyter_pachinco.backends import ChatMessage, GenerationRequest, TextDelta
from jupyter_pachinco.backends.openai_backend import OpenAIBackend

from .gguf_export import export_gguf
from .llama_server import MODEL_ALIAS, llama_server

PROMPT = (
    "import pandas as pd\nscores = pd.read_csv('scores.csv')\n"
    "# Columns in scores: age, city\n\n\n# In[ ]:\n\n\n"
)
QUESTION = "How do I summarize age by city in df?"


@pytest.fixture(scope="module")
def llama_url(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("llama")
    gguf_path = export_gguf(tiny_model_dir, folder / "tiny.gguf")
    with llama_server(gguf_path, folder / "server.log") as base_url:
        yield base_url


def plain_answer(base_url: str, path: str, payload: dict[str, Any]) -> str:
    """The server's own non-streamed answer, asked without our backend."""
    body = {"model": MODEL_ALIAS, "temperature": 0, **payload}
    reply = httpx.post(f"{base_url}{path}", json=body, timeout=60).json()
    choice = reply["choices"][0]
    text: str = choice["text"] if "text" in choice else choice["message"]["content"]
    return text


async def test_raw_completion_streams_the_servers_own_answer(llama_url: str) -> None:
    backend = OpenAIBackend(llama_url, MODEL_ALIAS)
    generation = backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=30))
    events = [event async for event in generation]
    await backend.aclose()
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 5  # streamed token by token, not in one piece
    assert events.index(deltas[-1]) < len(events) - 1  # the finish comes last
    assert generation.texts == [
        plain_answer(llama_url, "/completions", {"prompt": PROMPT, "max_tokens": 30})
    ]
    assert generation.finish_reasons == ["length"]
    assert "scores" in generation.texts[0]


async def test_chat_goes_through_the_models_chat_template(llama_url: str) -> None:
    backend = OpenAIBackend(llama_url, MODEL_ALIAS)
    messages = (ChatMessage("user", QUESTION),)
    done = await backend.generate(GenerationRequest(messages=messages, max_new_tokens=40)).collect()
    await backend.aclose()
    expected = plain_answer(
        llama_url,
        "/chat/completions",
        {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": 40},
    )
    assert done.texts == [expected]
    assert "df" in done.texts[0]


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
