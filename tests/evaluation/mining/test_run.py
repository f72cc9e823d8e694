"""``eval mine`` end to end on small notebooks written for these tests (real subprocess runs).

One mining run over a folder of notebooks covers: data behind URLs (folder match, data root,
``--data-map``, not found), exclusion reasons, bad notebooks (invalid JSON, another language,
no kernel spec, a cell that loops forever, a notebook that deletes its data), the split, the
schemas, the training examples, and scoring the mined set with ``eval score``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_pachinco.cli import main
from jupyter_pachinco.evaluation.dataset import load_dataset
from jupyter_pachinco.evaluation.generate import turn_prompt
from jupyter_pachinco.evaluation.mining.examples import prompt_assistant, write_examples

# Several notebooks run in subprocesses, one waits out a 3 s cell timeout.
pytestmark = pytest.mark.timeout(600)

ORDERS = "item,quantity,price\nbread,3,2.5\njam,1,4.0\nbread,5,2.5\ntea,2,3.0\n"


def write_notebook(
    path: Path, cells: list[tuple[str, str]], language: str | None = "python"
) -> None:
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(source))
    if language is not None:
        nb.metadata["kernelspec"] = {
            "name": language,
            "language": language,
            "display_name": language,
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def build_notebooks(root: Path, data_root: Path, elsewhere: Path) -> None:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "orders.csv").write_text(ORDERS)
    (data_root / "data.example.com" / "shop data").mkdir(parents=True)
    (data_root / "data.example.com" / "shop data" / "prices.csv").write_text(
        "item,vat\nbread,0.1\n"
    )
    elsewhere.write_text("region,item\nnorth,bread\n")
    write_notebook(
        root / "shop" / "orders.ipynb",
        [
            ("md", "# Shop exercises"),
            ("md", "### Step 1. Import the necessary libraries"),
            ("code", "import pandas as pd\nimport numpy as np"),
            ("md", "### Step 2. Import the [orders](https://example.org/x/orders.csv)."),
            ("code", "orders = pd.read_csv('https://example.org/x/orders.csv')\norders"),
            ("md", "### Step 3. Load the prices"),
            ("code", "prices = pd.read_csv('https://data.example.com/shop%20data/prices.csv')"),
            ("md", "### Step 4. Load the regions"),
            ("code", "regions = pd.read_csv('https://elsewhere.net/r.csv')"),
            ("md", "### Step 5. How many items were sold?"),
            ("code", "# add up the quantities\norders.quantity.sum()"),
            ("md", "### Step 6. What is the mean discount?"),
            ("code", "orders.discount.mean()"),
            ("md", "### Step 7. Load the customers"),
            ("code", "customers = pd.read_csv('https://nowhere.org/customers.csv')"),
            ("md", "### Step 8. Describe the columns"),
            ("code", "orders.info()"),
            ("md", "### Step 9. Which item sold most?"),
            ("code", "orders.groupby('item').quantity.sum().idxmax()"),
        ],
    )
    write_notebook(
        root / "noise" / "random.ipynb",
        [
            ("code", "import random\nimport numpy as np\nimport pandas as pd"),
            ("md", "Draw five numbers"),
            ("code", "draws = np.random.rand(5)\ndraws"),
            ("md", "Pick a card"),
            ("code", "random.randint(1, 1000)"),
            ("md", "Sample two rows of a frame of random numbers"),
            ("code", "pd.DataFrame(np.random.randn(10, 2)).sample(2)"),
        ],
    )
    (root / "bad").mkdir()
    (root / "bad" / "invalid.ipynb").write_text("{ this is not json")
    write_notebook(root / "bad" / "r.ipynb", [("md", "Count"), ("code", "nrow(df)")], "R")
    write_notebook(root / "bad" / "bare.ipynb", [("md", "Add"), ("code", "x = 1 + 1")], None)
    write_notebook(
        root / "loop" / "loop.ipynb",
        [
            ("md", "Wait forever"),
            ("code", "while True:\n    pass"),
            ("md", "Then add"),
            ("code", "total = 2 + 3"),
        ],
    )
    (root / "deleter").mkdir()
    (root / "deleter" / "data.csv").write_text(ORDERS)
    write_notebook(
        root / "deleter" / "deleter.ipynb",
        [
            ("code", "import os\nimport pandas as pd"),
            ("md", "Load the data"),
            ("code", "df = pd.read_csv('data.csv')"),
            ("md", "Delete the file"),
            ("code", "os.remove('data.csv')"),
            ("md", "Load it again"),
            ("code", "again = pd.read_csv('data.csv')"),
        ],
    )


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("mine")
    root, data_root, elsewhere = base / "notebooks", base / "url_data", base / "regions.csv"
    build_notebooks(root, data_root, elsewhere)
    output = base / "out"
    status = main(
        ["eval", "mine", str(root), "--output", str(output), "--data-root", str(data_root),
         "--data-map", f"https://elsewhere.net/r.csv={elsewhere}", "--timeout", "3",
         "--split", "test=0.5", "--seed", "0", "--examples", str(base / "train.jsonl")]
    )  # fmt: skip
    assert status == 0
    report = json.loads((output / "mining_report.json").read_text())
    return {"root": root, "output": output, "report": report, "base": base}


def turns_of(output: Path, name: str, file: str = "dataset.json") -> list[dict[str, Any]]:
    dataset = json.loads((output / file).read_text())
    (episode,) = [e for e in dataset if e["notebook_name"] == name]
    turns: list[dict[str, Any]] = episode["turns"]
    return turns


def test_urls_map_to_local_files_and_the_code_in_the_dataset_loads_them(
    mined: dict[str, Any],
) -> None:
    turns = turns_of(mined["output"], "shop/orders.ipynb")
    codes = [turn["turn"]["code"]["value"] for turn in turns]
    assert "orders = pd.read_csv('orders.csv')\norders" in codes
    assert "prices = pd.read_csv('prices.csv')" in codes
    assert "regions = pd.read_csv('regions.csv')" in codes
    work_dir = mined["output"] / "artifacts" / "shop__orders"
    assert sorted(p.name for p in work_dir.iterdir()) == ["orders.csv", "prices.csv", "regions.csv"]
    assert mined["report"]["missing_data"] == {
        "shop/orders.ipynb": ["https://nowhere.org/customers.csv"]
    }


def test_each_excluded_turn_is_listed_with_its_reason(mined: dict[str, Any]) -> None:
    report = mined["report"]
    reasons = {(e["notebook"], e["intent"]): e["reason"] for e in report["excluded"]}
    assert reasons[("shop/orders.ipynb", "Import the necessary libraries")] == (
        "no output and no changed variable"
    )
    assert reasons[("shop/orders.ipynb", "What is the mean discount?")] == "reference failed"
    assert reasons[("shop/orders.ipynb", "Load the customers")] == "data not found"
    assert reasons[("shop/orders.ipynb", "Describe the columns")] == (
        "no output and no changed variable"
    )
    assert reasons[("loop/loop.ipynb", "Wait forever")] == "timed out"
    # The scorer runs each answer in a fork, where Python's random is reseeded.
    assert reasons[("noise/random.ipynb", "Pick a card")] == "output not repeatable"
    # A turn runs twice, as the scorer runs a reference and then each hypothesis: the second
    # run finds the file gone, so the scorer could not judge this turn either.
    assert reasons[("deleter/deleter.ipynb", "Delete the file")] == "reference failed"
    assert reasons[("deleter/deleter.ipynb", "Load it again")] == "reference failed"
    counted = sum(report["excluded_by_reason"].values())
    assert counted == len(report["excluded"]) == report["turns_found"] - report["turns_kept"]
    intents = [t["turn"]["intent"]["value"] for t in turns_of(mined["output"], "shop/orders.ipynb")]
    assert intents == [
        "Import the orders.",
        "Load the prices",
        "Load the regions",
        "How many items were sold?",
        "Which item sold most?",
    ]


def test_bad_notebooks_are_reported_and_never_fail_the_run(mined: dict[str, Any]) -> None:
    report = mined["report"]
    problems = {e["notebook"]: e["problem"] for e in report["notebooks_not_mined"]}
    assert set(problems) == {"bad/invalid.ipynb", "bad/r.ipynb"}
    assert "not a readable notebook" in problems["bad/invalid.ipynb"]
    assert "r, not Python" in problems["bad/r.ipynb"]
    # No kernel spec at all: mined as Python.
    assert [t["turn"]["code"]["value"] for t in turns_of(mined["output"], "bad/bare.ipynb")] == [
        "x = 1 + 1"
    ]
    # After a cell that loops forever, the notebook goes on.
    assert [t["turn"]["intent"]["value"] for t in turns_of(mined["output"], "loop/loop.ipynb")] == [
        "Then add"
    ]
    # The notebook deleted its data in a scratch copy; the artifacts keep it.
    assert (mined["output"] / "artifacts" / "deleter__deleter" / "data.csv").read_text() == ORDERS


def test_splits_hold_whole_notebooks_and_no_notebook_is_in_both(mined: dict[str, Any]) -> None:
    output, split = mined["output"], mined["report"]["split"]
    train = {e.notebook_name for e in load_dataset(output / "dataset.train.json")}
    test = {e.notebook_name for e in load_dataset(output / "dataset.test.json")}
    everything = load_dataset(output / "dataset.json")
    assert train
    assert test
    assert not train & test
    assert train | test == {e.notebook_name for e in everything}
    assert (sorted(train), sorted(test)) == (split["train"], split["test"])
    assert split["train_turns"] + split["test_turns"] == mined["report"]["turns_kept"]
    assert sum(len(e.turns) for e in everything) == mined["report"]["turns_kept"]


def test_random_data_is_seeded_so_two_runs_give_the_same_outputs(
    mined: dict[str, Any], tmp_path: Path
) -> None:
    again = tmp_path / "again"
    assert main(["eval", "mine", str(mined["root"] / "noise"), "--output", str(again)]) == 0
    first = turns_of(mined["output"], "noise/random.ipynb")
    second = turns_of(again, "random.ipynb")
    digests = [turn["metadata"]["reference_digest"] for turn in first]
    assert len(digests) == 2
    assert all(digests)
    assert len(set(digests)) == 2
    assert [turn["metadata"]["reference_digest"] for turn in second] == digests


def test_schemas_of_live_frames_are_recorded_and_reach_the_prompt(mined: dict[str, Any]) -> None:
    turn = turns_of(mined["output"], "shop/orders.ipynb")[3]
    names = [d["name"] for d in turn["metadata"]["variable_descriptions"]]
    assert names == ["orders", "prices", "regions"]
    assert "# Columns in orders with example values:\n# item (bread)" in turn["input"]
    assert turn["input"].rstrip().endswith("# Solution: Let's solve this problem step-by-step.")
    assert "Problem: How many items were sold?" in turn["input"]


def test_training_examples_are_our_prompts_with_explained_references(mined: dict[str, Any]) -> None:
    lines = (mined["base"] / "train.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    train = json.loads((mined["output"] / "dataset.train.json").read_text())
    assert len(records) == sum(len(e["turns"]) for e in train)
    assistant = prompt_assistant()
    for record in records:
        (episode,) = [e for e in train if e["notebook_name"] == record["episode"]]
        example = episode["turns"][record["turn"]]
        assert record["form"] == "completion"
        assert record["prompt"] == turn_prompt(example, assistant, "completion")
        assert record["completion"].startswith("# Step 1: ")
        assert record["completion"].endswith("\n")
    if "shop/orders.ipynb" in mined["report"]["split"]["train"]:
        (counted,) = [r for r in records if "quantity.sum()" in r["completion"]]
        assert counted["completion"] == "# Step 1: add up the quantities\norders.quantity.sum()\n"


def test_chat_examples_are_message_lists(mined: dict[str, Any], tmp_path: Path) -> None:
    dataset = json.loads((mined["output"] / "dataset.json").read_text())
    assistant = prompt_assistant(form="chat")
    path = tmp_path / "chat.jsonl"
    assert write_examples(dataset, path, assistant, "chat") == mined["report"]["turns_kept"]
    record = json.loads(path.read_text().splitlines()[0])
    assert record["form"] == "chat"
    assert record["prompt"][0]["role"] == "system"
    assert record["prompt"][-1]["role"] == "user"
    (answer,) = record["completion"]
    assert answer["role"] == "assistant"
    assert answer["content"].startswith("```python\n# Solution: Let's solve this problem")
    assert answer["content"].endswith("\n```")


def test_the_mined_set_scores_its_references_as_correct(
    mined: dict[str, Any], tmp_path: Path
) -> None:
    output = mined["output"]
    dataset = json.loads((output / "dataset.json").read_text())
    predictions = [
        {
            "metadata": {k: v for k, v in episode.items() if k != "turns"},
            "turns": [
                {"metadata": {"example": t}, "predictions": [t["turn"]["code"]["value"]]}
                for t in episode["turns"]
            ],
        }
        for episode in dataset
    ]
    (tmp_path / "p.json").write_text(json.dumps(predictions))
    status = main(
        ["eval", "score", "--dataset", str(output / "dataset.json"), "--artifacts",
         str(output / "artifacts"), "--predictions", str(tmp_path / "p.json"), "--output",
         str(tmp_path / "R.json"), "--quiet"]
    )  # fmt: skip
    assert status == 0
    metrics = json.loads((tmp_path / "R.json").read_text())["metrics"]
    assert metrics["num_evaluated_problems"] == mined["report"]["turns_kept"]
    assert metrics["pass@1"] == 1.0
