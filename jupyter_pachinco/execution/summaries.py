"""A small, sendable description of a candidate's answer: what the user sees and what is matched.

Runs in a trial child. The description carries a type name, a shape, a preview of a few rows,
a digest (equal digests mean equal values), and the value itself, pickled, when it is small
enough to send back for fuzzy matching; a large answer is matched by its digest alone, so that
a candidate returning a 2 GB frame does not have to copy it through a pipe.
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

import numpy as np
import pandas as pd

MAX_SENT_BYTES = 16 * 1024**2
PREVIEW_CHARS = 1_500
PREVIEW_ROWS = 10


def describe_answer(answer: Any) -> dict[str, Any]:
    """``type_name``, ``shape``, ``preview``, ``fingerprint`` and ``answer`` (pickled or None)."""
    size = _approximate_bytes(answer)
    packed = _pickled(answer) if size <= MAX_SENT_BYTES else None
    if packed is not None and len(packed) > MAX_SENT_BYTES:
        packed = None
    return {
        "type_name": type(answer).__name__,
        "shape": shape_of(answer),
        "preview": preview_of(answer),
        "fingerprint": fingerprint_of(answer, packed),
        "answer": packed,
    }


def shape_of(answer: Any) -> list[int] | None:
    shape = getattr(answer, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return list(shape)
    if isinstance(answer, list | tuple | set | frozenset | dict):
        return [len(answer)]
    return None


def preview_of(answer: Any) -> str:
    """A few rows and columns, as the notebook would print them, cut to ``PREVIEW_CHARS``."""
    try:
        if isinstance(answer, pd.DataFrame):
            text = answer.to_string(max_rows=PREVIEW_ROWS, max_cols=10, max_colwidth=40)
        elif isinstance(answer, pd.Series):
            text = answer.to_string(max_rows=PREVIEW_ROWS)
        else:
            with np.printoptions(threshold=50, edgeitems=3):
                text = repr(answer)
    except Exception as exc:  # a broken __repr__ must not lose the candidate
        text = f"<no preview: {type(exc).__name__}: {exc}>"
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def fingerprint_of(answer: Any, packed: bytes | None = None) -> str | None:
    """A digest of the exact value; None when the value cannot be digested."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(type(answer).__qualname__.encode())
    try:
        if isinstance(answer, pd.DataFrame | pd.Series | pd.Index) and packed is None:
            digest.update(pd.util.hash_pandas_object(answer, index=True).to_numpy().tobytes())
            digest.update(repr(getattr(answer, "columns", getattr(answer, "name", None))).encode())
        elif isinstance(answer, np.ndarray) and packed is None:
            digest.update(repr((answer.dtype, answer.shape)).encode())
            digest.update(np.ascontiguousarray(answer).data)
        else:
            digest.update(packed if packed is not None else _pickled_or_fail(answer))
    except Exception:  # unhashable cells, unpicklable values: such answers match nothing
        return None
    return digest.hexdigest()


def _approximate_bytes(answer: Any) -> int:
    try:
        if isinstance(answer, pd.DataFrame):
            return int(answer.memory_usage(index=True, deep=False).sum())
        if isinstance(answer, pd.Series | pd.Index):
            return int(answer.memory_usage(deep=False))
        if isinstance(answer, np.ndarray):
            return int(answer.nbytes)
    except Exception:  # an odd extension dtype: fall back to pickling and measuring
        return 0
    return 0


def _pickled(answer: Any) -> bytes | None:
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # any value may refuse to pickle; it is then matched by digest
        return None


def _pickled_or_fail(answer: Any) -> bytes:
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
