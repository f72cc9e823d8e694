"""Markdown code fences by CommonMark's rules, with the habits models add.

`fence_of` reads one line as a fence (or not); `Fence.closed_by` / `Fence.reopened_by` say
what a later fence line does to an open one; `fenced_regions` walks a whole text into prose and
code regions with their character offsets. Pure logic, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_LANGUAGES = frozenset(
    {"", "python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "jupyter", "pandas"}
)

# CommonMark: up to 3 spaces of indentation, 3+ backticks or tildes, an info string (no
# backtick in it after a backtick fence); a closing fence has no info string.
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}(?=[^`]*$)|~{3,})[ \t]*(?P<info>.*?)\s*$")


@dataclass(frozen=True)
class Fence:
    """One fence line: its indentation, character, length and language (lowercased)."""

    indent: int
    char: str
    length: int
    language: str

    def closed_by(self, line: Fence) -> bool:
        """CommonMark: the same character, at least as long, and no info string."""
        return line.char == self.char and line.length >= self.length and not line.language

    def reopened_by(self, line: Fence) -> bool:
        """A model habit: a fence line of the same kind tagged with a code language inside an
        open fence closes it and opens another (a forgotten closing fence). Any other fence
        line with an info string, and a shorter or other fence, is content."""
        same_kind = line.char == self.char and line.length >= self.length
        return same_kind and line.language in CODE_LANGUAGES and bool(line.language)


def fence_of(line: str) -> Fence | None:
    """The fence that ``line`` is, or None."""
    match = FENCE.match(line)
    if match is None:
        return None
    info = match["info"].split()
    language = info[0].strip("{}.").lower() if info else ""
    return Fence(len(match["indent"]), match["fence"][0], len(match["fence"]), language)


def has_fences(text: str) -> bool:
    return any(FENCE.match(line) for line in text.split("\n"))


def fenced_regions(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, is_code)`` character ranges of ``text``, in order: the inside of each
    fenced block is code, the rest prose; fence lines themselves are in neither. An unclosed
    block runs to the end of the text. Same reading as `answer_text.split_segments`."""
    regions: list[tuple[int, int, bool]] = []
    opened: Fence | None = None
    start = position = 0
    for line in text.split("\n"):
        end = position + len(line)
        fence = fence_of(line)
        if fence is not None and (
            opened is None or opened.closed_by(fence) or opened.reopened_by(fence)
        ):
            regions.append((start, position, opened is not None))
            opened = fence if opened is None or not opened.closed_by(fence) else None
            start = end + 1
        position = end + 1
    regions.append((start, len(text), opened is not None))
    return [region for region in regions if region[1] > region[0]]
