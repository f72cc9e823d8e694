"""Kind 7 (#27): values that hold arrays or lists.

``df.groupby("customer")["item"].unique()`` outputs a Series of numpy arrays (pandas
extension arrays under pandas 3); two candidates that both answer so must agree. Fuzzy matching
and the vote compare nested values (arrays, lists, tuples, Arrow list scalars, dicts inside
cells) by their elements and never raise; official-mode scoring keeps the official verdict;
schemas show such columns' example values. Through the server's trial runs in a real kernel,
``eval score`` in both modes, and the prompt dry run (``tests/kernel_side`` has the same
rules under the oldest pandas).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyter_pachinco.cli import main
from jupyter_pachinco.execution.official_matching import ComparisonError, fuzzy_match
from tests.server.conftest import Fetch, generate, generate_body, post_json
from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.support.user_kernel import user_kernel

from .conftest import write_dataset

SETUP = (
    "import numpy as np\nimport pandas as pd\nimport pyarrow as pa\n"
    "orders = pd.DataFrame({'customer': ['ann', 'ann', 'bo', 'bo', 'cy'],\n"
    "                       'item': ['tea', 'jam', 'tea', 'egg', 'jam'],\n"
    "                       'price': [2.0, 3.5, 2.0, 1.0, 3.5]})"
)
AGREEING = {
    "unique, twice": (
        "orders.groupby('customer')['item'].unique()",
        "orders.groupby('customer').item.unique()",
    ),
    "arrays and lists": (
        "orders.groupby('customer')['item'].unique()",
        "orders.groupby('customer')['item'].apply(list)",
    ),
    "arrays in frame cells": (
        "orders.groupby('customer')['item'].unique().reset_index()",
        "orders.groupby('customer', as_index=False)['item'].agg(lambda s: s.unique())",
    ),
    "tuples and numeric arrays": (
        "orders.groupby('customer')['price'].agg(tuple)",
        "orders.groupby('customer')['price'].apply(lambda s: s.to_numpy())",
    ),
    "dicts of arrays in cells": (
        "orders.groupby('customer')['price'].apply(lambda s: {'prices': s.to_numpy()})",
        "orders.groupby('customer')['price'].apply(lambda s: {'prices': list(s)})",
    ),
    "Arrow list scalars": (
        "pd.Series(pd.arrays.ArrowExtensionArray(pa.array("
        "orders.groupby('customer')['item'].apply(list).tolist())), "
        "index=orders.groupby('customer')['item'].unique().index)",
        "orders.groupby('customer')['item'].unique()",
    ),
}


def answer(code: str) -> Behaviour:
    return Behaviour(
        words=("Group the items.\n", "```python\n", f"{code}\n", "```\n"), honour_n=False
    )


async def ranked(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer, codes: tuple[str, ...]
) -> list[dict[str, Any]]:
    fake_openai.script[:] = [answer(code) for code in codes]
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _):
        options = {"n": len(codes), "max_new_tokens": 256}
        lines = await generate(jp_fetch, generate_body(kernel_id=kernel_id, options=options))
    [ranking] = [line for line in lines if line["type"] == "ranking"]
    candidates: list[dict[str, Any]] = ranking["candidates"]
    return candidates


@pytest.mark.parametrize("pair", list(AGREEING))
async def test_candidates_with_equal_nested_outputs_vote_together(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer, pair: str
) -> None:
    candidates = await ranked(jp_fetch, jp_serverapp, fake_openai, AGREEING[pair])
    assert [c["status"] for c in candidates] == ["ok", "ok"], candidates
    assert [c["votes"] for c in candidates] == [2, 2]
    assert candidates[0]["group"] == candidates[1]["group"]


async def test_candidates_with_different_nested_outputs_vote_apart(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    codes = (
        "orders.groupby('customer')['item'].unique()",
        "orders.groupby('customer')['item'].apply(lambda s: sorted(s))",
    )
    candidates = await ranked(jp_fetch, jp_serverapp, fake_openai, codes)
    assert [c["votes"] for c in candidates] == [1, 1]


def test_scoring_judges_nested_outputs_and_keeps_the_official_verdict(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": SETUP, "outputs": []}]
    reference = "orders.groupby('customer')['item'].unique()"
    dataset = write_dataset(tmp_path, cells, "the items of each customer", reference)
    hypotheses = [code for pair in AGREEING.values() for code in pair if code != reference]
    hypotheses.append("orders.groupby('customer')['item'].apply(lambda s: sorted(s))")
    episode = json.loads(dataset.read_text())[0]
    turn = {"metadata": {"example": episode["turns"][0]}, "predictions": hypotheses}
    metadata = {k: v for k, v in episode.items() if k != "turns"}
    predictions = tmp_path / "predictions.json"
    predictions.write_text(json.dumps([{"metadata": metadata, "turns": [turn]}]))
    result = tmp_path / "R.json"
    argv = ["eval", "score", "--dataset", str(dataset), "--artifacts", str(tmp_path / "artifacts")]
    argv += ["--predictions", str(predictions), "--output", str(result), "--quiet"]
    assert main([*argv, "--mode", "strict"]) == 0
    [scored] = json.loads(result.read_text())["episodes"][0]["turns"]
    verdicts = [h["strict"] for h in scored["hypotheses"]]
    # Every hypothesis that gives each customer's items in order agrees; prices and a sorted
    # order do not.
    assert verdicts == ["price" not in code and "sorted" not in code for code in hypotheses]
    assert scored["majority"]["correct"]  # the vote found the agreeing cluster
    # Official mode gives the official evaluator's verdicts (E8), computed here directly.
    official = [h["official"] for h in scored["hypotheses"]]
    namespace: dict[str, Any] = {}
    exec(SETUP, namespace)
    target = eval(reference, namespace)
    expected = [official_verdict(eval(code, namespace), target) for code in hypotheses]
    assert official == expected
    assert main([*argv, "--mode", "official"]) == 0
    [scored] = json.loads(result.read_text())["episodes"][0]["turns"]
    assert [h["correct"] for h in scored["hypotheses"]] == expected


def official_verdict(hypothesis: Any, reference: Any) -> bool:
    """E7-E8: a comparison error the evaluator does not absorb makes the hypothesis wrong."""
    try:
        return fuzzy_match(hypothesis, reference)
    except ComparisonError:
        return False


async def test_schemas_show_example_values_of_nested_columns(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    setup = SETUP + (
        "\nby_customer = orders.groupby('customer')['item'].unique().reset_index()"
        "\nbaskets = pd.DataFrame({'prices': [np.array([2.0, 3.5]), np.array([1.0])],\n"
        "                        'meta': [{'n': np.array([1, 2])}, {'n': np.array([3])}],\n"
        "                        'grid': [np.zeros((2, 2)), np.ones((2, 2))]})"
        "\ntags = pd.DataFrame({'tags': pd.Series(pd.arrays.ArrowExtensionArray("
        "pa.array([['red', 'big'], ['blue']])))})"
    )
    async with user_kernel(jp_serverapp, [setup]) as (kernel_id, _):
        cells = [{"cell_type": "code", "source": setup, "outputs": []}]
        body = generate_body(cells=cells, kernel_id=kernel_id, active_cell_index=None)
        response = await post_json(jp_fetch, "pachinco", "prompt", body=body)
    text = json.dumps(json.loads(response.body)["prompt"])
    assert "shape=" not in text
    for shown in ("item (['tea', 'jam'])", "prices ([2.0, 3.5])", "[[0.0, 0.0], [0.0, 0.0]]"):
        assert shown in text, text
    assert "tags (['red', 'big'])" in text
    assert "'n': [1, 2]" in text


def test_matching_never_raises_on_nested_values() -> None:
    """The vote's matcher itself, on values whose ``==`` is an array or raises."""
    from jupyter_pachinco.execution.matching import cluster_matching_outputs

    values = [
        pd.Series([np.array([1, 2]), np.array([3])]),
        pd.Series([[1, 2], [3]]),
        pd.Series([{"a": np.array([1])}, {"a": np.array([2, 3])}]),
        [np.array([[1, 2], [3, 4]])],
        {"k": [np.array(["x"]), (1, 2)]},
        pd.DataFrame({"c": [np.array([1.0, np.nan]), np.array([np.nan])]}),
    ]
    clusters = cluster_matching_outputs(values + values)
    assert sorted(len(cluster) for cluster in clusters)[-1] >= 4  # the two Series of [1,2],[3]
    assert sum(len(cluster) for cluster in clusters) == 2 * len(values)
