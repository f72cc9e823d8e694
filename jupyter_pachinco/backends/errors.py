"""Every failure a model backend can report, as one typed hierarchy.

```
BackendError
├── ConfigurationError        settings that cannot work (unknown backend, bad value)
│   └── BackendNotFound       no backend registered under the configured name
├── InvalidRequest            a generation request that no backend could honour
├── ModelError
│   ├── ModelNotFound         the model is neither a local folder nor downloadable
│   └── ModelLoadError        the files exist but the model could not be loaded
│       └── ModelOutOfMemory  the weights loaded but the context (KV cache) did not fit
├── ChatTemplateError         the model's own chat template cannot render the chat
├── GenerationError           the in-process model failed while generating
└── ServerError               an OpenAI-compatible server failed us
    ├── ServerUnreachable     connection refused, DNS failure, TLS failure
    ├── ServerTimeout         no bytes within the read timeout (before or during the stream)
    ├── AuthenticationFailed  401/403: the API key is missing or wrong
    ├── RateLimited           429, still after the allowed retries
    ├── ServerFailed          5xx, still after the allowed retries
    ├── RequestRejected       any other 4xx: the server refused the request itself
    └── ProtocolError         malformed stream: bad SSE data, dropped connection, early end
```

Errors of libraries (`openai`, `httpx`, `transformers`, `huggingface_hub`) never escape a
backend: each is translated at the boundary with ``raise SomeError(...) from exc``, and the
message says what the user can do about it. No message ever contains an API key.
"""

from __future__ import annotations


class BackendError(Exception):
    """Base of every error a backend raises; its message is meant for the user."""


class ConfigurationError(BackendError):
    """The backend settings cannot work as given."""


class BackendNotFound(ConfigurationError):
    """No backend is registered under the configured name."""


class InvalidRequest(BackendError):
    """A generation request that no backend could honour (e.g. ``n=0``)."""


class ModelError(BackendError):
    """The in-process model could not be made ready."""


class ModelNotFound(ModelError):
    """The model is neither a local folder nor available for download."""


class ModelLoadError(ModelError):
    """The model's files were found but could not be loaded."""


class ModelOutOfMemory(ModelLoadError):
    """The model could not get the memory it needs (e.g. a context length far too long)."""


class ChatTemplateError(BackendError):
    """The model's own chat template cannot render the messages, even with the system role
    folded into the first user turn (the message says which model and why)."""


class GenerationError(BackendError):
    """The in-process model failed while generating."""


class ServerError(BackendError):
    """An OpenAI-compatible server could not answer the request."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class ServerUnreachable(ServerError):
    """No connection could be made to the server."""


class ServerTimeout(ServerError):
    """The server sent nothing within the read timeout."""


class AuthenticationFailed(ServerError):
    """The server rejected the API key (HTTP 401 or 403)."""


class RateLimited(ServerError):
    """The server kept answering 429 after every allowed retry."""


class ServerFailed(ServerError):
    """The server kept answering 5xx after every allowed retry."""


class RequestRejected(ServerError):
    """The server refused the request itself (a 4xx other than 401/403/429)."""


class ProtocolError(ServerError):
    """The server's stream was malformed or ended before the answer was complete."""
