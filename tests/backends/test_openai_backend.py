"""The OpenAI-compatible backend's normal behaviour against a local SSE server."""

from __future__ import annotations

from jupyter_pachinco.backends import CandidateFinished, ChatMessage, GenerationRequest, TextDelta
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

ANSWER = "df['price'].mean()"


async def test_server_that_honours_n_gets_one_request(monkeypatch: object) -> None:
    async with FakeOpenAIServer([Behaviour()]) as server:
        backend = OpenAIBackend(server.base_url, "tiny")
        done = await backend.generate(GenerationRequest(prompt="x", n=3, seed=5)).collect()
        await backend.aclose()
    assert done.texts == [ANSWER] * 3
    assert [r.body["n"] for r in server.requests] == [3]
    assert server.requests[0].path == "/v1/completions"
    assert server.requests[0].body["seed"] == 5
    assert [u.prompt_tokens for u in done.usages] == [3, 3, 3]


async def test_missing_choices_are_filled_then_asked_in_parallel_from_the_start() -> None:
    async with FakeOpenAIServer([Behaviour(honour_n=False)]) as server:
        backend = OpenAIBackend(server.base_url, "tiny")
        first = await backend.generate(GenerationRequest(prompt="x", n=3, seed=1)).collect()
        asked_first = [(r.body["n"], r.body["seed"]) for r in server.requests]
        server.requests.clear()
        second = await backend.generate(GenerationRequest(prompt="x", n=3, seed=1)).collect()
        await backend.aclose()
    assert first.texts == second.texts == [ANSWER] * 3
    assert first.finish_reasons == ["stop"] * 3
    assert asked_first[0] == (3, 1)
    assert sorted(asked_first[1:]) == [(1, 2), (1, 3)]
    assert sorted((r.body["n"], r.body["seed"]) for r in server.requests) == [
        (1, 1),
        (1, 2),
        (1, 3),
    ]
    assert [u.completion_tokens for u in second.usages] == [3, 3, 3]


async def test_chat_goes_to_chat_completions_and_streams_in_order() -> None:
    async with FakeOpenAIServer([Behaviour(words=("a", "b", "c", "d"))]) as server:
        backend = OpenAIBackend(server.base_url, "tiny")
        request = GenerationRequest(messages=(ChatMessage("user", "hi"),), max_new_tokens=3)
        events = [event async for event in backend.generate(request)]
        await backend.aclose()
    assert server.requests[0].path == "/v1/chat/completions"
    assert server.requests[0].body["messages"] == [{"role": "user", "content": "hi"}]
    assert events[:3] == [TextDelta(0, "a"), TextDelta(0, "b"), TextDelta(0, "c")]
    assert isinstance(events[3], CandidateFinished)
    assert events[3].reason == "length"
    assert len(events) == 4


async def test_stop_strings_are_trimmed_even_if_the_server_ignores_them() -> None:
    async with FakeOpenAIServer([Behaviour()]) as server:
        backend = OpenAIBackend(server.base_url, "tiny")
        done = await backend.generate(GenerationRequest(prompt="x", stop=("ice",))).collect()
        await backend.aclose()
    assert server.requests[0].body["stop"] == ["ice"]
    assert done.texts == ["df['pr"]
    assert done.finish_reasons == ["stop"]


async def test_cancel_while_the_server_stalls_ends_promptly_as_cancelled() -> None:
    async with FakeOpenAIServer([Behaviour("stall_mid")]) as server:
        backend = OpenAIBackend(server.base_url, "tiny", read_timeout=60.0)
        generation = backend.generate(GenerationRequest(prompt="x", n=2))
        events = []
        async for event in generation:
            events.append(event)
            if isinstance(event, TextDelta):
                generation.cancel()
        await backend.aclose()
    finishes = [e for e in events if isinstance(e, CandidateFinished)]
    assert sorted((f.index, f.reason) for f in finishes) == [(0, "cancelled"), (1, "cancelled")]
