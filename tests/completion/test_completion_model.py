"""Which prompt form a completion model gets: from settings, a served name, or its vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_pachinco.backends import BackendSettings
from jupyter_pachinco.completion import DEEPSEEK, QWEN
from jupyter_pachinco.server.completion_model import (
    CompletionModel,
    CompletionSettings,
    choose_mode,
    gguf_vocabulary,
)
from tests.support.smollm2 import smollm2_gguf


def test_an_explicit_setting_wins() -> None:
    settings = BackendSettings(backend="openai", base_url="http://x/v1", model="m")
    assert choose_mode("deepseek", settings) == ("fim", DEEPSEEK)
    assert choose_mode("prefix", settings) == ("prefix", None)
    assert choose_mode("suffix", settings) == ("suffix", None)


def test_a_served_model_is_known_by_its_name_else_gets_the_suffix_field() -> None:
    served = BackendSettings(
        backend="openai", base_url="http://x/v1", model="Qwen/Qwen2.5-Coder-1.5B"
    )
    assert choose_mode("auto", served) == ("fim", QWEN)
    other = BackendSettings(backend="openai", base_url="http://x/v1", model="gpt-x")
    assert choose_mode("auto", other) == ("suffix", None)


def test_a_gguf_without_fim_tokens_gets_a_prefix_prompt() -> None:
    path = smollm2_gguf()
    vocabulary = gguf_vocabulary(path)
    assert "<|im_start|>" in vocabulary  # SmolLM2's chat tokens, read from the file
    settings = BackendSettings(backend="llamacpp", model=str(path))
    assert choose_mode("auto", settings) == ("prefix", None)


def test_a_tokenizer_folder_with_fim_tokens_is_detected(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    from transformers import PreTrainedTokenizerFast

    vocab = {"a": 0, "<|endoftext|>": 1}
    model = tokenizers.models.WordLevel(vocab, unk_token="a")
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizers.Tokenizer(model))
    fast.add_special_tokens({"additional_special_tokens": list(QWEN.tokens)})
    fast.save_pretrained(tmp_path)
    settings = BackendSettings(backend="transformers", model=str(tmp_path))
    assert choose_mode("auto", settings) == ("fim", QWEN)


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
