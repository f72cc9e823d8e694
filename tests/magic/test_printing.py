"""What the magic prints: the effective settings, without secrets, with the rows each backend
gives for itself."""

from __future__ import annotations

import pytest

from jupyter_pachinco.backends import BackendSettings
from jupyter_pachinco.backends.urls import public_url
from jupyter_pachinco.magic.printing import public_settings


def test_settings_shown_hold_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://alice:s3cret@example.org:8443/v1?api_key=k3y#frag"
    assert public_url(url) == "https://example.org:8443/v1"
    assert public_url("http://user@[::1]:8000/v1?k=1") == "http://[::1]:8000/v1"
    assert public_url("  ") == ""
    monkeypatch.setenv("MY_KEY", "sk-never-shown")
    settings = BackendSettings(backend="openai", base_url=url, api_key_env="MY_KEY")
    rows = dict(public_settings(settings, []))
    assert rows["api_key_env"] == "MY_KEY (set)"
    assert rows["base_url"] == "https://example.org:8443/v1"
    for secret in ("s3cret", "k3y", "sk-never-shown"):
        assert secret not in str(rows)


def test_each_backend_gives_its_own_rows() -> None:
    openai = dict(public_settings(BackendSettings(backend="openai", base_url="http://x/v1"), []))
    assert {"connect_timeout", "read_timeout", "max_retries"} <= set(openai)
    assert "n_ctx" not in openai
    assert "device" not in openai
    gguf = dict(public_settings(BackendSettings(model="/models/m.gguf", n_threads=3), ["a.py"]))
    assert (gguf["backend"], gguf["n_ctx"], gguf["n_threads"]) == ("llamacpp", "4096", "3")
    assert gguf["config files"] == "a.py"
    local = dict(public_settings(BackendSettings(backend="transformers", dtype="float16"), []))
    assert (local["device"], local["dtype"]) == ("auto", "float16")
    unknown = dict(public_settings(BackendSettings(backend="no-such-backend"), []))
    assert "No model backend named 'no-such-backend'" in unknown["backend error"]
