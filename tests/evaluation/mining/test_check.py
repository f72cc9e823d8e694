"""``eval mine`` keeps only turns that ``eval score`` itself can judge (``mining.check``).

A magic line in the context must not make the scorer's context fail (it becomes ``pass``), and a
reference that the official rules cannot pass against itself (a loop that only makes NEW
variables: FORMAT.md E6.4 leaves no target) is excluded with its reason, so that references as
predictions score 100% on every mined set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.cli import main
from jupyter_pachinco.evaluation.mining.check import references_as_predictions
from jupyter_pachinco.evaluation.mining.exclusions import Reason
from tests.evaluation.mining.test_run import write_notebook

pytestmark = pytest.mark.timeout(300)


def test_only_turns_the_scorer_passes_are_kept(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "nb" / "loops.ipynb",
        [
            ("code", "%matplotlib inline\nimport pandas as pd\n!echo hello"),
            ("code", "df = pd.DataFrame({'a': [1, 2, 3], 'b': [4, 5, 6]})"),
            ("md", "### Step 1. What is the total of a?"),
            ("code", "df.a.sum()"),
            ("md", "### Step 2. Print every row"),
            ("code", "for index, row in df.iterrows():\n    print(row)"),
            ("md", "### Step 3. Add a column c, the sum of a and b"),
            ("code", "df['c'] = df.a + df.b"),
        ],
    )
    output = tmp_path / "mined"
    status = main(["eval", "mine", str(tmp_path / "nb"), "--output", str(output)])
    assert status == 0
    report = json.loads((output / "mining_report.json").read_text())
    dataset = json.loads((output / "dataset.json").read_text())
    intents = [t["turn"]["intent"]["value"] for e in dataset for t in e["turns"]]
    assert intents == ["What is the total of a?", "Add a column c, the sum of a and b"]
    assert [e["reason"] for e in report["excluded"]] == [Reason.FAILS_ITSELF.value]
    assert "%matplotlib" not in dataset[0]["turns"][0]["turn"]["code_context"]
    last = dataset[0]["turns"][1]["turn"]
    assert "iterrows" in last["delta_code_context"]  # the dropped turn's code moves on

    predictions = references_as_predictions(dataset)
    (tmp_path / "refs.json").write_text(json.dumps(predictions))
    status = main(
        ["eval", "score", "--dataset", str(output / "dataset.json"), "--artifacts",
         str(output / "artifacts"), "--predictions", str(tmp_path / "refs.json"), "--output",
         str(tmp_path / "R.json"), "--quiet"]
    )  # fmt: skip
    assert status == 0
    metrics = json.loads((tmp_path / "R.json").read_text())["metrics"]
    assert metrics["num_evaluated_problems"] == 2
    assert metrics["pass@1"] == 1.0
