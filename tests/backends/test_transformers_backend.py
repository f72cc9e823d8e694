"""The in-process transformers backend on the tiny offline model."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from jupyter_pachinco.backends import (
    CandidateFinished,
    ChatMessage,
    Event,
    GenerationRequest,
    LoadingProgress,
    TextDelta,
)
from jupyter_pachinco.backends.errors import ModelNotFound
from jupyter_pachinco.backends.transformers_backend import TransformersBackend
from jupyter_pachinco.backends.transformers_loading import forget_shared_models, shared_model
from tests.support.greedy import check_greedy_texts, hf_piece, hf_reference

Fetch = Callable[..., Awaitable[Any]]
PROMPT = (
    "import pandas as pd\nscores = pd.read_csv('scores.csv')\n"
    "# Columns in scores: age, city\n\n\n# In[ ]:\n\n\n"
)


def assert_greedy(folder: Path, prompt: str, *texts: str) -> None:
    """Each text is the plain model's greedy answer, up to a near-tie (tests/support/greedy)."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    check_greedy_texts(
        tokenizer(prompt)["input_ids"],
        texts,
        hf_reference(model),
        hf_piece(tokenizer),
        end_ids=[tokenizer.eos_token_id],
    )


async def all_events(backend: TransformersBackend, request: GenerationRequest) -> list[Event]:
    return [event async for event in backend.generate(request)]


def loaded(folder: Path) -> Any:
    return shared_model(str(folder), "cpu", "float32", True, lambda _: None)


async def test_first_use_reports_loading_then_streams_the_greedy_answer(
    tiny_model_dir: Path,
) -> None:
    forget_shared_models()
    backend = TransformersBackend(str(tiny_model_dir))
    events = await all_events(backend, GenerationRequest(prompt=PROMPT, max_new_tokens=30))

    kinds = [type(event).__name__ for event in events]
    first_delta = kinds.index("TextDelta")
    assert set(kinds[:first_delta]) == {"LoadingProgress"}
    stages = [e.stage for e in events[:first_delta] if isinstance(e, LoadingProgress)]
    assert stages[0] == "load"
    assert stages[-1] == "ready"
    assert kinds[-1] == "CandidateFinished"
    assert kinds.count("CandidateFinished") == 1
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert streamed
    assert_greedy(tiny_model_dir, PROMPT, streamed)

    again = await all_events(backend, GenerationRequest(prompt=PROMPT, max_new_tokens=5))
    assert not any(isinstance(e, LoadingProgress) for e in again)


async def test_n_seeded_samples_are_distinct_reproducible_and_each_finished_once(
    tiny_model_dir: Path,
) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    request = GenerationRequest(prompt=PROMPT, n=3, temperature=1.0, seed=11, max_new_tokens=25)
    first = await backend.generate(request).collect()
    second = await backend.generate(request).collect()

    assert first.texts == second.texts
    assert len(set(first.texts)) > 1
    assert all(reason in ("stop", "length") for reason in first.finish_reasons)
    for usage, text in zip(first.usages, first.texts, strict=True):
        assert usage.completion_tokens is not None
        assert 0 < usage.completion_tokens <= 25
        assert usage.prompt_tokens == len(loaded(tiny_model_dir).tokenizer(PROMPT)["input_ids"])
        assert text


async def test_stop_strings_end_the_answer_and_are_trimmed(tiny_model_dir: Path) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    full = await backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=30)).collect()
    text = full.texts[0]
    assert len(text) > 12
    stop = text[6:10]  # a piece the answer is known to contain (a few tokens of the tiny model)
    cut = await backend.generate(
        GenerationRequest(prompt=PROMPT, max_new_tokens=30, stop=(stop, "never appears"))
    ).collect()

    assert cut.texts[0] == text[: text.index(stop)]
    assert cut.finish_reasons == ["stop"]
    assert cut.usages[0].completion_tokens is not None
    assert cut.usages[0].completion_tokens < 30


async def test_cancel_mid_stream_stops_the_worker_and_frees_the_model(
    tiny_model_dir: Path,
) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    generation = backend.generate(GenerationRequest(prompt=PROMPT, n=2, max_new_tokens=1000))
    deltas = 0
    finishes: list[CandidateFinished] = []
    async for event in generation:
        if isinstance(event, TextDelta):
            deltas += 1
            if deltas == 3:
                generation.cancel()
        elif isinstance(event, CandidateFinished):
            finishes.append(event)

    assert sorted(f.index for f in finishes) == [0, 1]
    assert {f.reason for f in finishes} == {"cancelled"}
    assert all(
        f.usage.completion_tokens is not None and f.usage.completion_tokens < 100 for f in finishes
    )
    assert not loaded(tiny_model_dir).lock.locked()


