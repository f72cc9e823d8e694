"""The pure part of ``eval mine``: turns, intents, URLs, splits, kinds, explained steps."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_pachinco.evaluation.mining.notebooks import (
    classify_reference,
    clean_intent,
    data_urls,
    explained_steps,
    find_turns,
    read_cells,
    rewrite_urls,
    split_by_notebook,
)


def notebook(*cells: tuple[str, str]) -> dict[str, Any]:
    return {
        "cells": [{"cell_type": kind, "source": source, "metadata": {}} for kind, source in cells],
        "metadata": {},
    }


def test_a_markdown_intent_followed_by_code_is_a_turn_and_other_cells_stay_context() -> None:
    cells = read_cells(
        notebook(
            ("markdown", "# Ex2 - Filtering\nCheck out [the video](https://youtu.be/x)."),
            ("markdown", "This time we pull data.\n\n### Step 1. Import the necessary libraries"),
            ("code", "import pandas as pd"),
            ("code", "df = pd.DataFrame({'a': [1]})"),
            (
                "markdown",
                "### Step 2. Import the dataset from this [address](https://x.org/a.csv).",
            ),
            ("markdown", "### Step 3. Assign it to a variable called euro12."),
            ("code", "euro12 = df\neuro12"),
            ("markdown", "### Step 4. How many rows?"),
            ("code", "# only a comment"),
            ("markdown", "### BONUS: Create your own question and answer it."),
            ("code", ""),
        )
    )
    turns = find_turns(cells)
    assert [(t.intent, t.intent_cells, t.code_cell) for t in turns] == [
        ("Import the necessary libraries", (1,), 2),
        ("Import the dataset from this address. Assign it to a variable called euro12.", (4, 5), 6),
    ]


def test_without_step_headings_the_last_markdown_cell_is_the_intent() -> None:
    cells = read_cells(
        notebook(("markdown", "Some title"), ("markdown", "Count the rows"), ("code", "len(df)"))
    )
    assert [(t.intent, t.code_cell) for t in find_turns(cells)] == [("Count the rows", 2)]


@pytest.mark.parametrize(
    ("markdown", "intent"),
    [
        ("### Step 5. How many teams took part?", "How many teams took part?"),
        ("## step 12: **Sort** the [data](http://a.b/c) by `x`", "Sort the data by `x`"),
        ("### Step 3. Assign it to a variable called\n#### Hint: use `read_csv`",
         "Assign it to a variable called Hint: use `read_csv`"),
        ("Ex 2 - Mean price <br> per item ![plot](p.png)", "Mean price per item"),
        ("1) Which [item][ref] sold most?", "Which item sold most?"),
        ("### Step 7.", ""),
    ],
)  # fmt: skip
def test_intents_lose_step_numbering_and_link_markup(markdown: str, intent: str) -> None:
    assert clean_intent(markdown) == intent


def test_url_literals_are_found_and_rewritten_to_local_paths() -> None:
    code = (
        "url = 'https://raw.githubusercontent.com/a/b/master/data/chipotle.tsv'\n"
        'df = pd.read_csv("https://x.org/02_Filtering_%26_Sorting/euro.csv", sep=",")\n'
        "# see https://pandas.pydata.org/docs for more\n"
        "other = pd.read_csv('https://x.org/missing.csv')"
    )
    urls = data_urls(code)
    assert urls == [
        "https://raw.githubusercontent.com/a/b/master/data/chipotle.tsv",
        "https://x.org/02_Filtering_%26_Sorting/euro.csv",
        "https://x.org/missing.csv",
    ]
    rewritten = rewrite_urls(code, {urls[0]: "chipotle.tsv", urls[1]: "data/euro.csv"})
    assert "url = 'chipotle.tsv'" in rewritten
    assert 'pd.read_csv("data/euro.csv", sep=",")' in rewritten
    assert "https://pandas.pydata.org/docs" in rewritten
    assert "'https://x.org/missing.csv'" in rewritten


def test_splits_are_by_notebook_deterministic_and_disjoint() -> None:
    names = [f"folder_{i}/notebook.ipynb" for i in range(20)]
    split = split_by_notebook(names, 0.3, seed=0)
    assert split == split_by_notebook(list(reversed(names)), 0.3, seed=0)
    test = {name for name, side in split.items() if side == "test"}
    train = {name for name, side in split.items() if side == "train"}
    assert len(test) == 6
    assert len(train) == 14
    assert not test & train
    assert set(split) == set(names)
    assert split != split_by_notebook(names, 0.3, seed=1)


def test_a_small_set_still_gets_a_test_notebook_and_a_train_notebook() -> None:
    assert sorted(split_by_notebook(["a", "b"], 0.3).values()) == ["test", "train"]
    with pytest.raises(ValueError, match="test fraction"):
        split_by_notebook(["a"], 1.5)


@pytest.mark.parametrize(
    ("code", "kinds"),
    [
        ("df[df.price > 10]", ["filtering"]),
        ("df.groupby('item').quantity.sum()", ["grouping"]),
        ("pd.merge(a, b, on='id')", ["merge"]),
        ("df.Date = pd.to_datetime(df.Date)\ndf.resample('M').mean()", ["time series"]),
        ("df.plot(kind='bar')", ["plotting"]),
        ("df.shape[0]", ["other"]),
        ("pd.concat([a, b]).groupby('k').size()", ["grouping", "merge"]),
    ],
)
def test_references_are_classified_by_keywords(code: str, kinds: list[str]) -> None:
    assert classify_reference(code) == kinds


def test_comments_in_the_reference_become_step_explanations() -> None:
    code = "# keep the big orders\nbig = df[df.q > 2]\n\n# count them\nlen(big)"
    steps = explained_steps(code, "How many big orders?")
    assert [(s.explanation, s.code) for s in steps] == [
        ("keep the big orders", "big = df[df.q > 2]"),
        ("count them", "len(big)"),
    ]


def test_code_without_comments_is_split_into_one_step_per_statement() -> None:
    code = "import numpy as np\nc = df.groupby('item')\nc.sum().sort_values('q').tail(1)"
    steps = explained_steps(code, "Which item sold most?")
    assert [(s.explanation, s.code) for s in steps] == [
        ("Import np", "import numpy as np"),
        ("Compute c", "c = df.groupby('item')"),
        ("Which item sold most", "c.sum().sort_values('q').tail(1)"),
    ]


def test_a_scored_mined_set_breaks_down_by_notebook_and_kind() -> None:
    from jupyter_pachinco.evaluation.breakdown import breakdown, breakdown_html

    dataset = [
        {
            "notebook_name": "a.ipynb",
            "turns": [
                {"turn": {"code": {"value": "df[df.x > 1]"}}, "metadata": {}},
                {"turn": {"code": {"value": "df.groupby('k').x.sum()"}}, "metadata": {}},
                {"turn": {"code": {"value": "1"}}, "metadata": {"kinds": ["plotting"]}},
            ],
        }
    ]

    def turn(index: int, verdicts: list[bool], excluded: bool = False) -> dict[str, Any]:
        hypotheses = [{"correct": v} for v in verdicts]
        majority = {"correct": bool(verdicts and verdicts[0])}
        return {"turn_index": index, "excluded": excluded, "hypotheses": hypotheses,
                "majority": majority}  # fmt: skip

    result = {
        "episodes": [
            {"notebook_name": "a.ipynb",
             "turns": [turn(0, [True, False]), turn(1, [False, False]), turn(2, [], True)]}
        ]
    }  # fmt: skip
    table = breakdown(result, dataset)
    assert table["notebook"]["a.ipynb"]["turns"] == 2
    assert table["notebook"]["a.ipynb"]["pass@1"] == 0.25
    assert table["kind"]["filtering"]["pass@1"] == 0.5
    assert table["kind"]["grouping"]["pass@1"] == 0.0
    assert "plotting" not in table["kind"]  # its only turn was excluded
    html = "".join(breakdown_html(table))
    assert "<h2>By kind of task</h2>" in html
    assert "a.ipynb" in html
