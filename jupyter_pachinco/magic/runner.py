"""The magic's I/O shell around the assistant: configuration files and a generation thread.

ipykernel runs cells inside its own event loop, so the magic cannot ``asyncio.run`` the
assistant. Generation runs instead on a private event loop in a worker thread, which lives as
long as the extension does (a backend's HTTP client stays bound to that one loop); events come
back through a queue, so that all display calls happen in the kernel's main thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from jupyter_core.paths import jupyter_config_dir, jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import (
    ConfigFileNotFound,
    JSONFileConfigLoader,
    PyFileConfigLoader,
)

from ..agent.scratch_client import ScratchError
from ..assistant import Assistant, AssistantEvent
from ..backends import BackendError
from ..backends.choice import ACTIVE_MODEL_ENV, active_model_overrides
from ..backends.errors import ConfigurationError

CONFIG_NAME = "jupyter_server_config"


@dataclass(frozen=True)
class LoadedConfig:
    """The merged traitlets config and the files it came from."""

    config: Config
    files: list[str]


def config_search_path() -> list[str]:
    """Where the server looks for its config files, highest priority first."""
    path = jupyter_config_path()
    if jupyter_config_dir() not in path:
        path.insert(0, jupyter_config_dir())
    return path


def load_server_config(path: Sequence[str] | None = None) -> LoadedConfig:
    """Read ``jupyter_server_config.{py,json}`` as jupyter_server does: lower-priority folders
    first, so that a higher-priority file overrides them; JSON over Python in one folder."""
    merged = Config()
    files: list[str] = []
    for folder in reversed(list(path if path is not None else config_search_path())):
        for loader_class in (PyFileConfigLoader, JSONFileConfigLoader):
            suffix = ".py" if loader_class is PyFileConfigLoader else ".json"
            loader = loader_class(CONFIG_NAME + suffix, path=folder)
            try:
                loaded = loader.load_config()
            except ConfigFileNotFound:
                continue
            except Exception as exc:  # a user's config file may raise anything
                name = os.path.join(folder, CONFIG_NAME + suffix)
                raise ConfigurationError(
                    f"The config file {name} could not be read ({type(exc).__name__}: {exc})."
                ) from exc
            merged.merge(loaded)
            files.append(loader.full_filename)
    # The model the Jupyter server that started this kernel answers with now (chosen in the
    # sidebar's picker, paths resolved where they were given) wins over the files.
    active = active_model_overrides()
    if active:
        for name, value in active.items():
            setattr(merged.BackendSettings, name, value)
        files.append(os.environ[ACTIVE_MODEL_ENV])
    return LoadedConfig(merged, files)


def with_overrides(config: Config, **settings: str | None) -> Config:
    """A copy of ``config`` with the given `BackendSettings` set (``None`` keeps the file's)."""
    copied = Config()
    copied.merge(config)
    for name, value in settings.items():
        if value is not None:
            setattr(copied.BackendSettings, name, value)
    return copied


def settings_key(config: Config) -> str:
    """Identifies the backend a config selects, so an assistant (and its loaded model) can be
    reused while the configuration stays the same."""
    from ..backends.settings import BackendSettings

    settings = BackendSettings(config=config)
    return repr(sorted((name, repr(getattr(settings, name))) for name in settings.trait_names()))


class Failed:
    """Generation failed; ``message`` is meant for the user."""

    def __init__(self, message: str) -> None:
        self.message = message


_FINISHED = object()


class GenerationThread:
    """A private event loop in a daemon thread, running one generation at a time."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="pachinco-generation", daemon=True
        )
        self._thread.start()
        self._assistants: dict[str, Assistant] = {}

    def assistant(self, config: Config) -> Assistant:
        """The assistant for ``config``, built once per distinct configuration."""
        key = settings_key(config)
        if key not in self._assistants:
            self._assistants[key] = Assistant.from_config(config)
        return self._assistants[key]

    def stream(self, assistant: Assistant, intent: str, **kwargs: Any) -> Iterator[object]:
        """The assistant's events, then a `Failed` if it failed. Closing the iterator (or an
        interrupt while waiting) cancels the generation."""
        return self.stream_from(lambda: assistant.generate(intent, **kwargs))

    def stream_from(self, make: Callable[[], AsyncIterator[object]]) -> Iterator[object]:
        """The events of the async iterator ``make()`` (run on this thread's loop: the agent's
        run, an assistant's generation), then a `Failed` if it failed. Closing the iterator
        (or an interrupt while waiting) cancels it."""
        events: queue.Queue[object] = queue.Queue()
        future = asyncio.run_coroutine_threadsafe(_pump(make, events), self._loop)
        try:
            while True:
                event = events.get()
                if event is _FINISHED:
                    break
                yield event
        finally:
            if not future.done():
                future.cancel()
                _wait_quietly(future)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


async def _pump(make: Callable[[], AsyncIterator[object]], events: queue.Queue[object]) -> None:
    iterator = make()
    try:
        async for event in iterator:
            events.put(event)
    except (BackendError, ScratchError) as exc:
        events.put(Failed(str(exc) or type(exc).__name__))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # reported as one line: the magic must not leave a traceback
        events.put(Failed(f"{type(exc).__name__}: {exc}"))
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
        events.put(_FINISHED)


def _wait_quietly(future: concurrent.futures.Future[None]) -> None:
    try:
        future.result(timeout=10)
    except (concurrent.futures.CancelledError, concurrent.futures.TimeoutError):
        return


EventOrFailure = AssistantEvent | Failed
