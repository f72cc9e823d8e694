"""``eval mine`` names each notebook once and distinctly: names are episodes and work folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.cli import main
from jupyter_pachinco.evaluation.errors import EvaluationError
from jupyter_pachinco.evaluation.mining.cli import find_notebooks
from jupyter_pachinco.evaluation.mining.run import work_dir_name
from tests.evaluation.mining.test_run import write_notebook

TURN = [("md", "How many rows?"), ("code", "import pandas as pd\nlen(pd.DataFrame({'a': [1, 2]}))")]


def names(found: list[tuple[Path, str]]) -> list[str]:
    return [name for _, name in found]


def test_one_folder_keeps_names_relative_to_it(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        write_notebook(tmp_path / folder / "Exercises.ipynb", TURN)
    assert names(find_notebooks([tmp_path])) == ["a/Exercises.ipynb", "b/Exercises.ipynb"]


@pytest.mark.parametrize(
    "layout",
    [
        # same file name in two folders, given as files
        ["x/Chipotle/Ex.ipynb", "y/Chipotle/Ex.ipynb"],
        ["one/Ex.ipynb", "two/Ex.ipynb", "three/Ex.ipynb"],
        # names that differ only where a folder name cannot keep the difference
        ["p/a b.ipynb", "p/a_b.ipynb"],
    ],
)
def test_files_with_clashing_names_get_distinct_names_and_work_folders(
    tmp_path: Path, layout: list[str]
) -> None:
    for relative in layout:
        write_notebook(tmp_path / relative, TURN)
    found = find_notebooks([tmp_path / relative for relative in layout])
    assert [path for path, _ in found] == [tmp_path / relative for relative in layout]
    assert len({work_dir_name(name) for name in names(found)}) == len(layout)


def test_two_folders_with_the_same_inner_layout_get_distinct_names(tmp_path: Path) -> None:
    for folder in ("2023", "2024"):
        write_notebook(tmp_path / folder / "sales" / "Ex.ipynb", TURN)
    found = names(find_notebooks([tmp_path / "2023", tmp_path / "2024"]))
    assert found == ["2023/sales/Ex.ipynb", "2024/sales/Ex.ipynb"]


def test_a_notebook_given_twice_is_mined_once(tmp_path: Path) -> None:
    write_notebook(tmp_path / "a" / "Ex.ipynb", TURN)
    found = find_notebooks([tmp_path / "a" / "Ex.ipynb", tmp_path, tmp_path / "a" / "Ex.ipynb"])
    assert names(found) == ["Ex.ipynb"]


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="no such notebook or folder"):
        find_notebooks([tmp_path / "nowhere.ipynb"])


@pytest.mark.timeout(300)
def test_mining_two_same_named_notebooks_keeps_both_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "Ex.ipynb", tmp_path / "b" / "Ex.ipynb"
    write_notebook(first, TURN)
    write_notebook(
        second, [*TURN, ("md", "And the columns?"), ("code", "list(pd.DataFrame({'c': [1]}))")]
    )
    output = tmp_path / "mined"
    assert main(["eval", "mine", str(first), str(second), "--output", str(output)]) == 0
    report = json.loads((output / "mining_report.json").read_text())
    assert sorted(report["per_notebook"]) == ["a/Ex.ipynb", "b/Ex.ipynb"]
    dataset = json.loads((output / "dataset.json").read_text())
    turns = {e["notebook_name"]: len(e["turns"]) for e in dataset}
    assert turns == {"a/Ex.ipynb": 1, "b/Ex.ipynb": 2}
    folders = sorted(p.name for p in (output / "artifacts").iterdir())
    assert folders == ["a__Ex", "b__Ex"]
