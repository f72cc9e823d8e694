"""Insertion layouts: the cells the UI and the magic insert for a candidate."""

from __future__ import annotations

import ast

import pytest

from jupyter_pachinco.prompting import (
    LAYOUTS,
    Candidate,
    Step,
    UnknownLayoutError,
    insertion_cells,
    parse_answer,
)

from .messy_answers import E1, E2, E3, EXPLAINED, PLAIN, A, C, W

CANDIDATE = parse_answer(EXPLAINED)
COMMENTED = f"# Step 1: {E1}\n{W}\n# Step 2: {E2}\n{C}\n# Step 3: {E3}\n{A}"


def test_markdown_and_code_is_the_default() -> None:
    assert insertion_cells(CANDIDATE) == [
        {"cell_type": "markdown", "source": f"1. {E1}\n2. {E2}\n3. {E3}"},
        {"cell_type": "code", "source": COMMENTED},
    ]
    assert insertion_cells(CANDIDATE) == insertion_cells(CANDIDATE, "markdown+code")


def test_comments_layout_is_one_code_cell() -> None:
    assert insertion_cells(CANDIDATE, "comments") == [{"cell_type": "code", "source": COMMENTED}]


def test_cell_per_step_layout() -> None:
    assert insertion_cells(CANDIDATE, "cell-per-step") == [
        {"cell_type": "markdown", "source": f"**Step 1:** {E1}"},
        {"cell_type": "code", "source": W},
        {"cell_type": "markdown", "source": f"**Step 2:** {E2}"},
        {"cell_type": "code", "source": C},
        {"cell_type": "markdown", "source": f"**Step 3:** {E3}"},
        {"cell_type": "code", "source": A},
    ]


def test_steps_from_prose_are_numbered_like_comment_steps() -> None:
    candidate = parse_answer(f"### {E1}\n```python\n{W}\n```\n### {E2}\n```python\n{C}\n{A}\n```")
    assert insertion_cells(candidate)[1]["source"] == (
        f"# Step 1: {E1}\n{W}\n# Step 2: {E2}\n{C}\n{A}"
    )


def test_unexplained_steps_join_their_neighbours() -> None:
    candidate = Candidate(
        [Step("", "import pandas as pd"), Step(E1, W), Step("", C), Step(E3, A)],
        f"import pandas as pd\n{W}\n{C}\n{A}",
        "",
    )
    assert insertion_cells(candidate, "cell-per-step") == [
        {"cell_type": "markdown", "source": f"**Step 1:** {E1}"},
        {"cell_type": "code", "source": f"import pandas as pd\n{W}\n{C}"},
        {"cell_type": "markdown", "source": f"**Step 2:** {E3}"},
        {"cell_type": "code", "source": A},
    ]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_without_explanations_every_layout_is_the_plain_code(layout: str) -> None:
    assert insertion_cells(parse_answer(PLAIN), layout) == [{"cell_type": "code", "source": PLAIN}]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_code_gives_no_cells(layout: str) -> None:
    assert insertion_cells(parse_answer("I cannot help with that."), layout) == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_inserted_code_parses_and_runs_like_the_candidate(layout: str) -> None:
    code = "\n".join(
        c["source"] for c in insertion_cells(CANDIDATE, layout) if c["cell_type"] == "code"
    )
    assert ast.dump(ast.parse(code)) == ast.dump(ast.parse(CANDIDATE.code))


def test_an_unknown_layout_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownLayoutError, match="markdown\\+code, comments, cell-per-step"):
        insertion_cells(CANDIDATE, "sideways")
