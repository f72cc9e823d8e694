"""``jupyter-pachinco eval score`` and ``eval report`` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_pachinco.cli import main


def test_score_then_report(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "R.json"
    status = main(
        [
            "eval",
            "score",
            "--dataset",
            str(demo_dir / "dataset.json"),
            "--artifacts",
            str(demo_dir / "artifacts"),
            "--predictions",
            str(demo_dir / "predictions_wrong.json"),
            "--output",
            str(result),
            "--timeout",
            "20",
        ]
    )
    assert status == 0
    report = json.loads(result.read_text())
    assert report["metrics"]["accuracy@1"] == 0.0
    assert [len(e["turns"]) for e in report["episodes"]] == [1, 1, 1, 1, 1]
    hypothesis = report["episodes"][0]["turns"][0]["hypotheses"][0]
    assert set(hypothesis) >= {"correct", "error", "code"}
    captured = capsys.readouterr()
    assert json.loads(captured.out)["num_problems"] == 5
    assert "5/5 problems" in captured.err

    page = tmp_path / "out.html"
    assert main(["eval", "report", str(result), "--html", str(page)]) == 0
    html = page.read_text()
    assert "<svg" in html
    assert "olympics/notebook.ipynb" in html
    assert "value_counts().index.tolist()" in html


def test_predictions_of_another_dataset_are_refused(
    demo_dir: Path, real_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["eval", "score", "--dataset", str(demo_dir / "dataset.json")]
    args += ["--artifacts", str(real_dir / "artifacts")]
    args += ["--predictions", str(real_dir / "predictions_reference.json")]
    args += ["--output", str(tmp_path / "R.json"), "--quiet"]
    assert main(args) == 1
    assert "which the dataset does not contain" in capsys.readouterr().err
    assert not (tmp_path / "R.json").exists()


def test_report_refuses_other_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.json"
    other.write_text("[1, 2]")
    assert main(["eval", "report", str(other), "--html", str(tmp_path / "x.html")]) == 1
    assert "not a result written by 'eval score'" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("jupyter-pachinco")
    completed = subprocess.run(
        [str(script), "eval", "score", "--help"], capture_output=True, text=True, check=True
    )
    assert "--predictions" in completed.stdout


def _one_turn_files(folder: Path, reference: str, hypotheses: list[str]) -> list[str]:
    context = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\n"
    example = {
        "input": "",
        "turn": {
            "intent": {"value": "# Add c", "output_variables": None},
            "code": {"value": reference},
            "code_context": context,
        },
    }
    episode = {"notebook_name": "nb.ipynb", "work_dir": "w", "turns": [example]}
    (folder / "artifacts" / "w").mkdir(parents=True)
    (folder / "dataset.json").write_text(json.dumps([episode]))
    predictions = [
        {
            "metadata": {"notebook_name": "nb.ipynb", "work_dir": "w"},
            "turns": [{"metadata": {"example": example}, "predictions": hypotheses}],
        }
    ]
    (folder / "predictions.json").write_text(json.dumps(predictions))
    return ["--dataset", str(folder / "dataset.json"), "--artifacts", str(folder / "artifacts")]


@pytest.mark.parametrize(("mode", "accuracy"), [("official", 0.0), ("strict", 1.0)])
def test_mode_picks_the_verdicts_and_report_lists_disagreements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, accuracy: float
) -> None:
    files = _one_turn_files(tmp_path, "df['c'] = df.a * 2", ["df.insert(1, 'c', df.a * 2)"])
    result = tmp_path / "R.json"
    args = ["eval", "score", *files, "--predictions", str(tmp_path / "predictions.json")]
    assert main([*args, "--output", str(result), "--quiet", "--mode", mode]) == 0
    report = json.loads(result.read_text())
    assert report["settings"]["mode"] == mode
    assert report["metrics"]["accuracy@1"] == accuracy
    assert report["metrics"]["num_mode_disagreements"] == 1
    [hypothesis] = report["episodes"][0]["turns"][0]["hypotheses"]
    assert (hypothesis["official"], hypothesis["strict"]) == (False, True)
    capsys.readouterr()
    assert main(["eval", "report", str(result), "--html", str(tmp_path / "r.html")]) == 0
    assert "modes disagree: nb.ipynb turn 0: #0 official=wrong strict=correct" in (
        capsys.readouterr().out
    )


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(
            [
                "eval",
                "score",
                "--dataset",
                "d",
                "--artifacts",
                "a",
                "--predictions",
                "p",
                "--output",
                "o",
                "--mode",
                "lenient",
            ]
        )
