"""Leak check: how much of the test references' code the training examples already contain.

Code is split into identifier, number, string and operator tokens; a reference's overlap is
the share of its token n-grams (default n=8) that occur anywhere in the training examples'
text (prompts and completions). A reference shorter than n tokens counts as one n-gram of
its whole length. The figures are shares in [0, 1].
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SEP = "\x1f"
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|'[^'\n]*'|\"[^\"\n]*\"|#[^\n]*|\S")


def code_tokens(code: str) -> list[str]:
    """Tokens of `code`, comments dropped (a ``#`` outside a string literal to the line end)."""
    return [token for token in _TOKEN.findall(code) if not token.startswith("#")]


def ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    """All n-grams of `tokens` (the whole sequence when it is shorter than n)."""
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@dataclass(frozen=True)
class Overlap:
    """Per-reference shares of n-grams found in training text, summarized."""

    n: int
    references: int
    mean: float
    max: float
    fully_contained: int  # references whose every n-gram occurs in the training text


def ngram_overlap(training_texts: Iterable[str], references: Sequence[str], n: int = 8) -> Overlap:
    """The overlap of `references` with `training_texts` (see the module docstring)."""
    seen: set[tuple[str, ...]] = set()
    joined = []
    for text in training_texts:
        tokens = code_tokens(text)
        seen |= ngrams(tokens, n) if len(tokens) >= n else set()
        joined.append(_SEP + _SEP.join(tokens) + _SEP)
    shares = []
    for reference in references:
        tokens = code_tokens(reference)
        if not tokens:
            continue
        if len(tokens) < n:
            needle = _SEP + _SEP.join(tokens) + _SEP
            shares.append(1.0 if any(needle in text for text in joined) else 0.0)
        else:
            grams = ngrams(tokens, n)
            shares.append(sum(g in seen for g in grams) / len(grams))
    if not shares:
        return Overlap(n, 0, 0.0, 0.0, 0)
    contained = sum(share == 1.0 for share in shares)
    return Overlap(n, len(shares), sum(shares) / len(shares), max(shares), contained)
