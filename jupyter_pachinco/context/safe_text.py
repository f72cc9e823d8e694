"""The one place prompt text is made safe: valid Unicode, and safe where it is written.

Every piece of text that reaches a prompt passes through ``safe_text``: cells and their outputs,
column labels, example values and reprs of variables, earlier turns and the intent (all of
them when the context is packed, see ``budget.pack_context``), and the finished prompt of
either form (completion text or chat messages) before a backend gets it.

- Valid Unicode: a lone UTF-16 surrogate (``"great day \\ud83d"``, common in scraped social
  media text) cannot be encoded as UTF-8, so no backend could send or tokenize it; it becomes
  U+FFFD. A surrogate pair spelled as two code points becomes the character it stands for.
- In a ``#`` comment line (schema, variables, outputs, markdown cells, the problem), no
  character may end the comment: every character ``str.splitlines`` splits on is written as
  its escape (``\\n``, ``\\r``, ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``,
  ``\\u2028``, ``\\u2029``), so a value cannot start a line of code in the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

Place = Literal["text", "comment"]

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile("\r\n|[" + re.escape(LINE_BREAKS) + "]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\r\n": "\\r\\n"}


def safe_text(text: object, where: Place = "text") -> str:
    """``text`` (``str()`` of anything else) as valid Unicode; in a ``"comment"``, with every
    line break escaped so that the text stays on its comment line."""
    valid = valid_unicode(text if isinstance(text, str) else str(text))
    if where == "comment":
        return _LINE_BREAK.sub(_escape, valid)
    return valid


def valid_unicode(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def safe_value(value: Any) -> Any:
    """``value`` (a JSON-like description, a turn, a cell) with every string made valid
    Unicode, keys included; other values as they are."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, Mapping):
        return {safe_value(k): safe_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(safe_value(item) for item in value)
    return value


def comment_lines(text: str) -> str:
    """Every line of ``text`` as a ``# `` comment line (blank lines too, as nbconvert does);
    any line break ``str.splitlines`` knows starts a new comment line."""
    lines = _LINE_BREAK.split(valid_unicode(text))
    return "\n".join("# " + line for line in lines)


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    code = ord(found[0])
    return _ESCAPES.get(found) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
