"""The HTML report escapes untrusted text and plots pass@k."""

from __future__ import annotations

from typing import Any

from jupyter_pachinco.evaluation.report import (
    mode_disagreements,
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


def test_the_report_shows_per_problem_where_the_modes_disagree() -> None:
    report = report_with("<i>df.insert(1, 'c', s)</i>", "")
    turn = report["episodes"][0]["turns"][0]
    turn["target_rules"] = {"official": "output", "strict": "changed_variables"}
    turn["hypotheses"] = [
        {
            "code": "<i>df.insert(1, 'c', s)</i>",
            "correct": False,
            "official": False,
            "strict": True,
        },
        {"code": "df['c'] = s", "correct": True, "official": True, "strict": True},
    ]
    [problem] = mode_disagreements(report["episodes"])
    assert problem["turn_index"] == 0
    assert [h["index"] for h in problem["hypotheses"]] == [0]
    html = render_html_report(report)
    assert "targets: official output, strict changed_variables" in html
    assert "&lt;i&gt;df.insert" in html
    assert "<i>df" not in html


def test_the_report_says_when_the_modes_agree() -> None:
    report = report_with("x", "")
    report["episodes"][0]["turns"][0]["hypotheses"][0].update(official=False, strict=False)
    assert mode_disagreements(report["episodes"]) == []
    assert "Both rule sets give the same verdict" in render_html_report(report)
