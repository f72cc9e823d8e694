"""The completion model's own settings: what they replace of the chat model's (the prompt form it
gets is tests/completion/test_forms.py's)."""

from __future__ import annotations

from jupyter_pachinco.backends import BackendSettings
from jupyter_pachinco.server.completion_model import (
    CompletionModel,
    CompletionSettings,
)


def test_completion_settings_replace_only_what_they_set() -> None:
    chat = BackendSettings(backend="openai", base_url="http://chat/v1", model="big")

    async def unused() -> None:
        raise AssertionError

    own = CompletionModel(CompletionSettings(model="small"), chat, unused)  # type: ignore[arg-type]
    effective = own.effective_settings()
    assert (effective.backend, effective.base_url, effective.model) == (
        "openai",
        "http://chat/v1",
        "small",
    )
    assert CompletionSettings(model="small").own_model
    assert not CompletionSettings().own_model
