"""The training progress line: tokens per second and time left."""

from __future__ import annotations

import pytest

from jupyter_pachinco.training.progress import format_eta, format_line


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (42.4, "42s"), (185, "3m05s"), (3720, "1h02m"), (float("inf"), "?"), (-1, "?")],
)
def test_eta(seconds: float, text: str) -> None:
    assert format_eta(seconds) == text


def test_line_shows_step_losses_rate_and_eta() -> None:
    line = format_line(40, 120, 2310.4, 185, {"loss": 1.23449, "eval_loss": 1.3})
    assert line == "step 40/120  loss 1.234  eval 1.300  2310 tok/s  ETA 3m05s"
    assert format_line(1, 2, 0.0, float("inf"), {}) == "step 1/2  0 tok/s  ETA ?"
