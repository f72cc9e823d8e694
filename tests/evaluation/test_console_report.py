"""``eval report`` prints a readable summary on the console."""

from __future__ import annotations

from jupyter_pachinco.evaluation.console_report import console_summary

RESULT = {
    "metrics": {
        "pass@1": 0.25,
        "pass@5": 0.5,
        "maj@1": 0.25,
        "episode_accuracy@1": 0.0,
        "num_problems": 3,
        "num_evaluated_problems": 2,
        "num_reference_failures": 1,
        "num_hypotheses": 6,
        "num_timeouts": 1,
    },
    "episodes": [
        {
            "notebook_name": "dataset/very/long/path/to/the/olympics/notebook.ipynb",
            "turns": [
                {
                    "excluded": False,
                    "hypotheses": [
                        {"correct": True},
                        {"correct": False, "error": "Traceback...\nKeyError: 'Gold'"},
                    ],
                },
                {
                    "excluded": False,
                    "hypotheses": [
                        {"correct": False, "error": None},
                        {"correct": False, "error": "KeyError: 'Gold'"},
                    ],
                },
                {"excluded": True, "hypotheses": [{"correct": False, "error": "ignored"}]},
            ],
        }
    ],
}


def test_the_console_summary_shows_scores_notebooks_and_errors() -> None:
    text = console_summary(RESULT)
    lines = text.splitlines()
    assert "  pass@1    25.0%" in lines
    assert "  pass@5    50.0%" in lines
    assert any("2 problems evaluated of 3 (1 excluded" in line for line in lines)
    row = next(line for line in lines if "notebook.ipynb" in line)
    assert row.split()[-3:] == ["2", "1", "1"]  # turns, first ok, any ok
    assert row.strip().startswith("...")  # long names keep their end
    assert "      2  KeyError: 'Gold'" in lines
    assert "      1  wrong output (it ran)" in lines
    assert "ignored" not in text  # excluded turns are not counted