async def test_leaving_a_generation_early_releases_the_model(tiny_model_dir: Path) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    generation = backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=1000))
    async for event in generation:
        if isinstance(event, TextDelta):
            break
    await generation.aclose()
    assert generation.cancelled
    assert not loaded(tiny_model_dir).lock.locked()


async def test_concurrent_requests_each_get_their_own_answer(tiny_model_dir: Path) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    other = PROMPT.replace("scores", "orders")
    requests = [GenerationRequest(prompt=p, max_new_tokens=20) for p in (PROMPT, other)]
    alone = [(await backend.generate(r).collect()).texts for r in requests]
    together = await asyncio.gather(*(backend.generate(r).collect() for r in requests))
    assert [c.texts for c in together] == alone
    assert alone[0] != alone[1]


async def test_server_keeps_answering_while_a_generation_runs(
    tiny_model_dir: Path, jp_fetch: Fetch
) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    await backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=1)).collect()
    # seeded samples that run for hundreds of tokens: far longer than three status requests
    long_run = GenerationRequest(prompt=PROMPT, n=3, temperature=1.0, seed=3, max_new_tokens=400)
    generation = backend.generate(long_run)
    started = asyncio.Event()

    async def consume() -> list[Event]:
        events = []
        async for event in generation:
            events.append(event)
            started.set()
        return events

    consumer = asyncio.create_task(consume())
    await started.wait()
    answers = [await jp_fetch("pachinco", "status") for _ in range(3)]
    still_running = not consumer.done()
    events = await consumer

    assert [a.code for a in answers] == [200, 200, 200]
    assert still_running
    assert isinstance(events[-1], CandidateFinished)


async def test_chat_messages_go_through_the_models_chat_template(tiny_model_dir: Path) -> None:
    backend = TransformersBackend(str(tiny_model_dir))
    messages = (ChatMessage("user", "How do I summarize age by city in df?"),)
    done = await backend.generate(GenerationRequest(messages=messages, max_new_tokens=40)).collect()
    tokenizer = loaded(tiny_model_dir).tokenizer
    templated = tokenizer.apply_chat_template(
        [{"role": "user", "content": messages[0].content}],
        add_generation_prompt=True,
        tokenize=False,
    )
    assert done.usages[0].prompt_tokens == len(tokenizer(templated)["input_ids"])
    assert "<|assistant|>" in templated
    assert done.finish_reasons[0] in ("stop", "length")


async def test_prompt_lookup_gives_the_same_greedy_answers(tiny_model_dir: Path) -> None:
    plain = TransformersBackend(str(tiny_model_dir))
    lookup = TransformersBackend(
        str(tiny_model_dir), prompt_lookup=True, prompt_lookup_num_tokens=5
    )
    request = GenerationRequest(prompt=PROMPT, n=2, max_new_tokens=40)
    batched = (await plain.generate(request).collect()).texts
    looked_up = (await lookup.generate(request).collect()).texts
    # Prompt lookup verifies several drafted tokens in one forward pass, a batch sums rows
    # together: other float orders, so the same greedy answer up to a near-tie, not exactly.
    assert all(batched + looked_up)
    assert_greedy(tiny_model_dir, PROMPT, *batched, *looked_up)


async def test_offline_missing_model_says_how_to_point_elsewhere() -> None:
    backend = TransformersBackend("nobody/no-such-model", local_files_only=True)
    with pytest.raises(ModelNotFound) as info:
        await backend.generate(GenerationRequest(prompt="x")).collect()
    message = str(info.value)
    assert "nobody/no-such-model" in message
    assert "local folder" in message
    assert "base_url" in message


async def test_missing_local_folder_is_reported_as_such(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-model-here")
    with pytest.raises(ModelNotFound, match="no model folder"):
        await TransformersBackend(missing).generate(GenerationRequest(prompt="x")).collect()


def test_the_greedy_check_refuses_a_token_the_model_would_not_pick(tiny_model_dir: Path) -> None:
    """The tolerance check is no rubber stamp: an unlikely first token fails it."""
    with pytest.raises(AssertionError, match="step 0"):
        assert_greedy(tiny_model_dir, PROMPT, "zqzq = 1\n")
