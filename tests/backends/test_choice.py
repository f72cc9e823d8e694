"""Model choices: what a choice sets, how it is checked, relative paths made absolute where they
are given, and a saved choice against a model given explicitly at start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_pachinco.backends.choice import (
    ACTIVE_MODEL_ENV,
    ChoiceError,
    ModelChoice,
    active_model_overrides,
    read_choice,
    resolve_model_path,
    write_choice,
)
from jupyter_pachinco.backends.settings import BackendSettings
from jupyter_pachinco.server.model_service import ModelService
from jupyter_pachinco.server.shared_assistant import SharedAssistant
from tests.support.smollm2 import smollm2_gguf


def test_relative_paths_are_made_absolute_against_where_they_were_given(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.gguf").write_bytes(b"GGUF")
    (tmp_path / "folder").mkdir()
    assert resolve_model_path("models/m.gguf", tmp_path) == str(tmp_path / "models" / "m.gguf")
    assert resolve_model_path("folder", tmp_path) == str(tmp_path / "folder")
    # written as paths: absolute even when missing, so the error names the place looked at
    assert resolve_model_path("./gone.gguf", tmp_path) == str(tmp_path / "gone.gguf")
    assert resolve_model_path("gone.gguf", tmp_path) == str(tmp_path / "gone.gguf")
    assert resolve_model_path("/abs/m.gguf", tmp_path) == "/abs/m.gguf"
    # Hugging Face ids stay as they are
    assert resolve_model_path("Qwen/Qwen2.5-Coder-0.5B-Instruct", tmp_path) == (
        "Qwen/Qwen2.5-Coder-0.5B-Instruct"
    )
    assert resolve_model_path("owner/repo/file.Q4_K_M.gguf", tmp_path) == (
        "owner/repo/file.Q4_K_M.gguf"
    )


def test_served_model_names_are_never_taken_for_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = Config()
    config.BackendSettings.base_url = "http://127.0.0.1:8000/v1"
    config.BackendSettings.model = "coder.gguf"
    settings = BackendSettings(config=config)
    settings.resolve_paths()
    assert settings.model == "coder.gguf"


def test_a_choice_sets_every_model_field_and_never_a_key() -> None:
    choice = ModelChoice("llamacpp", "/m.gguf", label="demo")
    assert choice.settings() == {"backend": "llamacpp", "model": "/m.gguf", "base_url": ""}
    served = ModelChoice.from_json(
        {"backend": "openai", "model": "x", "base_url": "http://h:1/v1", "api_key_env": "MY_KEY"}
    )
    assert served.settings()["api_key_env"] == "MY_KEY"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"backend": "", "model": "x"},
        {"backend": "llamacpp", "model": ""},
        {"backend": "openai", "model": "x"},
        {"backend": "openai", "model": "x", "base_url": "file:///etc/passwd"},
        {"backend": "openai", "model": "x", "base_url": "http://h/v1", "api_key_env": "PATH"},
        {"backend": "openai", "model": "x", "base_url": "http://h/v1", "api_key_env": "JPY_TOKEN"},
        {"backend": "llamacpp", "model": 3},
        {"backend": "llamacpp", "model": "x", "api_key": "sk-..."},
    ],
)
def test_bad_choices_are_refused(data: object) -> None:
    with pytest.raises(ChoiceError):
        ModelChoice.from_json(data)


def test_the_active_model_file_is_what_the_magic_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = tmp_path / "active.json"
    write_choice(where, ModelChoice("llamacpp", "/abs/m.gguf"))
    monkeypatch.setenv(ACTIVE_MODEL_ENV, str(where))
    assert active_model_overrides() == {
        "backend": "llamacpp",
        "model": "/abs/m.gguf",
        "base_url": "",
    }
    where.write_text("{damaged", encoding="utf-8")
    assert active_model_overrides() == {}
    monkeypatch.delenv(ACTIVE_MODEL_ENV)
    assert active_model_overrides() == {}


def service(tmp_path: Path, config: Config) -> ModelService:
    settings = BackendSettings(config=config)
    return ModelService(
        settings,
        SharedAssistant(settings),
        choice_file=tmp_path / "choice.json",
        runtime_file=tmp_path / "runtime.json",
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("PACHINCO_MODEL", "PACHINCO_BASE_URL", "PACHINCO_BACKEND", ACTIVE_MODEL_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_saved_choice_applies_at_start_unless_a_model_was_given(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    demo = str(smollm2_gguf())
    write_choice(tmp_path / "choice.json", ModelChoice("llamacpp", demo, label="demo"))

    default = service(tmp_path, Config())
    default.start()
    assert (default.settings.backend, default.settings.model) == ("llamacpp", demo)
    assert read_choice(tmp_path / "runtime.json", strict=False).model == demo  # type: ignore[union-attr]

    given = Config()
    given.BackendSettings.model = "Qwen/Qwen2.5-Coder-0.5B-Instruct"
    explicit = service(tmp_path, given)
    explicit.start()
    assert explicit.settings.model == "Qwen/Qwen2.5-Coder-0.5B-Instruct"
    assert explicit.chosen is None


def test_a_saved_choice_whose_file_is_gone_falls_back(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    write_choice(tmp_path / "choice.json", ModelChoice("llamacpp", str(tmp_path / "gone.gguf")))
    started = service(tmp_path, Config())
    started.start()
    assert started.chosen is None
    assert started.settings.model == started.configured.model


def test_choosing_resolves_a_relative_path(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.gguf").symlink_to(smollm2_gguf())
    clean_env.chdir(tmp_path)
    models = service(tmp_path, Config())
    models.start()
    asyncio.run(models.choose(ModelChoice("llamacpp", "m.gguf")))
    assert models.settings.model == str(tmp_path / "m.gguf")
