"""The whole loop on the tiny model: mine notebooks, train, export GGUF, serve it with the
llama.cpp backend, score on the held-out notebooks. Plumbing only: no assertion on what the
tiny model writes."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from jupyter_pachinco.cli import main

FRAMES = {  # name: (frame, key column, number column)
    "sales": ("pd.DataFrame({'city': ['a', 'b', 'a'], 'price': [3, 5, 7]})", "city", "price"),
    "scores": ("pd.DataFrame({'team': ['x', 'y', 'x'], 'score': [1, 2, 3]})", "team", "score"),
    "orders": (
        "pd.DataFrame({'item': ['tea', 'jam', 'tea'], 'count': [2, 1, 4]})",
        "item",
        "count",
    ),
}


def write_notebooks(root: Path) -> None:
    """Three small exercise notebooks (inline data), markdown intent -> solution code."""
    for name, (frame, first, second) in FRAMES.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "py"}
        cells = [
            ("md", "### Step 1. Import pandas"),
            ("code", "import pandas as pd"),
            ("md", f"### Step 2. Build the {name} table"),
            ("code", f"{name} = {frame}\n{name}"),
            ("md", f"### Step 3. What is the mean {second}?"),
            ("code", f"{name}['{second}'].mean()"),
            ("md", f"### Step 4. Count the rows per {first}"),
            ("code", f"{name}['{first}'].value_counts()"),
        ]
        for kind, source in cells:
            make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
            nb.cells.append(make(source))
        nbformat.write(nb, str(root / f"{name}.ipynb"))


@pytest.mark.timeout(600)
def test_mine_train_export_serve_score(tiny_model_dir: Path, tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebooks(notebooks)
    mined, examples = tmp_path / "mined", tmp_path / "train.jsonl"
    assert main(
        ["eval", "mine", str(notebooks), "--output", str(mined), "--split", "test=0.34",
         "--seed", "0", "--examples", str(examples), "--form", "chat", "--budget", "300",
         "--timeout", "20"]
    ) == 0  # fmt: skip
    assert len(examples.read_text().splitlines()) == 6  # three turns of two notebooks

    run = tmp_path / "run"
    assert main(
        ["train", "--base", str(tiny_model_dir), "--examples", str(examples), "--output",
         str(run), "--max-steps", "2", "--batch-size", "2", "--save-steps", "2",
         "--max-length", "2048"]
    ) == 0  # fmt: skip
    tuned = tmp_path / "tuned.gguf"
    assert main(["train", "export", "--adapter", str(run), "--output", str(tuned)]) == 0

    predictions, result = tmp_path / "predictions.json", tmp_path / "R.json"
    assert main(
        ["eval", "generate", "--dataset", str(mined / "dataset.test.json"), "--output",
         str(predictions), "--backend", "llamacpp", "--model", str(tuned), "-n", "2",
         "--form", "chat", "--max-new-tokens", "16", "--budget", "300", "--seed", "0", "--quiet"]
    ) == 0  # fmt: skip
    assert main(
        ["eval", "score", "--dataset", str(mined / "dataset.test.json"), "--artifacts",
         str(mined / "artifacts"), "--predictions", str(predictions), "--output", str(result),
         "--quiet", "--workers", "1"]
    ) == 0  # fmt: skip
    metrics = json.loads(result.read_text())["metrics"]
    assert metrics["num_evaluated_problems"] == 3
    assert metrics["num_hypotheses"] == 6
    assert 0.0 <= metrics["pass@1"] <= 1.0
    assert 0.0 <= metrics["maj@1"] <= 1.0
