"""Console transcripts in answers, turned into the input code alone.

Models copy documentation, and documentation shows sessions: the standard console
(``>>> df.head()``, continuations ``... ``, then the printed value) and IPython (``In [1]:
df.describe()``, continuations ``   ...: ``, then ``Out[1]:`` and the value's lines). Under the
plain-Python executor of trial runs, fixes and evaluation, ``In [1]: expr`` is an annotated
assignment that runs and shows nothing, and ``>>> x`` is a syntax error; so the prompts go.

A transcript is an answer whose first line of code (after any prose) carries a prompt: then
only prompt and continuation lines are kept, without their prompts, and everything else after
the first prompt (printed values, ``Out[n]:`` blocks) is dropped; blank lines stay blank.
In code that does not open with a prompt, prompts are only taken off the lines that carry
them (``...`` alone, Python's Ellipsis, is kept there). Pure logic, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_INPUT = re.compile(r"^(?:>>>(?: |$)|In \[\s*\d*\s*\]: ?)")
_IPYTHON_MORE = re.compile(r"^\s*\.{3,}: ?")
_PYTHON_MORE = re.compile(r"^\.\.\.(?: |$)")


def is_prompt_line(line: str) -> bool:
    """Whether ``line`` opens with a console's input prompt (``>>>``, ``In [n]:``)."""
    return _INPUT.match(line) is not None


def input_code(lines: Sequence[str], is_prose: Callable[[str], bool]) -> list[str]:
    """The lines of a transcript as its input code (see the module docstring); ``is_prose``
    tells a line of prose before the first prompt from code."""
    first = next((i for i, line in enumerate(lines) if line.strip() and not is_prose(line)), None)
    if first is None or not is_prompt_line(lines[first]):
        return [_without_prompt(line) if is_prompt_line(line) else line for line in lines]
    kept = list(lines[:first])
    for line in lines[first:]:
        if is_prompt_line(line):
            kept.append(_without_prompt(line))
        elif _IPYTHON_MORE.match(line):
            kept.append(_IPYTHON_MORE.sub("", line, count=1))
        elif _PYTHON_MORE.match(line):
            kept.append(line[4:])
        elif not line.strip():
            kept.append("")
    return kept


def _without_prompt(line: str) -> str:
    return _INPUT.sub("", line, count=1)
