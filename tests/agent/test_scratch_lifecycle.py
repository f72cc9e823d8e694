"""A scratch dies with its request: finish, cancel, a dropped connection, a timeout, its
kernel's restart; no process of it remains. A kernel that cannot give one runs nothing, and
the user's kernel answers its own cells at once while an agent works."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from jupyter_pachinco.server.app import PachincoApp
from tests.server.conftest import Fetch, post_json, until
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Rule
from tests.support.user_kernel import evaluate, user_kernel

from .task import PLAN, SETUP, descendants, process_exists
from .test_agent_endpoint import agent_body, of_type, run_agent

# The plan streams slowly (a model at a few tokens a second), so that the run is surely in
# progress while the test acts on it.
SLOW_PLAN = [Behaviour(words=PLAN * 20, delay_s=0.3)]
TIME_LIMIT_S = 10.0
SLEEPING_STEP = ("Wait.\n", "```python\n", "import time\ntime.sleep(60)\nfares\n", "```\n")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    limits = {"agent_timeout_s": TIME_LIMIT_S, "agent_busy_wait_s": 0.5}
    return {**jp_server_config, "PachincoApp": limits}


def app_of(jp_serverapp: Any) -> PachincoApp:
    app: PachincoApp = jp_serverapp.web_app.settings["pachinco"]
    return app


def lines_of(received: list[bytes]) -> list[dict[str, Any]]:
    complete = b"".join(received).decode("utf-8", errors="replace").split("\n")[:-1]
    return [json.loads(line) for line in complete]


def streaming(jp_fetch: Fetch, body: dict[str, Any], received: list[bytes]) -> asyncio.Future[Any]:
    return asyncio.ensure_future(
        jp_fetch(
            "pachinco",
            "agent",
            method="POST",
            body=json.dumps(body),
            streaming_callback=received.append,
            raise_error=False,
        )
    )


async def scratch_pid(received: list[bytes]) -> int:
    await until(lambda: any(line["type"] == "scratch" for line in lines_of(received)))
    pid: int = next(line["pid"] for line in lines_of(received) if line["type"] == "scratch")
    return pid


async def settles(check: Callable[[], bool | Awaitable[bool]]) -> bool:
    """Whether ``check`` comes true within a few seconds (processes end on their schedule)."""
    try:
        await asyncio.wait_for(until(check), 20)
    except asyncio.TimeoutError:
        return False
    return True


@pytest.mark.parametrize("script", [SLOW_PLAN])
async def test_cancel_ends_the_run_and_its_scratch(jp_fetch: Fetch, jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        body = agent_body(kernel_id)
        received: list[bytes] = []
        stream = streaming(jp_fetch, body, received)
        pid = await scratch_pid(received)
        await until(lambda: bool(of_type(lines_of(received), "delta")))
        cancel = await post_json(jp_fetch, "pachinco", "agent", "cancel",
                                 body={"request_id": body["request_id"]})  # fmt: skip
        assert json.loads(cancel.body) == {"cancelled": True}
        await stream
        assert await settles(lambda: not process_exists(pid))
        assert await settles(lambda: descendants(kernel_pid) == [])
    lines = lines_of(received)
    assert lines[-1]["type"] == "done"
    assert lines[-1]["status"] == "cancelled"
    assert of_type(lines, "step") == []
    assert len(app_of(jp_serverapp).agent.sessions) == 0


@pytest.mark.parametrize(
    "script_rules", [(Rule("Write the code for step 1 only", (Behaviour(words=SLEEPING_STEP),)),)]
)
async def test_a_cancel_during_a_trial_kills_the_scratch_and_its_trial_children(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        body = agent_body(kernel_id)
        received: list[bytes] = []
        stream = streaming(jp_fetch, body, received)
        pid = await scratch_pid(received)
        # The scratch and the trial child sleeping in the candidate.
        await until(lambda: len(descendants(kernel_pid)) >= 2)
        await post_json(jp_fetch, "pachinco", "agent", "cancel",
                        body={"request_id": body["request_id"]})  # fmt: skip
        await stream
        assert await settles(lambda: not process_exists(pid))
        assert await settles(lambda: descendants(kernel_pid) == [])
    assert lines_of(received)[-1]["status"] == "cancelled"


@pytest.mark.parametrize("script", [SLOW_PLAN])
async def test_a_dropped_connection_ends_the_scratch(
    jp_serverapp: Any, http_server_client: Any, jp_http_port: int, jp_base_url: str
) -> None:
    app = app_of(jp_serverapp)
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        payload = json.dumps(agent_body(kernel_id)).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
        token = jp_serverapp.identity_provider.token
        writer.write(
            f"POST {jp_base_url}pachinco/agent HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: token {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        await reader.readuntil(b'"type": "delta"')  # the scratch is open, the plan streams
        assert len(descendants(kernel_pid)) == 1
        writer.close()
        await writer.wait_closed()
        assert await settles(lambda: len(app.agent.sessions) == 0)
        assert await settles(lambda: descendants(kernel_pid) == [])


@pytest.mark.parametrize("script", [SLOW_PLAN])
async def test_restarting_the_kernel_ends_its_scratch_and_the_run_says_so(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        received: list[bytes] = []
        stream = streaming(jp_fetch, agent_body(kernel_id, options={"n": 1}), received)
        pid = await scratch_pid(received)
        await jp_serverapp.kernel_manager.restart_kernel(kernel_id, now=True)
        assert await settles(lambda: not process_exists(pid))
        await stream
    lines = lines_of(received)
    assert lines[-1]["type"] == "error"
    assert lines[-1]["kind"] == "ScratchError"
    assert "kernel was restarted or stopped" in lines[-1]["message"]


@pytest.mark.parametrize("script", [SLOW_PLAN])
async def test_interrupting_the_kernel_leaves_the_scratch_working(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        received: list[bytes] = []
        body = agent_body(kernel_id)
        stream = streaming(jp_fetch, body, received)
        pid = await scratch_pid(received)
        await jp_serverapp.kernel_manager.interrupt_kernel(kernel_id)  # the user's Stop
        assert await evaluate(client, "1 + 1") == 2
        assert await settles(lambda: len(of_type(lines_of(received), "delta")) >= 3)
        assert process_exists(pid)
        assert not of_type(lines_of(received), "error")
        await post_json(jp_fetch, "pachinco", "agent", "cancel",
                        body={"request_id": body["request_id"]})  # fmt: skip
        await stream
    assert lines_of(received)[-1]["status"] == "cancelled"


@pytest.mark.parametrize("script", [SLOW_PLAN])
async def test_the_users_own_cell_runs_while_the_agent_works(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        received: list[bytes] = []
        body = agent_body(kernel_id)
        stream = streaming(jp_fetch, body, received)
        await until(lambda: bool(of_type(lines_of(received), "delta")))
        reply = await client.execute_interactive("total = fares['fare'].sum()", timeout=60)
        assert reply["content"]["status"] == "ok"
        # The user's cell ran to its end while the agent was still writing its plan.
        assert not of_type(lines_of(received), "done")
        assert not of_type(lines_of(received), "plan")
        assert await evaluate(client, "float(total)") == 148.0
        await post_json(jp_fetch, "pachinco", "agent", "cancel",
                        body={"request_id": body["request_id"]})  # fmt: skip
        await stream


@pytest.mark.parametrize("script", [[Behaviour(kind="stall_mid", words=PLAN)]])
async def test_a_run_past_its_time_limit_stops_and_its_scratch_ends(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        lines = await run_agent(jp_fetch, agent_body(kernel_id))
        assert await settles(lambda: descendants(kernel_pid) == [])
    assert lines[-1]["status"] == "cancelled"
    assert lines[-1]["reason"] == f"The run took longer than {TIME_LIMIT_S:g} s and was stopped."


async def test_a_busy_kernel_gives_no_scratch_and_nothing_runs(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        busy = asyncio.ensure_future(
            client.execute_interactive("import time; time.sleep(4)", timeout=60)
        )
        await until(
            lambda: jp_serverapp.kernel_manager.get_kernel(kernel_id).execution_state == "busy"
        )
        lines = await run_agent(jp_fetch, agent_body(kernel_id))
        await busy
    assert [line["type"] for line in lines] == ["error"]
    assert "busy" in lines[0]["message"]
    assert fake_openai.requests == []


async def test_a_kernel_that_cannot_fork_runs_nothing(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    # As on Windows: this kernel's os module has no fork.
    async with user_kernel(jp_serverapp, [SETUP, "import os\ndel os.fork"]) as (kernel_id, _c):
        lines = await run_agent(jp_fetch, agent_body(kernel_id))
    assert [line["type"] for line in lines] == ["error"]
    assert "cannot fork" in lines[0]["message"]
    assert fake_openai.requests == []
