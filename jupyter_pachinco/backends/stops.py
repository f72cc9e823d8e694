"""Stop strings on a stream: emit text as soon as it cannot begin a stop string.

Pure logic, no I/O. A stop string may arrive split across deltas, so the tail of the text that
could still grow into a stop string is held back until the next delta settles it.
"""

from __future__ import annotations

from collections.abc import Sequence


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """The text before the stop string that completes first, and whether one was found.

    "First" is as a decoder streaming `text` would see it: the stop whose last character comes
    earliest (ties: the one that starts earliest). Cutting at the earliest *start* instead would
    disagree with a stream when a long stop begins before a short one that ends first
    (`'a)a'` with stops `')'` and `'a)a'` streams as `'a'`).
    """
    found = [(pos + len(stop), pos) for stop in stops if stop and (pos := text.find(stop)) >= 0]
    if not found:
        return text, False
    return text[: min(found)[1]], True


def _held_back_length(text: str, stops: Sequence[str]) -> int:
    """Length of the longest tail of `text` that is a proper prefix of some stop string."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest


class StopTrimmer:
    """Feeds one candidate's deltas through, cutting the output at the first stop string."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(stops)
        self._pending = ""
        self.stopped = False

    def feed(self, delta: str) -> str:
        """The text that is now safe to emit; sets `stopped` when a stop string appears."""
        if self.stopped:
            return ""
        text, found = cut_at_stop(self._pending + delta, self._stops)
        if found:
            self.stopped = True
            self._pending = ""
            return text
        hold = _held_back_length(text, self._stops)
        self._pending = text[len(text) - hold :]
        return text[: len(text) - hold]

    def flush(self) -> str:
        """At the end of the stream, whatever was held back is real output."""
        if self.stopped:
            return ""
        text, self._pending = self._pending, ""
        return text
