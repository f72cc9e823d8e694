"""Which prompt form a completion model gets: from the setting, else from what its backend says
about itself (FIM family, plain form); no backend is asked its name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jupyter_pachinco.backends import (
    Backend,
    BackendSettings,
    Cancellation,
    Event,
    GenerationRequest,
)
from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend
from jupyter_pachinco.backends.llamacpp_tokens import gguf_vocabulary
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from jupyter_pachinco.backends.transformers_backend import TransformersBackend
from jupyter_pachinco.completion import DEEPSEEK, QWEN, STARCODER
from jupyter_pachinco.completion.forms import choose_mode
from tests.support.smollm2 import smollm2_gguf


def test_an_explicit_setting_wins() -> None:
    backend = OpenAIBackend("http://x/v1", "m")
    assert choose_mode("deepseek", backend) == ("fim", DEEPSEEK)
    assert choose_mode("prefix", backend) == ("prefix", None)
    assert choose_mode("suffix", backend) == ("suffix", None)


def test_a_served_model_is_known_by_its_name_else_gets_the_suffix_field() -> None:
    served = OpenAIBackend("http://x/v1", "Qwen/Qwen2.5-Coder-1.5B")
    assert choose_mode("auto", served) == ("fim", QWEN)
    other = OpenAIBackend("http://x/v1", "gpt-x")
    assert choose_mode("auto", other) == ("suffix", None)


def test_a_gguf_without_fim_tokens_gets_a_prefix_prompt() -> None:
    path = smollm2_gguf()
    vocabulary = gguf_vocabulary(path)
    assert "<|im_start|>" in vocabulary  # SmolLM2's chat tokens, read from the file
    backend = LlamaCppBackend(str(path))
    assert backend.vocabulary() == vocabulary
    assert choose_mode("auto", backend) == ("prefix", None)
    assert LlamaCppBackend("/no/such/model.gguf").vocabulary() == []


def test_a_tokenizer_folder_with_fim_tokens_is_detected(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    from transformers import PreTrainedTokenizerFast

    vocab = {"a": 0, "<|endoftext|>": 1}
    model = tokenizers.models.WordLevel(vocab, unk_token="a")
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizers.Tokenizer(model))
    fast.add_special_tokens({"additional_special_tokens": list(QWEN.tokens)})
    fast.save_pretrained(tmp_path)
    assert choose_mode("auto", TransformersBackend(str(tmp_path))) == ("fim", QWEN)
    assert TransformersBackend(str(tmp_path / "absent"), local_files_only=True).vocabulary() == []


class ThirdParty(Backend):
    """A backend from another package: it describes itself, and is never asked its name."""

    name = "someone-elses"
    completion_without_fim = "suffix"

    def __init__(self, vocabulary: list[str]) -> None:
        self.tokens = vocabulary

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> ThirdParty:
        return cls([])

    def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        raise NotImplementedError

    def vocabulary(self) -> list[str]:
        return self.tokens


def test_a_third_party_backend_gets_the_form_it_describes() -> None:
    assert choose_mode("auto", ThirdParty(["x", *STARCODER.tokens])) == ("fim", STARCODER)
    assert choose_mode("auto", ThirdParty(["x"])) == ("suffix", None)
