"""Kind 5 (#27): every notebook format that Jupyter opens.

Notebooks are read with ``nbformat`` and upgraded to v4 wherever the project reads one:
``eval mine`` (the harness's reader of real notebooks) and the history the server keeps in a
notebook's metadata. v2 and v3 notebooks keep their cells under ``worksheets`` and their code
under ``input``; a v4.0 notebook has no cell ids; a v4 notebook that fails the schema opens
with a warning, as in Jupyter. A file that no version reads is reported by name and never stops
the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_pachinco.cli import main
from tests.server.conftest import Fetch, generate_body, post_json

SETUP = "import pandas as pd\nsales = pd.read_csv('sales.csv')"
TURNS = [
    ("Total sales per city", "sales.groupby('city')['total'].sum()"),
    ("The mean total", "sales['total'].mean()"),
    ("How many rows are there?", "len(sales)"),
]


def v4_notebook() -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)]
    for intent, code in TURNS:
        notebook.cells += [nbformat.v4.new_markdown_cell(intent), nbformat.v4.new_code_cell(code)]
    return notebook


def hand_written_v3() -> str:
    """A v3 notebook as 2014's IPython saved it: lists of lines, prompt numbers, worksheets."""

    def code(source: str, number: int) -> dict[str, Any]:
        lines = source.splitlines(keepends=True)
        return {"cell_type": "code", "collapsed": False, "input": lines, "language": "python",
                "metadata": {}, "outputs": [], "prompt_number": number}  # fmt: skip

    cells: list[dict[str, Any]] = [code(SETUP, 1)]
    for number, (intent, source) in enumerate(TURNS, start=2):
        cells += [
            {"cell_type": "markdown", "metadata": {}, "source": [intent]},
            code(source, number),
        ]
    document = {"metadata": {"name": "", "signature": "sha256:0"}, "nbformat": 3,
                "nbformat_minor": 0, "worksheets": [{"cells": cells, "metadata": {}}]}  # fmt: skip
    return json.dumps(document)


def invalid_v4() -> str:
    """Valid JSON, v4, but cells without ``metadata``: Jupyter opens it with a warning."""
    document = json.loads(nbformat.writes(v4_notebook()))
    for cell in document["cells"]:
        del cell["metadata"]
    return json.dumps(document)


READABLE = {
    "v2.ipynb": lambda: nbformat.writes(v4_notebook(), version=2),
    "v3.ipynb": lambda: nbformat.writes(v4_notebook(), version=3),
    "v3_2014.ipynb": hand_written_v3,
    "v4_0.ipynb": lambda: nbformat.writes(nbformat.convert(v4_notebook(), 4), version=4).replace(
        '"nbformat_minor": 5', '"nbformat_minor": 0'
    ),
    "v4_5.ipynb": lambda: nbformat.writes(v4_notebook()),
    "v4_invalid.ipynb": invalid_v4,
}
UNREADABLE = {
    "not_json.ipynb": "{'cells': [",
    "a_list.ipynb": "[1, 2, 3]",
    "future.ipynb": json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": []}),
    "truncated.ipynb": nbformat.writes(v4_notebook())[:200],
    "latin1.ipynb": b"\xff\xfe not utf-8 \xe9",
}


def test_eval_mine_reads_every_format_jupyter_opens_and_names_what_it_cannot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "sales.csv").write_text("city,total\nOslo,1\nRome,2\nOslo,3\n")
    for name, text in READABLE.items():
        (folder / name).write_text(text(), encoding="utf-8")
    for name, content in UNREADABLE.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    output = tmp_path / "mined"
    assert main(["eval", "mine", str(folder), "--output", str(output), "--timeout", "20"]) == 0
    report = json.loads((output / "mining_report.json").read_text())
    problems = {entry["notebook"]: entry["problem"] for entry in report["notebooks_not_mined"]}
    assert set(problems) == set(UNREADABLE)
    assert all(problem.startswith("not a readable notebook") for problem in problems.values())
    said = capsys.readouterr().out
    assert all(f"not mined, {name}" in said for name in UNREADABLE)
    episodes = json.loads((output / "dataset.json").read_text())
    kept = {episode["notebook_name"]: len(episode["turns"]) for episode in episodes}
    assert kept == {name: len(TURNS) for name in READABLE}
    intents = {t["turn"]["intent"]["value"] for e in episodes for t in e["turns"]}
    assert {intent for intent, _ in TURNS} <= {i.lstrip("# ").strip() for i in intents}


def old_notebook_with_turns(path: Path, version: int) -> None:
    notebook = v4_notebook()
    turn = {"intent": "count the rows", "code": "len(sales)", "explanation": "", "time": ""}
    notebook.metadata["pachinco"] = {"turns": [turn]}
    path.write_text(nbformat.writes(notebook, version=version), encoding="utf-8")


@pytest.mark.parametrize("version", [2, 3])
async def test_the_history_of_an_old_notebook_is_read_and_kept(
    jp_fetch: Fetch, jp_root_dir: Path, version: int
) -> None:
    old_notebook_with_turns(jp_root_dir / "old.ipynb", version)
    response = await jp_fetch("pachinco", "history", params={"path": "old.ipynb"})
    assert [t["intent"] for t in json.loads(response.body)["turns"]] == ["count the rows"]
    prompt = await post_json(
        jp_fetch, "pachinco", "prompt", body=generate_body(notebook_path="old.ipynb")
    )
    assert "len(sales)" in json.dumps(json.loads(prompt.body)["prompt"])
    turn = {"intent": "mean total", "code": "sales.total.mean()", "explanation": ""}
    saved = await post_json(
        jp_fetch, "pachinco", "history", body={"path": "old.ipynb", "turn": turn}
    )
    assert saved.code == 200, saved.body
    on_disk = nbformat.read(jp_root_dir / "old.ipynb", as_version=4)
    assert [t["intent"] for t in on_disk.metadata["pachinco"]["turns"]] == [
        "count the rows",
        "mean total",
    ]
    assert [cell.source for cell in on_disk.cells] == [c.source for c in v4_notebook().cells]
