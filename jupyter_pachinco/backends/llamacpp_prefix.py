"""Evaluated prompt prefixes of a llama.cpp context, kept and restored (the first question fast).

Every prompt the assistant sends begins with the same fixed part (the system text and the
worked examples), and every question about one notebook with the same notebook context.
llama-cpp-python already reuses the longest common prefix of the context it holds, but that
context is whatever was evaluated last (another style, a ghost-text completion, another
notebook). So a prefix is evaluated once (`PrefixStates.evaluate`) and its KV-cache cells are
copied out with ``llama_state_seq_get_data``; a later prompt that shares more tokens with a
saved prefix than with the live context gets that state back (`PrefixStates.restore_for`), and
llama-cpp-python's ``generate`` then evaluates only the rest.

The fixed prefixes stay (`pinned`); notebook prefixes are kept most recent first, at most
`MAX_RECENT`. A saved state costs about 2 x layers x KV width x 2 bytes per token (SmolLM2-135M:
23 KB; Qwen2.5-1.5B: 29 KB). Every call happens with the model's lock held.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

MAX_RECENT = 3
SEQUENCE = 0


@dataclass(frozen=True)
class SavedPrefix:
    """A prefix's tokens and the KV-cache state of the sequence after evaluating them."""

    tokens: tuple[int, ...]
    state: bytes


@dataclass
class PrefixStates:
    """The saved prefixes of one loaded model."""

    pinned: list[SavedPrefix] = field(default_factory=list)
    recent: list[SavedPrefix] = field(default_factory=list)
    #: How many prompt tokens the last `restore_for` made unnecessary to evaluate.
    last_reused: int = 0

    def known(self, tokens: list[int]) -> bool:
        return any(saved.tokens == tuple(tokens) for saved in (*self.pinned, *self.recent))

    def evaluate(self, llama: Any, tokens: list[int], *, pinned: bool) -> None:
        """Evaluate ``tokens`` (reusing what the context already holds) and save the state."""
        if not tokens or self.known(tokens):
            return
        self.restore_for(llama, tokens)
        common = common_prefix(llama_tokens(llama), tokens)
        if common == len(tokens):
            common -= 1  # keep one token to evaluate, so that the logits are current
        llama._ctx.kv_cache_seq_rm(-1, common, -1)
        llama.n_tokens = common
        llama.eval(tokens[common:])
        saved = SavedPrefix(tuple(tokens), _state_bytes(llama))
        if pinned:
            self.pinned.append(saved)
        else:
            self.recent = [saved, *self.recent][:MAX_RECENT]

    def restore_for(self, llama: Any, prompt: list[int]) -> int:
        """Put back the saved prefix that shares the most tokens with ``prompt``, when it
        shares more than the live context does; how many tokens are then reused."""
        live = common_prefix(llama_tokens(llama), prompt)
        best, shared = None, live
        for saved in (*self.recent, *self.pinned):
            length = common_prefix(saved.tokens, prompt)
            if length > shared:
                best, shared = saved, length
        if best is not None:
            _set_state(llama, best)
            if best in self.recent:  # most recently used first
                self.recent = [best, *(s for s in self.recent if s is not best)]
        self.last_reused = shared
        return shared


def llama_tokens(llama: Any) -> list[int]:
    """The tokens the context holds now."""
    return [int(token) for token in llama.input_ids[: llama.n_tokens]]


def common_prefix(first: tuple[int, ...] | list[int], second: list[int]) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length


def _state_bytes(llama: Any) -> bytes:
    import llama_cpp

    size = llama_cpp.llama_state_seq_get_size(llama.ctx, SEQUENCE)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_seq_get_data(llama.ctx, buffer, size, SEQUENCE)
    return bytes(buffer[:written])


def _set_state(llama: Any, saved: SavedPrefix) -> None:
    import llama_cpp

    llama._ctx.kv_cache_seq_rm(-1, 0, -1)
    buffer = (ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
    if llama_cpp.llama_state_seq_set_data(llama.ctx, buffer, len(saved.state), SEQUENCE) == 0:
        llama.n_tokens = 0  # nothing restored: the prompt is evaluated from the start
        return
    count = len(saved.tokens)
    llama.input_ids[:count] = saved.tokens
    llama.n_tokens = count
    # The logits of the last token were not restored: llama-cpp-python evaluates one again.
    llama._requires_eval = True
