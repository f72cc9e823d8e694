"""The OpenAI-compatible backend against a local server that misbehaves on purpose."""

from __future__ import annotations

import json
import logging

import pytest

from jupyter_pachinco.backends import GenerationRequest
from jupyter_pachinco.backends.errors import (
    AuthenticationFailed,
    BackendError,
    ProtocolError,
    ServerFailed,
    ServerTimeout,
    ServerUnreachable,
)
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from jupyter_pachinco.backends.openai_errors import redact
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, free_port

KEY_ENV = "PACHINCO_TEST_KEY"
KEY = "sk-test-4f9a2c7e1b8d3f6a0c5e"


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> str:
    monkeypatch.setenv(KEY_ENV, KEY)
    caplog.set_level(logging.DEBUG)
    return KEY


def backend_for(base_url: str) -> OpenAIBackend:
    return OpenAIBackend(
        base_url,
        "tiny",
        api_key_env=KEY_ENV,
        connect_timeout=2.0,
        read_timeout=0.5,
        max_retries=2,
        retry_backoff=0.01,
    )


async def failure_of(server: FakeOpenAIServer | None, base_url: str, n: int = 1) -> BackendError:
    backend = backend_for(base_url)
    with pytest.raises(BackendError) as info:
        await backend.generate(GenerationRequest(prompt="df.", n=n)).collect()
    await backend.aclose()
    return info.value


def assert_no_key_anywhere(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    chain: BaseException | None = error
    while chain is not None:
        assert KEY not in str(chain)
        assert KEY not in repr(chain)
        assert KEY[:12] not in str(chain)
        chain = chain.__cause__ or chain.__context__
    assert KEY not in caplog.text


async def test_connection_refused(secret_key: str, caplog: pytest.LogCaptureFixture) -> None:
    error = await failure_of(None, f"http://127.0.0.1:{free_port()}/v1")
    assert isinstance(error, ServerUnreachable)
    assert "Cannot connect" in str(error)
    assert "base_url" in str(error)
    assert_no_key_anywhere(error, caplog)


async def test_messages_name_the_server_without_the_credentials_of_its_url(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    url = f"http://alice:url-s3cret@127.0.0.1:{port}/v1?api_key=query-k3y"
    backend = backend_for(url)
    error = await failure_of(None, url)
    assert isinstance(error, ServerUnreachable)
    assert f"http://127.0.0.1:{port}/v1" in str(error)
    chain: BaseException | None = error
    while chain is not None:
        for hidden in ("alice", "url-s3cret", "query-k3y"):
            assert hidden not in str(chain)
            assert hidden not in repr(backend)
            assert hidden not in caplog.text
        chain = chain.__cause__ or chain.__context__


async def test_stall_before_headers_times_out(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeOpenAIServer([Behaviour("stall_headers")]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, ServerTimeout)
    assert "before answering" in str(error)
    assert len(server.requests) == 1  # a timeout is not retried
    assert_no_key_anywhere(error, caplog)


async def test_stall_mid_stream_times_out(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeOpenAIServer([Behaviour("stall_mid")]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, ServerTimeout)
    assert "middle of its answer" in str(error)
    assert_no_key_anywhere(error, caplog)


async def test_401_says_which_variable_to_fix_without_echoing_the_key(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    echoed = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}"}})
    async with FakeOpenAIServer([Behaviour("status", 401, echoed)]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, AuthenticationFailed)
    assert error.status_code == 401
    assert KEY_ENV in str(error)
    assert "[redacted]" in str(error)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert len(server.requests) == 1
    assert_no_key_anywhere(error, caplog)


async def test_429_then_success_is_retried(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    limited = Behaviour(
        "status", 429, '{"error": {"message": "slow down"}}', (("Retry-After", "0"),)
    )
    async with FakeOpenAIServer([limited, Behaviour()]) as server:
        backend = backend_for(server.base_url)
        done = await backend.generate(GenerationRequest(prompt="df.")).collect()
        await backend.aclose()
    assert done.texts == ["df['price'].mean()"]
    assert done.finish_reasons == ["stop"]
    assert len(server.requests) == 2
    assert "HTTP 429; retry 1 of 2" in caplog.text
    assert KEY not in caplog.text


async def test_500_is_retried_then_reported(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeOpenAIServer([Behaviour("status", 500, "upstream crashed")]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, ServerFailed)
    assert "HTTP 500: upstream crashed" in str(error)
    assert len(server.requests) == 3
    assert_no_key_anywhere(error, caplog)


async def test_malformed_sse_line(secret_key: str, caplog: pytest.LogCaptureFixture) -> None:
    async with FakeOpenAIServer([Behaviour("malformed")]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, ProtocolError)
    assert "malformed stream" in str(error)
    assert len(server.requests) == 1  # text already streamed: never retried
    assert_no_key_anywhere(error, caplog)


async def test_connection_dropped_mid_stream(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeOpenAIServer([Behaviour("drop")]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, ProtocolError)
    assert "dropped in the middle" in str(error)
    assert_no_key_anywhere(error, caplog)


async def test_stream_that_ends_without_finishing(
    secret_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeOpenAIServer([Behaviour("no_finish")]) as server:
        error = await failure_of(server, server.base_url)
    assert isinstance(error, ProtocolError)
    assert "before finishing" in str(error)
    assert_no_key_anywhere(error, caplog)


def test_repr_names_the_variable_never_the_key(secret_key: str) -> None:
    backend = backend_for("http://127.0.0.1:9/v1")
    assert KEY_ENV in repr(backend)
    assert KEY not in repr(backend)
    assert KEY not in str(vars(backend))


@pytest.mark.parametrize(
    "echo",
    [
        f"Incorrect API key provided: {KEY[:6]}...{KEY[-4:]}",
        f"key ****************{KEY[-4:]} is not valid",
        f"key {KEY[7:15]} (a piece from the middle)",
        f"{KEY[:-1]} cut by one",
        KEY.upper().lower(),
    ],
)
def test_redaction_masks_every_fragment_that_could_identify_the_key(echo: str) -> None:
    masked = redact(echo, KEY)
    assert "[redacted]" in masked
    for size in (4, 5, 6):
        for start in range(len(KEY) - size + 1):
            fragment = KEY[start : start + size]
            if size >= 6 or start == 0 or start + size == len(KEY):
                assert fragment not in masked, (fragment, masked)
