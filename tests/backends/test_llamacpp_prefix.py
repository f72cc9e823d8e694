"""Candidates that differ and a first question that does not pay for the fixed prompt, on the
real SmolLM2 GGUF through llama.cpp: several candidates sample at a temperature above 0 by
default, share one evaluated prompt, and a prefix evaluated once is restored after another
prompt took the context. Structure only: never what the model says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.assistant import Assistant, Delta, Done
from jupyter_pachinco.backends import GenerationRequest, LoadingProgress
from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend, encode_request
from jupyter_pachinco.backends.llamacpp_loading import forget_shared_ggufs
from jupyter_pachinco.backends.protocol import PREFIX_END

CELLS = [
    {"cell_type": "code", "source": "import pandas as pd", "outputs": []},
    {
        "cell_type": "code",
        "source": "sales = pd.DataFrame({'city': ['Oslo', 'Rome'], 'amount': [3, 4]})",
        "outputs": [],
    },
]


@pytest.fixture
def backend(smollm2_path: Path) -> Iterator[LlamaCppBackend]:
    forget_shared_ggufs()  # a fresh model and context for each test
    yield LlamaCppBackend(str(smollm2_path), n_ctx=2048)
    forget_shared_ggufs()


@pytest.fixture
def evaluated(backend: LlamaCppBackend) -> list[int]:
    """How many tokens each call of llama.cpp's eval took, from now on."""
    sizes: list[int] = []
    llama: Any = backend.loaded().llama
    original = llama.eval

    def counting(tokens: Any) -> None:
        sizes.append(len(tokens))
        original(tokens)

    llama.eval = counting
    return sizes


async def test_three_candidates_are_not_three_copies(backend: LlamaCppBackend) -> None:
    assistant = Assistant(backend, count_tokens=backend.token_counter())
    events = [
        event
        async for event in assistant.generate(
            "total amount per city", cells=CELLS, n=3, seed=5, max_new_tokens=40
        )
    ]
    assert isinstance(events[-1], Done)
    texts = ["", "", ""]
    for event in events:
        if isinstance(event, Delta):
            texts[event.index] += event.text
    assert all(texts)
    assert len(set(texts)) > 1  # sampled at a temperature above 0: not all identical


async def test_the_candidates_share_one_evaluated_prompt(
    backend: LlamaCppBackend, evaluated: list[int]
) -> None:
    request = GenerationRequest(
        prompt="# a fresh prompt for this test\nimport pandas as pd\n" * 8,
        n=3,
        temperature=0.8,
        seed=3,
        max_new_tokens=8,
    )
    prompt = encode_request(backend.loaded(), request)
    generation = backend.generate(request)
    await generation.collect()
    batches = [size for size in evaluated if size > 2]
    assert batches == [len(prompt)]  # the prompt was evaluated once for all three
    generated = sum(usage.completion_tokens or 0 for usage in generation.usages)
    assert sum(evaluated) <= len(prompt) + generated + 3


async def test_a_prefix_evaluated_once_is_restored_after_another_prompt(
    backend: LlamaCppBackend, evaluated: list[int]
) -> None:
    assistant = Assistant(backend, count_tokens=backend.token_counter())
    fixed = assistant.fixed_prefix()
    events = [event async for event in backend.prepare([fixed])]
    assert all(isinstance(event, LoadingProgress) for event in events)
    loaded = backend.loaded()
    fixed_tokens = encode_request(loaded, fixed, up_to=PREFIX_END)
    assert len(fixed_tokens) > 100
    assert evaluated == [len(fixed_tokens)]

    # Another prompt (ghost text, say) takes the context...
    await backend.generate(GenerationRequest(prompt="x = 1\n", max_new_tokens=4)).collect()
    evaluated.clear()
    # ...and the next question starts from the saved prefix, not from the first token.
    async for _ in assistant.generate("total amount per city", cells=CELLS, max_new_tokens=4):
        pass
    assert loaded.prefixes.last_reused >= len(fixed_tokens) - 1
    prompt = assistant.build_prompt("total amount per city", CELLS)
    assert not isinstance(prompt, str)
    question = encode_request(loaded, GenerationRequest(messages=prompt))
    assert evaluated[0] <= len(question) - len(fixed_tokens) + 1


async def test_a_notebooks_context_prepared_ahead_leaves_only_the_question(
    backend: LlamaCppBackend, evaluated: list[int]
) -> None:
    assistant = Assistant(backend, count_tokens=backend.token_counter())
    packed = assistant.pack("(prepare)", CELLS)
    [_ async for _ in backend.prepare([assistant.fixed_prefix(), assistant.context_prefix(packed)])]
    evaluated.clear()
    async for _ in assistant.generate("total amount per city", cells=CELLS, max_new_tokens=4):
        pass
    # Only the question's words and the end of the turn were left to evaluate.
    assert 0 < evaluated[0] <= 24
