"""The model picker's discovery: fake Ollama, LM Studio and Hugging Face cache folders, a fake
Ollama API and an OpenAI-compatible server's ``/models``."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_pachinco.backends.choice import ChoiceError
from jupyter_pachinco.backends.discovery import (
    Places,
    hf_cache_models,
    lmstudio_models,
    local_models,
    ollama_folder_models,
    unique,
)
from jupyter_pachinco.backends.discovery_servers import (
    ServerEntry,
    ollama_host,
    ollama_models,
    openai_models,
    served_models,
)
from tests.support.fake_openai import FakeOpenAIServer
from tests.support.model_folders import (
    FAKE_GGUF,
    fake_ollama_api,
    hf_cache_repo,
    lmstudio_file,
    ollama_folder,
)
from tests.support.smollm2 import smollm2_gguf


def test_ollama_folder_models_are_their_blobs(tmp_path: Path) -> None:
    root = tmp_path / "ollama"
    blob = ollama_folder(root, "qwen2.5-coder", "1.5b")
    other = ollama_folder(root, "someone/sql-coder", "latest")
    broken = ollama_folder(root, "gone", "7b")
    broken.unlink()  # a manifest whose model blob was removed is not offered
    (root / "manifests" / "registry.ollama.ai" / "library" / "junk").mkdir()
    (root / "manifests" / "registry.ollama.ai" / "library" / "junk" / "x").write_text("{not json")

    found = {model.label: model for model in ollama_folder_models(root)}

    assert set(found) == {
        "qwen2.5-coder:1.5b (Ollama, on disk)",
        "someone/sql-coder:latest (Ollama, on disk)",
    }
    qwen = found["qwen2.5-coder:1.5b (Ollama, on disk)"]
    assert (qwen.choice.backend, qwen.choice.model) == ("llamacpp", str(blob))
    assert qwen.size_bytes == len(FAKE_GGUF)
    assert found["someone/sql-coder:latest (Ollama, on disk)"].choice.model == str(other)


def test_lmstudio_models_are_its_gguf_files(tmp_path: Path) -> None:
    root = tmp_path / "lmstudio"
    model = lmstudio_file(root, "lmstudio-community", "Qwen2.5-Coder-GGUF", "qwen.Q4_K_M.gguf")
    lmstudio_file(root, "lmstudio-community", "llava-GGUF", "mmproj-model-f16.gguf")
    (root / "notes.txt").write_text("not a model")

    (found,) = lmstudio_models(root)

    assert found.label == "lmstudio-community/Qwen2.5-Coder-GGUF/qwen.Q4_K_M.gguf (LM Studio)"
    assert (found.choice.backend, found.choice.model) == ("llamacpp", str(model))


def test_hf_cache_gguf_files_and_model_folders(tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    gguf_snapshot = hf_cache_repo(
        cache, "bartowski/SmolLM2-GGUF", {"SmolLM2.Q4_K_M.gguf": FAKE_GGUF, "README.md": b"#"}
    )
    folder = hf_cache_repo(
        cache, "Qwen/Qwen2.5-Coder-0.5B-Instruct", {"config.json": b"{}", "model.safetensors": b"x"}
    )
    hf_cache_repo(cache, "someone/tokenizer-only", {"config.json": b"{}"})  # no weights

    found = {model.id: model for model in hf_cache_models(cache)}

    gguf = found["hf:bartowski/SmolLM2-GGUF/SmolLM2.Q4_K_M.gguf"]
    assert (gguf.choice.backend, gguf.choice.model) == (
        "llamacpp",
        str(gguf_snapshot / "SmolLM2.Q4_K_M.gguf"),
    )
    transformers = found["hf:Qwen/Qwen2.5-Coder-0.5B-Instruct"]
    assert (transformers.choice.backend, transformers.choice.model) == ("transformers", str(folder))
    assert "hf:someone/tokenizer-only" not in found


def test_every_place_together_with_the_packaged_demo_model(tmp_path: Path) -> None:
    places = Places(
        ollama=tmp_path / "ollama",
        lmstudio=(tmp_path / "lmstudio", tmp_path / "missing"),
        hf_cache=tmp_path / "hub",
    )
    ollama_folder(places.ollama, "qwen2.5-coder", "1.5b")
    lmstudio_file(places.lmstudio[0], "pub", "repo", "model.gguf")

    scan = local_models(places)

    sources = [model.source for model in scan.models]
    assert sources == ["packaged", "ollama-folder", "lmstudio"]
    demo = scan.models[0]
    assert demo.choice.model == str(smollm2_gguf())
    assert "tiny demo model" in demo.label
    assert "weak at pandas" in demo.note
    assert scan.notes == []


def test_an_unreadable_folder_is_a_note_not_a_failure(tmp_path: Path) -> None:
    blocked = tmp_path / "ollama"
    ollama_folder(blocked, "qwen2.5-coder", "1.5b")
    (blocked / "manifests").chmod(0)
    try:
        scan = local_models(Places(blocked, (), tmp_path / "hub"))
    finally:
        (blocked / "manifests").chmod(0o755)
    # root reads any folder: there the model is found; anyone else gets a note instead
    assert scan.notes or any(m.source == "ollama-folder" for m in scan.models)


def test_unique_keeps_the_first_of_one_file(tmp_path: Path) -> None:
    places = Places(tmp_path / "ollama", (tmp_path / "lm", tmp_path / "lm"), tmp_path / "hub")
    lmstudio_file(places.lmstudio[0], "pub", "repo", "model.gguf")
    models = local_models(places).models
    assert len(models) == 3  # the demo model, then the same file found twice
    assert len(unique(models)) == 2


async def test_the_ollama_api_lists_its_models_as_an_openai_compatible_server() -> None:
    listed = [
        {
            "name": "qwen2.5-coder:1.5b",
            "size": 986_000_000,
            "details": {"parameter_size": "1.5B", "quantization_level": "Q4_K_M"},
        },
        {"name": ""},
        "nonsense",
    ]
    with fake_ollama_api(listed) as host:
        scan = await ollama_models(host)
    (found,) = scan.models
    assert found.choice.backend == "openai"
    assert found.choice.base_url == f"{host}/v1"
    assert found.choice.model == "qwen2.5-coder:1.5b"
    assert found.note == "1.5B, Q4_K_M"
    assert scan.notes == []


async def test_no_ollama_running_is_no_note() -> None:
    scan = await ollama_models("http://127.0.0.1:9")
    assert (scan.models, scan.notes) == ([], [])


def test_ollama_host_reads_ollama_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:11500")
    assert ollama_host() == "http://127.0.0.1:11500"
    monkeypatch.delenv("OLLAMA_HOST")
    assert ollama_host() == "http://127.0.0.1:11434"


async def test_a_server_lists_its_models_with_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PACHINCO_PICKER_KEY", "sk-secret-value")
    async with FakeOpenAIServer([], models=("coder-7b", "chat-1b")) as server:
        entry = ServerEntry(server.base_url, "PACHINCO_PICKER_KEY", "team server")
        scan = await openai_models(entry)
    assert [m.choice.model for m in scan.models] == ["coder-7b", "chat-1b"]
    chosen = scan.models[0].choice
    assert (chosen.backend, chosen.base_url, chosen.api_key_env) == (
        "openai",
        server.base_url,
        "PACHINCO_PICKER_KEY",
    )
    assert "sk-secret-value" not in repr(scan)
    assert scan.models[0].label == "coder-7b (team server)"


async def test_servers_that_fail_become_notes_and_the_rest_still_answer() -> None:
    async with FakeOpenAIServer([], models=("good",)) as server:
        entries = [ServerEntry("http://127.0.0.1:9/v1"), ServerEntry(server.base_url)]
        scan = await served_models(entries, ollama="http://127.0.0.1:9")
    assert [m.choice.model for m in scan.models] == ["good"]
    (note,) = scan.notes
    assert note == "http://127.0.0.1:9/v1 did not list its models (not reachable)."


@pytest.mark.parametrize(
    "entry",
    [
        {"base_url": "ftp://host/v1"},
        {"base_url": "http://host/v1", "api_key_env": "JUPYTER_TOKEN"},
        {"base_url": "http://host/v1", "api_key_env": "HOME"},
        {"base_url": "http://host/v1", "api_key_env": "BAD NAME_KEY"},
        {"base_url": "http://host/v1", "color": "blue"},
        {"url": "http://host/v1"},
    ],
)
def test_a_server_entry_is_checked(entry: dict[str, str]) -> None:
    with pytest.raises(ChoiceError):
        ServerEntry.from_json(entry)
