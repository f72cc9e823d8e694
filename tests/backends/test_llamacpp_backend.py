"""The in-process llama.cpp backend against the real llama-cpp-python and the real SmolLM2 GGUF.

Structure only (streaming, template, n, seeds, stops, cancellation, budget, log-probabilities):
never what the model says.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
from llama_cpp import Llama

from jupyter_pachinco.backends import (
    CandidateFinished,
    ChatMessage,
    GenerationRequest,
    LoadingProgress,
    TextDelta,
)
from jupyter_pachinco.backends.errors import InvalidRequest
from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend, encode_request
from jupyter_pachinco.backends.llamacpp_loading import forget_shared_ggufs
from jupyter_pachinco.backends.llamacpp_tokens import GGUFTokenCounter
from tests.support.greedy import check_greedy_texts, llama_reference

PROMPT = "import pandas as pd\nscores = pd.read_csv('scores.csv')\n# mean age by city\n"
QUESTION = (ChatMessage("user", "How do I take the mean age by city of the DataFrame scores?"),)


@pytest.fixture(scope="module")
def backend(smollm2_path: Path) -> LlamaCppBackend:
    return LlamaCppBackend(str(smollm2_path), n_ctx=1024)


def assert_greedy(
    backend: LlamaCppBackend, smollm2_path: Path, request: GenerationRequest, *texts: str
) -> None:
    """Each text is SmolLM2's greedy answer, up to a near-tie (tests/support/greedy).

    A prompt evaluated in one batch and a cached one whose last token is evaluated alone sum
    in other orders, so repeated greedy answers are equal where the top-1 margin is wide.
    """
    llama = Llama(str(smollm2_path), n_ctx=1024, n_threads=1, logits_all=True, verbose=False)
    ids = encode_request(backend.loaded(), request)
    next_logprobs, piece = llama_reference(llama, len(ids))
    check_greedy_texts(ids, texts, next_logprobs, piece, end_ids=[llama.token_eos()])
    llama.close()


async def test_first_use_reports_loading_then_streams_token_by_token(smollm2_path: Path) -> None:
    forget_shared_ggufs()
    backend = LlamaCppBackend(str(smollm2_path), n_ctx=1024)
    generation = backend.generate(GenerationRequest(messages=QUESTION, max_new_tokens=24))
    events = [event async for event in generation]
    stages = [e.stage for e in events if isinstance(e, LoadingProgress)]
    assert stages[0] == "load"
    assert stages[-1] == "ready"
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 5  # streamed, not in one piece
    assert isinstance(events[-1], CandidateFinished)
    assert "".join(d.text for d in deltas) == generation.texts[0]
    usage = generation.usages[0]
    assert usage.completion_tokens is not None
    assert usage.completion_tokens <= 24


async def test_chat_goes_through_the_ggufs_own_chat_template(backend: LlamaCppBackend) -> None:
    request = GenerationRequest(messages=QUESTION, max_new_tokens=8)
    await backend.generate(request).collect()
    loaded = backend.loaded()
    prompt = encode_request(loaded, request)
    text = loaded.llama.detokenize(prompt, special=True).decode()
    # SmolLM2's template is ChatML; its special tokens are single tokens, not spelled out.
    assert text.endswith("<|im_start|>assistant\n")
    assert f"<|im_start|>user\n{QUESTION[0].content}<|im_end|>" in text
    im_start = loaded.llama.tokenize(b"<|im_start|>", add_bos=False, special=True)
    assert len(im_start) == 1
    assert prompt.count(im_start[0]) == text.count("<|im_start|>")


async def test_raw_prompt_is_continued_as_is(backend: LlamaCppBackend) -> None:
    request = GenerationRequest(prompt=PROMPT, max_new_tokens=6)
    done = await backend.generate(request).collect()
    loaded = backend.loaded()
    prompt = encode_request(loaded, request)
    assert loaded.llama.detokenize(prompt).decode() == PROMPT
    assert done.usages[0].prompt_tokens == len(prompt)


async def test_n4_samples_each_with_its_own_seed(backend: LlamaCppBackend) -> None:
    request = GenerationRequest(prompt=PROMPT, n=4, temperature=1.0, seed=11, max_new_tokens=12)
    generation = backend.generate(request)
    events = [event async for event in generation]
    finished = [e for e in events if isinstance(e, CandidateFinished)]
    assert sorted(e.index for e in finished) == [0, 1, 2, 3]
    assert {e.index for e in events if isinstance(e, TextDelta)} == {0, 1, 2, 3}
    # Sequential scheduling: candidate i ends before candidate i + 1 starts.
    order = [e.index for e in events if isinstance(e, TextDelta | CandidateFinished)]
    assert order == sorted(order)
    again = await backend.generate(request).collect()
    assert again.texts == generation.texts  # same seeds, same samples
    alone = await backend.generate(
        GenerationRequest(prompt=PROMPT, temperature=1.0, seed=13, max_new_tokens=12)
    ).collect()
    assert alone.texts[0] == generation.texts[2]  # candidate 2 sampled with seed 11 + 2


async def test_greedy_candidates_share_one_answer(
    backend: LlamaCppBackend, smollm2_path: Path
) -> None:
    request = GenerationRequest(prompt=PROMPT, n=3, max_new_tokens=10)
    done = await backend.generate(request).collect()
    assert len(done.texts) == 3
    assert all(done.texts)
    assert_greedy(backend, smollm2_path, request, *done.texts)


async def test_a_stop_string_cuts_the_answer_before_it(
    backend: LlamaCppBackend, smollm2_path: Path
) -> None:
    request = GenerationRequest(prompt=PROMPT, max_new_tokens=40)
    free = await backend.generate(request).collect()
    text = free.texts[0]
    assert len(text) > 12
    stop = text[6:10]  # a piece the greedy answer is known to contain
    cut = await backend.generate(
        GenerationRequest(prompt=PROMPT, max_new_tokens=40, stop=(stop,))
    ).collect()
    assert cut.finish_reasons == ["stop"]
    assert stop not in cut.texts[0]
    # The cut answer is the free one up to the stop string (or parts from it at a near-tie).
    assert_greedy(backend, smollm2_path, request, text, cut.texts[0] + stop)


async def test_cancel_mid_stream_frees_the_model_at_once(backend: LlamaCppBackend) -> None:
    generation = backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=400))
    deltas = 0
    async for event in generation:
        if isinstance(event, TextDelta):
            deltas += 1
            if deltas == 3:
                generation.cancel()
    assert generation.finish_reasons == ["cancelled"]
    usage = generation.usages[0]
    assert usage.completion_tokens is not None
    assert usage.completion_tokens < 400
    assert not backend.loaded().lock.locked()  # the next request need not wait
    after = await backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=4)).collect()
    assert after.finish_reasons[0] in {"stop", "length"}


async def test_closing_the_stream_early_cancels_and_releases(backend: LlamaCppBackend) -> None:
    generation = backend.generate(GenerationRequest(prompt=PROMPT, max_new_tokens=400))
    async for event in generation:
        if isinstance(event, TextDelta):
            break
    await generation.aclose()
    assert generation.cancelled
    assert not backend.loaded().lock.locked()


async def test_each_token_has_its_log_probability(backend: LlamaCppBackend) -> None:
    generation = backend.generate(GenerationRequest(prompt=PROMPT, n=2, temperature=0.9, seed=5))
    finished = [e async for e in generation if isinstance(e, CandidateFinished)]
    for event in finished:
        assert event.logprobs is not None
        assert len(event.logprobs) == event.usage.completion_tokens
        assert all(math.isfinite(lp) and lp <= 0 for lp in event.logprobs)


async def test_the_answer_never_overflows_the_context(smollm2_path: Path) -> None:
    small = LlamaCppBackend(str(smollm2_path), n_ctx=128)
    counter = GGUFTokenCounter(smollm2_path)
    prompt = PROMPT * 5
    prompt_tokens = counter(prompt) + 1  # the BOS token, when the model adds one
    done = await small.generate(GenerationRequest(prompt=prompt, max_new_tokens=400)).collect()
    n_ctx = small.loaded().n_ctx  # llama.cpp rounds the context up (to 256 here)
    assert 128 <= n_ctx < 400
    usage = done.usages[0]
    assert usage.prompt_tokens is not None
    assert usage.completion_tokens is not None
    assert usage.prompt_tokens <= prompt_tokens
    assert usage.prompt_tokens + usage.completion_tokens == n_ctx  # cut at the context's end
    assert done.finish_reasons == ["length"]
    with pytest.raises(InvalidRequest, match=f"context holds {n_ctx}"):
        await small.generate(GenerationRequest(prompt=PROMPT * 40, max_new_tokens=4)).collect()


def test_the_token_counter_is_the_models_own_tokenizer(
    backend: LlamaCppBackend, smollm2_path: Path
) -> None:
    counter = backend.token_counter()
    llama = backend.loaded().llama
    for text in ["", "df.groupby('city')['age'].mean()", "Größe € 数据"]:
        assert counter(text) == len(llama.tokenize(text.encode(), add_bos=False))
    assert counter("scores") < len("scores")  # tokens, not characters


async def test_concurrent_requests_take_turns_on_the_one_context(
    backend: LlamaCppBackend, smollm2_path: Path
) -> None:
    requests = [GenerationRequest(prompt=PROMPT, max_new_tokens=6) for _ in range(3)]
    done = await asyncio.gather(*(backend.generate(r).collect() for r in requests))
    texts = [d.texts[0] for d in done]
    assert all(texts)
    assert_greedy(backend, smollm2_path, requests[0], *texts)  # greedy: one answer each time


async def test_the_assistant_hands_each_candidates_likelihood_to_ranking(
    backend: LlamaCppBackend,
) -> None:
    from jupyter_pachinco.assistant import Assistant, Done

    assistant = Assistant(backend, count_tokens=backend.token_counter())
    events = [
        event
        async for event in assistant.generate(
            "mean age by city", n=2, temperature=0.9, seed=2, max_new_tokens=12
        )
    ]
    done = events[-1]
    assert isinstance(done, Done)
    assert len(done.likelihoods) == 2
    assert all(value is not None and value <= 0 for value in done.likelihoods)
