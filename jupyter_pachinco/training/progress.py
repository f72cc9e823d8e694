"""A training progress line with tokens per second and time left (a `TrainerCallback`).

Replaces the Trainer's own tqdm bar: ``step 40/120  loss 1.234  eval 1.301  2310 tok/s  ETA 3m05s``
redrawn on a terminal, one line per tenth of the run otherwise. Tokens are the Trainer's
``num_input_tokens_seen`` (the batch's non-padding tokens, summed over processes); only the
main process prints.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from transformers import TrainerCallback

from ..evaluation.progress import ProgressLine


def format_eta(seconds: float) -> str:
    """``1h02m``, ``3m05s`` or ``42s``; ``?`` when unknown."""
    if seconds != seconds or seconds == float("inf") or seconds < 0:
        return "?"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def format_line(
    step: int, total: int, tokens_per_s: float, eta_s: float, logs: dict[str, float]
) -> str:
    """One progress line (pure, for testing)."""
    parts = [f"step {step}/{total}"]
    if "loss" in logs:
        parts.append(f"loss {logs['loss']:.3f}")
    if "eval_loss" in logs:
        parts.append(f"eval {logs['eval_loss']:.3f}")
    parts.append(f"{tokens_per_s:.0f} tok/s")
    parts.append(f"ETA {format_eta(eta_s)}")
    return "  ".join(parts)


class TokensPerSecond(TrainerCallback):
    """Tracks tokens/s over the steps run in this process (a resumed run starts afresh)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._line = ProgressLine(stream or sys.stderr)
        self._start_time = 0.0
        self._start_step = 0
        self._start_tokens = 0
        self._logs: dict[str, float] = {}
        self.tokens_per_s = 0.0
        self.tokens = 0

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._start_time = time.monotonic()
        self._start_step = state.global_step
        self._start_tokens = state.num_input_tokens_seen

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        for key in ("loss", "eval_loss"):
            if logs and key in logs:
                self._logs[key] = float(logs[key])

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        elapsed = time.monotonic() - self._start_time
        self.tokens = state.num_input_tokens_seen - self._start_tokens
        steps = state.global_step - self._start_step
        self.tokens_per_s = self.tokens / elapsed if elapsed > 0 else 0.0
        left = state.max_steps - state.global_step
        eta = left * elapsed / steps if steps else float("inf")
        if state.is_world_process_zero:
            self._draw(state.global_step, state.max_steps, eta)

    def _draw(self, step: int, total: int, eta: float) -> None:
        self._line.show(format_line(step, total, self.tokens_per_s, eta, self._logs), step, total)
