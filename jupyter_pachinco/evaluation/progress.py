"""A dependency-free progress line on stderr: problems done, rate and time left; the line
writer (`ProgressLine`) serves ``jupyter-pachinco train`` too."""

from __future__ import annotations

import time
from typing import TextIO


def format_progress(done: int, total: int, elapsed_s: float, width: int = 24) -> str:
    """``[#####-----] 5/10 problems  2.5/s  ETA 2s`` (pure, for testing)."""
    fraction = done / total if total else 1.0
    filled = round(width * fraction)
    rate = done / elapsed_s if elapsed_s > 0 else 0.0
    remaining = (total - done) / rate if rate > 0 else float("inf")
    eta = "?" if remaining == float("inf") else f"{remaining:.0f}s"
    bar = "#" * filled + "-" * (width - filled)
    return f"[{bar}] {done}/{total} problems  {rate:.2f}/s  ETA {eta}"


class ProgressLine:
    """Redraws one line on a terminal; prints a line per tenth of the work otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._interactive = stream.isatty()
        self._last_tenth = -1

    def show(self, line: str, done: int, total: int) -> None:
        """Show ``line``, the state after ``done`` of ``total`` units of work."""
        if self._interactive:
            end = "\n" if done >= total else ""
            self._stream.write(f"\r{line}{end}")
        else:
            tenth = (10 * done) // total if total else 10
            if tenth == self._last_tenth and done < total:
                return
            self._last_tenth = tenth
            self._stream.write(f"{line}\n")
        self._stream.flush()


class ProgressBar:
    """The problems done (`format_progress`), as a `ProgressLine`."""

    def __init__(self, stream: TextIO) -> None:
        self._line = ProgressLine(stream)
        self._started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        self._line.show(format_progress(done, total, time.monotonic() - self._started), done, total)
