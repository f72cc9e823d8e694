"""Running cells in a real IPython kernel and reading back what the notebook would show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CELL_TIMEOUT_S = 100


@dataclass
class Execution:
    """One executed cell: the ``execute_reply`` content and the IOPub messages it caused."""

    reply: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.reply.get("status") == "ok")

    def stream(self, name: str) -> str:
        return "".join(
            m["content"]["text"]
            for m in self.messages
            if m["msg_type"] == "stream" and m["content"]["name"] == name
        )

    @property
    def next_input(self) -> str | None:
        """The text that ``set_next_input`` put into the next cell, if any."""
        for payload in self.reply.get("payload", []):
            if payload.get("source") == "set_next_input":
                text: str = payload["text"]
                return text
        return None

    def shown(self, msg_type: str, mime: str = "text/plain") -> list[Any]:
        """The ``mime`` data of every message of ``msg_type``, in order."""
        return [
            m["content"]["data"][mime]
            for m in self.messages
            if m["msg_type"] == msg_type and mime in m["content"].get("data", {})
        ]

    @property
    def error_name(self) -> str | None:
        names = [m["content"]["ename"] for m in self.messages if m["msg_type"] == "error"]
        return names[-1] if names else None


def run_cell(client: Any, code: str) -> Execution:
    """Execute ``code`` with a blocking client, like a notebook does."""
    seen: list[dict[str, Any]] = []
    reply = client.execute_interactive(code, timeout=CELL_TIMEOUT_S, output_hook=seen.append)
    return Execution(reply["content"], seen)


async def run_cell_async(client: Any, code: str) -> Execution:
    """Execute ``code`` with an async client, like a notebook does."""
    seen: list[dict[str, Any]] = []
    reply = await client.execute_interactive(code, timeout=CELL_TIMEOUT_S, output_hook=seen.append)
    return Execution(reply["content"], seen)


def user_variables(client: Any) -> dict[str, str]:
    """The user's variables by name, each as its ``repr`` (private names left out)."""
    code = (
        "import json as _json\n"
        "print(_json.dumps({k: repr(v) for k, v in globals().items() "
        "if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', 'get_ipython')}))"
    )
    import json

    shown = run_cell(client, code)
    assert shown.ok, shown.stream("stderr")
    values: dict[str, str] = json.loads(shown.stream("stdout"))
    return values
