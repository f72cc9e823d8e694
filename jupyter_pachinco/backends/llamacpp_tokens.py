"""Counting tokens with a GGUF model's own tokenizer (llama.cpp, vocabulary only)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .errors import ModelLoadError
from .llamacpp_loading import check_gguf_file, open_llama, silence_llama_cpp


class GGUFTokenCounter:
    """A ``TokenCounter``: ``counter(text) -> int`` tokens, as the GGUF's tokenizer splits them.

    Loads only the vocabulary of the file (no weights, no context: fast and small). Special
    tokens are not counted, the BOS token is not added. Raises `ModelNotFound` or
    `ModelLoadError` when the file is missing or unreadable.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        check_gguf_file(self.path)
        self._lock = threading.Lock()
        self._vocab = self._load_vocab()

    def _load_vocab(self) -> Any:
        silence_llama_cpp()
        try:
            return open_llama(self.path, vocab_only=True, verbose=True)
        except ValueError as exc:
            raise ModelLoadError(
                f"llama.cpp could not read the tokenizer of {str(self.path)!r}: the file "
                f"is truncated or corrupt ({exc})."
            ) from exc

    def __call__(self, text: str) -> int:
        with self._lock:
            tokens = self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        return len(tokens)
