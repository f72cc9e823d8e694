"""A GGUF model's own tokenizer, read by llama.cpp without the weights: counting tokens, and the
vocabulary (for the FIM family the model speaks)."""

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
        return vocabulary_model(self.path)

    def __call__(self, text: str) -> int:
        with self._lock:
            tokens = self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        return len(tokens)


def vocabulary_model(path: Path) -> Any:
    """llama.cpp's model of ``path`` with its vocabulary only (no weights, no context);
    `ModelLoadError` when the file cannot be read."""
    silence_llama_cpp()
    try:
        return open_llama(path, vocab_only=True, verbose=True)
    except ValueError as exc:
        raise ModelLoadError(
            f"llama.cpp could not read the tokenizer of {str(path)!r}: the file "
            f"is truncated or corrupt ({exc})."
        ) from exc


def gguf_vocabulary(path: Path) -> list[str]:
    """The token texts of a GGUF file's vocabulary, special tokens included."""
    check_gguf_file(path)
    vocab = vocabulary_model(path)
    try:
        return [
            vocab.detokenize([token], special=True).decode("utf-8", "replace")
            for token in range(vocab.n_vocab())
        ]
    finally:
        vocab.close()
