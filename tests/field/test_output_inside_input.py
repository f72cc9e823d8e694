"""Kind 6 (#27): no command copies, scans or mines its own output.

``cd analysis && jupyter-pachinco eval mine sales.ipynb --output mined`` once copied the
folder into ``mined/artifacts/...`` inside itself until ``RecursionError``. Every command that
takes an input and an output path is tried with the output inside, beside or equal to its
input: ``eval mine`` (output in the notebooks' folder, the folder itself, a second run over
the first's output, its examples file, its data search), and ``eval generate``, ``eval
score``, ``eval report``, ``train`` and ``train export``, which refuse an output that is or
holds an input, or leave it out of what they copy.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from jupyter_pachinco.cli import main

from .conftest import write_dataset

URL = "https://example.com/data/regions.csv"


def sales_folder(root: Path, *, loads_url: bool = False) -> Path:
    """``analysis/`` with ``sales.ipynb`` (three turns) and its data."""
    folder = root / "analysis"
    folder.mkdir()
    (folder / "sales.csv").write_text("city,total\nOslo,1\nRome,2\nOslo,3\n")
    notebook = nbformat.v4.new_notebook()
    setup = "import pandas as pd\nsales = pd.read_csv('sales.csv')"
    if loads_url:
        setup += f"\nregions = pd.read_csv('{URL}')"
    notebook.cells = [nbformat.v4.new_code_cell(setup)]
    for intent, code in (
        ("Total per city", "sales.groupby('city')['total'].sum()"),
        ("The mean total", "sales['total'].mean()"),
        ("How many rows?", "len(sales)"),
    ):
        notebook.cells += [nbformat.v4.new_markdown_cell(intent), nbformat.v4.new_code_cell(code)]
    nbformat.write(notebook, folder / "sales.ipynb")
    return folder


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def mine(*args: str) -> dict[str, object]:
    assert main(["eval", "mine", *args, "--timeout", "20"]) == 0
    output = Path(args[args.index("--output") + 1])
    report: dict[str, object] = json.loads((output / "mining_report.json").read_text())
    return report


def test_mining_with_the_output_inside_the_notebooks_folder_copies_only_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = sales_folder(tmp_path)
    monkeypatch.chdir(folder)
    for _ in range(2):  # the second run finds the first one's output in the folder
        report = mine("sales.ipynb", "--output", "mined")
        assert (report["episodes"], report["turns_kept"]) == (1, 3)
        assert files_under(folder / "mined" / "artifacts") == ["sales/sales.csv"]


def test_mining_a_folder_into_itself_mines_its_notebooks_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = sales_folder(tmp_path)
    monkeypatch.chdir(folder)
    for _ in range(2):
        report = mine(".", "--output", ".", "--examples", "examples.jsonl")
        assert (report["notebooks"], report["turns_kept"]) == (1, 3)
        assert files_under(folder / "artifacts") == ["sales/sales.csv"]


def test_the_data_search_never_takes_a_file_from_the_output(tmp_path: Path) -> None:
    folder = sales_folder(tmp_path, loads_url=True)
    output = folder / "mined"
    # An earlier run left a file of the URL's name in its work copies: not the notebook's data.
    (output / "artifacts" / "old").mkdir(parents=True)
    (output / "artifacts" / "old" / "regions.csv").write_text("city,region\nOslo,N\n")
    report = mine(str(folder / "sales.ipynb"), "--output", str(output))
    assert report["missing_data"] == {"sales.ipynb": [URL]}
    assert "regions.csv" not in files_under(output / "artifacts" / "sales")


def test_a_notebook_inside_the_outputs_artifacts_is_never_mined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = sales_folder(tmp_path)
    output = tmp_path / "mined"
    mine(str(folder), "--output", str(output))
    inside = output / "artifacts" / "sales" / "copy.ipynb"
    inside.write_bytes((folder / "sales.ipynb").read_bytes())
    # Scanned: the output's artifacts are not entered.
    report = mine(str(output), "--output", str(output))
    assert report["notebooks"] == 0
    # Named: refused, before its folder is replaced by a copy of itself.
    argv = ["eval", "mine", str(inside), "--output", str(output)]
    assert main(argv) == 1
    assert "copy.ipynb" in capsys.readouterr().err
    assert inside.is_file()


def test_commands_refuse_an_output_that_is_or_holds_their_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = [{"cell_type": "code", "source": "x = 1", "outputs": []}]
    dataset = write_dataset(tmp_path, cells, "x", "x")
    before = dataset.read_bytes()
    examples = tmp_path / "examples.jsonl"
    examples.write_text("")
    refused = [
        ["eval", "generate", "--dataset", str(dataset), "--output", str(dataset)],
        ["eval", "generate", "--dataset", str(dataset), "--output", str(tmp_path)],
        ["eval", "score", "--dataset", str(dataset), "--artifacts", str(tmp_path / "artifacts"),
         "--predictions", str(dataset), "--output", str(dataset)],
        ["eval", "report", str(dataset), "--html", str(dataset)],
        ["train", "--base", str(tmp_path), "--examples", str(examples), "--output", str(tmp_path)],
        ["train", "export", "--adapter", str(tmp_path), "--output", str(tmp_path)],
        ["eval", "mine", str(dataset), "--output", str(tmp_path), "--examples", str(dataset)],
    ]  # fmt: skip
    for argv in refused:
        assert main(argv) == 1, argv
        said = capsys.readouterr().err
        assert "write the output somewhere else" in said, argv
    assert dataset.read_bytes() == before


def test_scoring_never_copies_its_result_into_the_work_folder_it_runs_in(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": "import os", "outputs": []}]
    dataset = write_dataset(tmp_path, cells, "is there a result file?", "False")
    predictions = tmp_path / "predictions.json"
    episode = json.loads(dataset.read_text())[0]
    metadata = {k: v for k, v in episode.items() if k != "turns"}
    turn = {
        "metadata": {"example": episode["turns"][0]},
        "predictions": ["os.path.exists('R.json')"],
    }
    predictions.write_text(json.dumps([{"metadata": metadata, "turns": [turn]}]))
    result = tmp_path / "artifacts" / "field" / "R.json"  # inside the turn's own work folder
    argv = ["eval", "score", "--dataset", str(dataset), "--artifacts", str(tmp_path / "artifacts")]
    argv += ["--predictions", str(predictions), "--output", str(result), "--quiet"]
    for _ in range(2):  # the second run has the first's R.json in the work folder
        assert main([*argv, "--mode", "strict"]) == 0
        [scored] = json.loads(result.read_text())["episodes"][0]["turns"]
        assert [h["correct"] for h in scored["hypotheses"]] == [True]
