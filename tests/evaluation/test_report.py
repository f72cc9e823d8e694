"""The HTML report escapes untrusted text and plots pass@k."""

from __future__ import annotations

from typing import Any

from jupyter_pachinco.evaluation.report import (
    pass_at_k_points,
    pass_at_k_svg,
    render_html_report,
)


def report_with(code: str, error: str) -> dict[str, Any]:
    return {
        "metrics": {"pass@1": 0.25, "pass@5": 0.5, "maj@1": 0.25, "num_problems": 1},
        "episodes": [
            {
                "notebook_name": "<b>nb</b>.ipynb",
                "turns": [
                    {
                        "turn_index": 0,
                        "intent": "Which <script>?",
                        "excluded": False,
                        "reference_error": None,
                        "hypotheses": [{"code": code, "correct": False, "error": error}],
                    }
                ],
            }
        ],
    }


def test_model_output_is_escaped() -> None:
    html = render_html_report(
        report_with("</pre><script>alert(1)</script>", "<img src=x onerror=alert(1)>")
    )
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;nb&lt;/b&gt;.ipynb" in html


def test_plot_has_one_point_per_k() -> None:
    metrics = {"pass@1": 0.25, "pass@10": 0.75, "accuracy@1": 0.3, "maj@1": 0.2}
    assert pass_at_k_points(metrics) == [(1, 0.25), (10, 0.75)]
    svg = pass_at_k_svg(metrics)
    assert svg.count("<circle") == 2
    assert "75.0" in svg


def test_excluded_turns_show_the_reference_failure() -> None:
    report = report_with("x", "boom")
    turn = report["episodes"][0]["turns"][0]
    turn["excluded"] = True
    turn["reference_error"] = "the reference solution failed: KeyError: 'a'"
    html = render_html_report(report)
    assert "excluded: the reference solution failed: KeyError: &#x27;a&#x27;" in html
    assert "Every evaluated hypothesis is correct." in html
