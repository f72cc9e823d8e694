"""Untrusted JSON in, plain Python out, or a `ValueError` whose message can be shown.

Request bodies are read with bounds that ``json.loads`` alone does not keep: nesting depth
(``MAX_DEPTH``; deeper bodies raise ``RecursionError`` in the decoder, or later wherever a
value is walked), digits of an integer (``MAX_INT_DIGITS``; Python refuses to convert more
than 4300 and takes quadratic time below that), ``NaN``/``Infinity`` (not JSON). Every text in
the result, keys included, has its lone UTF-16 surrogates (``"\\ud800"`` escapes that pair with
nothing) replaced by U+FFFD, the rule `context.safe_text` applies to prompt text: such a
character cannot be encoded to UTF-8, so it would fail wherever the text is written or sent.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
MAX_INT_DIGITS = 100
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class UnreadableJSON(ValueError):
    """The body is not JSON this server reads; the message says why."""


def load_bounded(text: str) -> Any:
    """The JSON value in ``text``, with lone surrogates replaced; `UnreadableJSON` otherwise."""
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise UnreadableJSON(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise UnreadableJSON(f"{exc.msg} at {exc.pos}") from None
    return _cleaned(value)


def clean_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise UnreadableJSON(f"an integer has more than {MAX_INT_DIGITS} digits")
    return int(digits)


def _no_constant(name: str) -> Any:
    raise UnreadableJSON(f"{name} is not a JSON value")


def _cleaned(value: Any) -> Any:
    """The value with its texts cleaned, walked without recursion; `UnreadableJSON` when it is
    nested deeper than ``MAX_DEPTH``."""
    root: list[Any] = [value]
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnreadableJSON(f"it is nested more than {MAX_DEPTH} levels deep")
        if isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = clean_text(item)
                elif isinstance(item, list | dict):
                    stack.append((item, depth + 1))
        else:
            for key in list(container):
                item = container.pop(key)
                if isinstance(item, str):
                    item = clean_text(item)
                elif isinstance(item, list | dict):
                    stack.append((item, depth + 1))
                container[clean_text(key)] = item
    return root[0]
