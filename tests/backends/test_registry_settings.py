"""Choosing and configuring a backend: entry points and traitlets settings."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from jupyter_pachinco.backends import (
    DEFAULT_MODEL,
    BackendSettings,
    available_backends,
    build_backend,
    load_backend_class,
)
from jupyter_pachinco.backends.errors import BackendNotFound, ConfigurationError
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from jupyter_pachinco.backends.transformers_backend import TransformersBackend


def test_built_in_backends_are_registered_as_entry_points() -> None:
    registered = available_backends()
    assert {"transformers", "openai"} <= set(registered)
    assert load_backend_class("openai") is OpenAIBackend
    assert load_backend_class("transformers") is TransformersBackend


def test_unknown_backend_names_the_installed_ones() -> None:
    with pytest.raises(BackendNotFound, match=r"'vllm-direct'.*openai, transformers"):
        load_backend_class("vllm-direct")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("PACHINCO_BACKEND", "PACHINCO_MODEL", "PACHINCO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_match_the_server_extension(clean_env: pytest.MonkeyPatch) -> None:
    settings = BackendSettings()
    assert (settings.backend, settings.model, settings.base_url) == (
        "llamacpp",
        DEFAULT_MODEL,
        "",
    )
    assert settings.api_key_env == "OPENAI_API_KEY"
    clean_env.setenv("PACHINCO_BASE_URL", "http://127.0.0.1:8000/v1")
    clean_env.setenv("PACHINCO_MODEL", "served-model")
    settings = BackendSettings()
    assert (settings.backend, settings.model) == ("openai", "served-model")


def test_every_setting_is_documented_and_configurable() -> None:
    traits = BackendSettings.class_traits(config=True)
    assert len(traits) >= 12
    assert all(trait.help for trait in traits.values())


def test_config_builds_the_selected_backend(clean_env: pytest.MonkeyPatch) -> None:
    config = Config()
    config.BackendSettings.base_url = "http://127.0.0.1:9/v1"
    config.BackendSettings.model = "m"
    config.BackendSettings.read_timeout = 3.0
    config.BackendSettings.api_key_env = "MY_SERVER_KEY"
    backend = build_backend(config)
    assert isinstance(backend, OpenAIBackend)
    assert (backend.base_url, backend.model, backend.read_timeout) == (
        "http://127.0.0.1:9/v1",
        "m",
        3.0,
    )
    assert backend.api_key_env == "MY_SERVER_KEY"

    local = Config()
    local.BackendSettings.model = "/models/coder"
    local.BackendSettings.prompt_lookup = True
    built = build_backend(local)
    assert isinstance(built, TransformersBackend)
    assert (built.model, built.prompt_lookup) == ("/models/coder", True)


def test_openai_without_a_server_address_is_a_configuration_error(
    clean_env: pytest.MonkeyPatch,
) -> None:
    config = Config()
    config.BackendSettings.backend = "openai"
    with pytest.raises(ConfigurationError, match="base_url"):
        build_backend(config)
