"""Kind 9 (#27): chat templates with their own rules.

A template that refuses a system message (Gemma 2: "System role not supported"), requires
strict alternation (Mistral), or drops the system message without a word still gets the
product's instructions, folded into the first user turn as llama.cpp does for Gemma; a
template that takes a system turn keeps it; one that cannot render gives an error naming the
model and the template's reason. Through the server API, on transformers and llama.cpp, with
the tiny model given each template; the prompt is read from the ids the model evaluated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend
from jupyter_pachinco.backends.transformers_backend import TransformersBackend
from jupyter_pachinco.prompting.chat import SYSTEM_INTRO
from tests.server.conftest import Fetch, generate, generate_body
from tests.support.chat_models import (
    CHATML,
    build_chat_model,
    evaluated_ids,
    export_chat_gguf,
    llama_context_ids,
)

GEMMA_TOKENS = ("<start_of_turn>", "<end_of_turn>")
GEMMA = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}"
    "{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
)
MISTRAL_TOKENS = ("[INST]", "[/INST]")
MISTRAL = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}"
    "{% endfor %}"
)
DROPS_SYSTEM = (
    "{% for message in messages %}{% if message['role'] != 'system' %}<|im_start|>"
    "{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TEMPLATES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    # name: (template, extra special tokens, end token, where the instructions must be)
    "gemma refuses the system role": (
        GEMMA,
        GEMMA_TOKENS,
        "<end_of_turn>",
        "<start_of_turn>user\n",
    ),
    "mistral alternates strictly": (MISTRAL, MISTRAL_TOKENS, "<|im_end|>", "[INST] "),
    "drops the system message": (DROPS_SYSTEM, (), "<|im_end|>", "<|im_start|>user\n"),
    "takes a system turn": (CHATML, (), "<|im_end|>", "<|im_start|>system\n"),
}
FAILING = {
    "never compiles": ("{% for message in messages %}{{ message['content'] }", "unexpected"),
    "always refuses": ("{{ raise_exception('This model needs a list of tools') }}", "tools"),
}
BACKENDS = ["transformers", "llamacpp"]


@pytest.fixture(scope="module")
def models(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each template's model folder, by name."""
    root = tmp_path_factory.mktemp("templates")
    built = {}
    for number, (name, (template, tokens, end, _)) in enumerate(TEMPLATES.items()):
        all_tokens = (*tokens, "<|im_start|>", "<|im_end|>")
        built[name] = build_chat_model(
            tiny_model_dir, root / str(number), template, all_tokens, end
        )
    for number, (name, (template, _)) in enumerate(FAILING.items()):
        built[name] = build_chat_model(tiny_model_dir, root / f"f{number}", template)
    return built


@pytest.fixture
def case(request: pytest.FixtureRequest, models: dict[str, Path]) -> tuple[str, str, Path]:
    backend, name = request.param
    folder = models[name]
    model = export_chat_gguf(folder, folder / "model.gguf") if backend == "llamacpp" else folder
    return backend, name, model


@pytest.fixture
def jp_server_config(case: tuple[str, str, Path]) -> Any:
    backend, _, model = case
    settings = {"backend": backend, "model": str(model)}
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
        "BackendSettings": settings,
    }


def every(names: Any) -> list[tuple[str, str]]:
    return [(backend, name) for backend in BACKENDS for name in names]


@pytest.mark.parametrize("case", every(TEMPLATES), indirect=True, ids="-".join)
async def test_the_instructions_reach_the_model_whatever_its_template_allows(
    jp_fetch: Fetch, case: tuple[str, str, Path]
) -> None:
    backend, name, model = case
    body = generate_body(options={"n": 1, "max_new_tokens": 1})
    if backend == "llamacpp":
        loaded: Any = LlamaCppBackend(str(model)).loaded()
        lines = await generate(jp_fetch, body)
        ids = llama_context_ids(loaded.llama)
        prompt = loaded.llama.detokenize(ids, special=True).decode("utf-8", "replace")
    else:
        loaded = TransformersBackend(str(model))._loaded(lambda _: None)
        with evaluated_ids(loaded.model) as recorder:
            lines = await generate(jp_fetch, body)
        prompt = loaded.tokenizer.decode(recorder.prompts[0], skip_special_tokens=False)
    assert lines[-1]["type"] == "done", lines[-1]
    where = TEMPLATES[name][3]
    assert f"{where}{SYSTEM_INTRO}" in prompt  # the instructions open that turn
    assert prompt.count(SYSTEM_INTRO) == 1
    assert "mean fare per class" in prompt  # and the request is there too


@pytest.mark.parametrize("case", every(FAILING), indirect=True, ids="-".join)
async def test_a_template_that_cannot_render_says_which_model_and_why(
    jp_fetch: Fetch, case: tuple[str, str, Path]
) -> None:
    _, name, model = case
    lines = await generate(jp_fetch, generate_body(options={"n": 1, "max_new_tokens": 1}))
    error = lines[-1]
    assert error["type"] == "error"
    assert model.name in error["message"]
    assert FAILING[name][1] in error["message"]
    assert "template" in error["message"]
