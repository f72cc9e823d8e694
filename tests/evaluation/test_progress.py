"""The progress line: problems done, rate and time left."""

from __future__ import annotations

import io

from jupyter_pachinco.evaluation.progress import ProgressBar, format_progress


def test_progress_line_shows_counts_rate_and_eta() -> None:
    line = format_progress(5, 10, 2.0, width=10)
    assert line == "[#####-----] 5/10 problems  2.50/s  ETA 2s"


def test_eta_is_unknown_before_anything_is_done() -> None:
    assert format_progress(0, 4, 0.0, width=4).endswith("0.00/s  ETA ?")


def test_a_non_terminal_gets_a_first_line_then_one_per_tenth() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for done in range(1, 101):
        bar(done, 100)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert " 1/100 problems" in lines[0]
    assert lines[-1].startswith("[" + "#" * 24 + "] 100/100 problems")
