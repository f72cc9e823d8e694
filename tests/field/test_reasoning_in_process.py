"""Kind 3 (#27), in process: after a template that opens the thinking in its generation
prompt (DeepSeek-R1 distills, QwQ), what the model writes is thinking until it closes it, in
both in-process backends, while it streams. The tiny model's text is never asserted: eight
tokens cannot both close the thinking and say anything after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Fetch, generate, generate_body
from tests.support.chat_models import CHATML, build_chat_model, export_chat_gguf

# A DeepSeek-R1-style template: the generation prompt opens the thinking itself.
OPENS_THINKING = CHATML.replace(
    "<|im_start|>assistant\n{% endif %}", "<|im_start|>assistant\n<think>\n{% endif %}"
)


@pytest.fixture(scope="module")
def thinking_model(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_chat_model(tiny_model_dir, tmp_path_factory.mktemp("r1"), OPENS_THINKING)


@pytest.fixture(params=["transformers", "llamacpp"])
def jp_server_config(request: pytest.FixtureRequest, thinking_model: Path) -> Any:
    model = thinking_model
    if request.param == "llamacpp":
        model = export_chat_gguf(thinking_model, thinking_model.parent / "r1.gguf")
    settings = {"backend": request.param, "model": str(model)}
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
        "BackendSettings": settings,
    }


async def test_after_a_template_that_opens_thinking_everything_is_thinking_until_it_closes(
    jp_fetch: Fetch,
) -> None:
    # "</think>" is eight characters: eight tokens cannot close it and say more after it.
    body = generate_body(options={"n": 1, "max_new_tokens": 8})
    lines = await generate(jp_fetch, body)
    [answer] = _of_type(lines, "answer")
    thinking = "".join(line["text"] for line in _of_type(lines, "reasoning"))
    assert thinking.strip()  # the model said something, and it went to the thinking
    assert "".join(line["text"] for line in _of_type(lines, "delta")) == ""
    assert answer["candidate"]["code"] == ""
    assert answer["candidate"]["reasoning"] == thinking.strip()


def _of_type(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == kind]
