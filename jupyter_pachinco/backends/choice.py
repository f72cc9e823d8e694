"""Which model answers: a choice made in the model picker, and local paths made absolute.

A `ModelChoice` names a model the way `BackendSettings` does (backend, model, server URL, GGUF
file in a hub repository, the *name* of the environment variable that holds an API key, never
the key). The server keeps the user's choice in a JSON file, so that it survives a restart, and
writes the model it runs now into a second, runtime file whose path it gives its kernels in
``PACHINCO_ACTIVE_MODEL``: the ``%%pachinco`` magic reads it on every call, so it follows a
choice made in the sidebar without a restart, and means the same file the server means.

Paths are resolved once, where they are given (`resolve_model_path`): a relative path against
the folder of the process that was given it (the server's working folder for ``make lab
MODEL=...``), never against a kernel's folder, which is the notebook's.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .urls import public_url

#: Where a server names its runtime model file for its kernels (and the magic looks).
ACTIVE_MODEL_ENV = "PACHINCO_ACTIVE_MODEL"
CHOICE_FIELDS = ("backend", "model", "base_url", "gguf_file", "api_key_env")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
MAX_FIELD_CHARS = 4096


class ChoiceError(ConfigurationError):
    """A model choice that cannot be used as given; the message names the field."""


@dataclass(frozen=True)
class ModelChoice:
    """A model to answer with, in `BackendSettings` terms (empty fields keep the configured
    value: ``api_key_env`` empty keeps ``OPENAI_API_KEY``); ``label`` is for people."""

    backend: str
    model: str
    base_url: str = ""
    gguf_file: str = ""
    api_key_env: str = ""
    label: str = ""

    def as_json(self) -> dict[str, str]:
        """Every field as it is (for the server's own files, never for the browser)."""
        return asdict(self)

    def public_json(self) -> dict[str, str]:
        """The fields as they may be shown: ``base_url`` without user, password or query
        (`public_url`), which may carry secrets."""
        return {**asdict(self), "base_url": public_url(self.base_url)}

    @property
    def server_url(self) -> str:
        """The OpenAI-compatible server this choice talks to; "" for a model run in process."""
        return self.base_url if self.backend == "openai" else ""

    def settings(self) -> dict[str, str]:
        """The `BackendSettings` values this choice sets (``base_url`` always: a local model
        chosen after a server must not keep talking to the server)."""
        values = {name: getattr(self, name) for name in CHOICE_FIELDS}
        return {name: value for name, value in values.items() if value or name == "base_url"}

    @classmethod
    def from_json(cls, data: object, *, strict: bool = True) -> ModelChoice:
        """A choice from JSON data; `ChoiceError` saying which field is wrong. ``strict``
        False (a file the server wrote from its own configuration) skips `check`."""
        if not isinstance(data, dict):
            raise ChoiceError("A model choice must be an object with `backend` and `model`.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ChoiceError(
                f"Unknown field(s) {', '.join(unknown)} in the model choice; known: "
                f"{', '.join(sorted(known))}."
            )
        values: dict[str, str] = {}
        for name in known:
            value = data.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
                raise ChoiceError(f"`{name}` must be a string of at most {MAX_FIELD_CHARS}.")
            values[name] = value.strip()
        choice = cls(**values)
        if strict:
            choice.check()
        return choice

    def check(self) -> None:
        """`ChoiceError` unless the fields fit together."""
        if not self.backend:
            raise ChoiceError("`backend` is required, e.g. 'llamacpp', 'transformers', 'openai'.")
        if not self.model:
            raise ChoiceError("`model` is required: a path, a Hugging Face id or a served name.")
        if self.backend == "openai" and not self.base_url:
            raise ChoiceError("An 'openai' choice needs `base_url`, e.g. http://host:8000/v1.")
        if self.base_url and not re.match(r"^https?://[^\s/]+", self.base_url):
            raise ChoiceError("`base_url` must be an http:// or https:// URL.")
        if self.api_key_env and not is_key_variable(self.api_key_env):
            raise ChoiceError(
                "`api_key_env` is the NAME of an environment variable (letters, digits, _) "
                "with KEY or TOKEN in it, e.g. OPENAI_API_KEY; the key itself is never entered "
                "here. (Other variables of the server, and Jupyter's own token, are never sent "
                "to a model server.)"
            )


def is_key_variable(name: str) -> bool:
    """Whether ``name`` may name an API key's environment variable: a chosen server gets that
    variable's value, so only names that say they hold a key qualify, and never Jupyter's own
    token (``JUPYTER_TOKEN``, ``JPY_*``)."""
    upper = name.upper()
    return (
        bool(_ENV_NAME.match(name))
        and ("KEY" in upper or "TOKEN" in upper)
        and not upper.startswith(("JUPYTER", "JPY"))
    )


def resolve_model_path(model: str, base: Path | None = None) -> str:
    """``model`` made absolute when it names a local file or folder, relative to ``base`` (the
    current folder by default); a Hugging Face id (``owner/repo``, ``owner/repo/file.gguf``)
    that is not a local path stays as it is.

    A relative path counts as local when it exists under ``base``, or when it is written as
    one (``./x``, ``../x``, ``~/x``, or a ``.gguf`` name without an owner and repository), so
    that a missing file is reported at its absolute place.
    """
    text = model.strip()
    if not text:
        return model
    folder = base if base is not None else Path.cwd()
    path = Path(text).expanduser()
    if path.is_absolute():
        return str(path)
    candidate = folder / path
    written_as_path = text.startswith(("./", "../", ".\\", "..\\", "~"))
    bare_gguf = text.lower().endswith(".gguf") and len(text.split("/")) < 3
    if candidate.exists() or written_as_path or bare_gguf:
        return os.path.normpath(str(candidate.absolute()))
    return model


def read_choice(path: Path, *, strict: bool = True) -> ModelChoice | None:
    """The choice saved at ``path``, or None when there is none or it cannot be read (a
    damaged file must not stop the server from starting)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ModelChoice.from_json(data, strict=strict)
    except (OSError, ValueError, ChoiceError):
        return None


def write_choice(path: Path, choice: ModelChoice | None) -> None:
    """Save ``choice`` at ``path`` atomically (None removes the file)."""
    if choice is None:
        path.unlink(missing_ok=True)
        return
    write_json_atomically(path, choice.as_json())


def write_json_atomically(path: Path, data: Any) -> None:
    """Write JSON so that a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".pachinco-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def active_model_overrides(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The `BackendSettings` values of the model the Jupyter server runs now, from the file
    named by ``PACHINCO_ACTIVE_MODEL`` (empty when unset or unreadable): the magic applies
    them over the config files, so that it answers with the server's model."""
    where = (environ if environ is not None else os.environ).get(ACTIVE_MODEL_ENV, "")
    if not where:
        return {}
    choice = read_choice(Path(where), strict=False)
    return choice.settings() if choice is not None else {}
