"""The fake model server itself: one text per choice, scripts chosen by the request's content
or the end of its prompt, token limits and empty answers, what it saw (a client that went away
included), and going down and up again."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Rule

THREE = Behaviour(choices=(("a = 1\n", "a"), ("a = 1\n", "a"), ("1 / 0",)))


async def test_each_choice_streams_its_own_text_with_its_index() -> None:
    async with FakeOpenAIServer([THREE]) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        texts = ["", "", "", ""]
        finished: dict[int, str] = {}
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "q"}], n=4, stream=True
        )
        async for chunk in stream:
            for choice in chunk.choices:
                texts[choice.index] += choice.delta.content or ""
                if choice.finish_reason:
                    finished[choice.index] = choice.finish_reason
        await client.close()
    assert texts == ["a = 1\na", "a = 1\na", "1 / 0", "a = 1\na"]
    assert finished == {0: "stop", 1: "stop", 2: "stop", 3: "stop"}
    assert server.requests[0].state == "done"


async def test_completions_get_per_choice_texts_too() -> None:
    async with FakeOpenAIServer([THREE]) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        texts = ["", "", ""]
        stream = await client.completions.create(model="m", prompt="p", n=3, stream=True)
        async for chunk in stream:
            for choice in chunk.choices:
                texts[choice.index] += choice.text
        await client.close()
    assert texts == ["a = 1\na", "a = 1\na", "1 / 0"]


async def test_rules_pick_the_script_by_the_last_user_message_or_the_prompt() -> None:
    rules = (
        Rule("mean price", (Behaviour(words=("first",)), Behaviour(words=("second",)))),
        Rule("count", (Behaviour(words=("counted",)),)),
    )
    async with FakeOpenAIServer([Behaviour(words=("default",))], rules=rules) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)

        async def chat(*messages: str) -> str:
            history = [{"role": "user", "content": text} for text in messages]
            stream = await client.chat.completions.create(
                model="m",
                messages=history,  # type: ignore[arg-type]
                stream=True,
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

        async def complete(prompt: str) -> str:
            stream = await client.completions.create(model="m", prompt=prompt, stream=True)
            return "".join([c.choices[0].text async for c in stream if c.choices])

        assert await chat("the mean price please") == "first"
        # Only the last user message counts: the earlier "count" is not matched.
        assert await chat("count rows", "again the mean price") == "second"
        assert await chat("mean price") == "second"  # the last behaviour repeats
        assert await complete("# In[ ]:\n# count the rows\n") == "counted"
        assert await chat("something else") == "default"
        await client.close()
    assert [r.rule for r in server.requests] == ["mean price"] * 3 + ["count", None]


async def test_status_says_which_stream_the_client_closed() -> None:
    slow = Behaviour(words=tuple(f"w{i} " for i in range(200)), delay_s=0.02)
    async with FakeOpenAIServer([slow]) as server, httpx.AsyncClient() as client:
        body = {"model": "m", "prompt": "p", "stream": True}
        async with client.stream("POST", f"{server.base_url}/completions", json=body) as r:
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    break  # the first event: then go away mid-stream
        for _ in range(200):
            status = (await client.get(f"http://127.0.0.1:{server.port}/_script/status")).json()
            if status["requests"][0]["state"] != "streaming":
                break
            await asyncio.sleep(0.02)
    assert status["listening"] is True
    assert [(r["path"], r["state"]) for r in status["requests"]] == [
        ("/v1/completions", "closed_by_client")
    ]


async def test_down_refuses_connections_and_up_serves_again_on_the_same_port() -> None:
    async with FakeOpenAIServer([Behaviour()], control_port=0) as server:
        control = f"http://127.0.0.1:{server.control_port}/_script"
        async with httpx.AsyncClient() as client:
            assert (await client.post(f"{control}/down")).json()["listening"] is False
            with pytest.raises(httpx.ConnectError):
                await client.post(f"{server.base_url}/completions", json={"prompt": "p"})
            assert (await client.post(f"{control}/up")).json()["listening"] is True
            answer = await client.post(
                f"{server.base_url}/completions", json={"prompt": "p", "stream": True}
            )
            assert "df" in answer.text
            missing = await client.get(f"{control}/nothing")
        assert missing.status_code == 404
        assert json.loads(missing.text)["error"] == "no such path: /_script/nothing"


async def completion(
    client: openai.AsyncOpenAI, prompt: str, **fields: object
) -> tuple[str, str | None]:
    """The streamed text of one completion and its finish reason."""
    text, reason = "", None
    stream = await client.completions.create(model="m", prompt=prompt, stream=True, **fields)
    async for chunk in stream:
        for choice in chunk.choices:
            text += choice.text
            reason = choice.finish_reason or reason
    return text, reason


async def test_completion_rules_match_the_end_of_the_prompt_with_limits_and_suffix() -> None:
    rules = (Rule('groupby("', (Behaviour(words=("pcl", 'ass")', '["fare"]')),), ends_with=True),)
    async with FakeOpenAIServer([Behaviour(words=())], rules=rules) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        assert await completion(client, 'by = fares.groupby("', suffix=")") == (
            'pclass")["fare"]',
            "stop",
        )
        assert await completion(client, 'fares.groupby("', max_tokens=2) == ('pclass")', "length")
        # no rule matches (the text is not at the end): an empty answer, properly finished
        assert await completion(client, 'groupby(" and more') == ("", "stop")
        await client.close()
    first = server.requests[0]
    assert (first.suffix, first.rule, server.requests[2].rule) == (")", 'groupby("', None)
    assert first.events_sent >= 3
    assert first.ended is not None
    assert first.ended >= first.started
    assert (await server.wait_ended(2)).state == "done"
