"""Small training example files in both TRL forms, written for the tiny model's vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FRAMES = ["df", "sales", "scores", "orders"]
TASKS = [
    ("mean of {a}", "{f}['{a}'].mean()"),
    ("count the values of {a}", "{f}['{a}'].value_counts()"),
    ("sum {b} by {a}", "{f}.groupby('{a}')['{b}'].sum()"),
]


def example_rows(form: str) -> list[dict[str, object]]:
    """Three turns per episode over four episodes (notebooks)."""
    rows: list[dict[str, object]] = []
    for frame in FRAMES:
        header = f"import pandas as pd\n{frame} = pd.read_csv('{frame}.csv')\n"
        for turn, (intent, code) in enumerate(TASKS):
            text = intent.format(a="price", b="city")
            answer = code.format(f=frame, a="price", b="city")
            row: dict[str, object] = {"episode": f"{frame}.ipynb", "turn": turn, "form": form}
            if form == "completion":
                row["prompt"] = f"{header}\n\n# In[ ]:\n\n\n# {text}\n"
                row["completion"] = answer + "\n"
            else:
                row["prompt"] = [{"role": "user", "content": f"{header}How do I get the {text}?"}]
                row["completion"] = [{"role": "assistant", "content": answer}]
            rows.append(row)
    return rows


def write_examples(path: Path, form: str = "completion") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in example_rows(form)), encoding="utf-8")
    return path


@pytest.fixture
def completion_examples(tmp_path: Path) -> Path:
    return write_examples(tmp_path / "completion.jsonl", "completion")


@pytest.fixture
def chat_examples(tmp_path: Path) -> Path:
    return write_examples(tmp_path / "chat.jsonl", "chat")
