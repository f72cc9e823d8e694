"""ARCADE schema text, byte for byte, and where schema cells go."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jupyter_pachinco.context import (
    describe_variables,
    place_schema_cells,
    render_schema_text,
    structure_cells,
)
from jupyter_pachinco.context.schema import assigned_names

GOLDEN = Path(__file__).parent / "golden"


def test_schema_text_matches_the_hand_written_golden_file() -> None:
    namespace = {
        "df": pd.DataFrame(
            {"name": ["Peter", "Jane"], "gender": ["m", "f"], "DOB": ["1992/01/17", "1990/05/02"]}
        ),
        "total": 3,
        "wide": pd.DataFrame({f"c{i}": [i, i + 1] for i in range(25)}),
        "notes": pd.DataFrame(
            {"note": [None, "x" * 100], "score": [float("nan"), 2.5], "empty": [None, None]}
        ),
    }

    text = render_schema_text(describe_variables(namespace))

    assert text.encode() == (GOLDEN / "schema_three_frames.txt").read_bytes()


def test_schema_text_is_empty_without_dataframes() -> None:
    assert render_schema_text(describe_variables({"x": 1, "items": [1, 2]})) == ""


def test_line_breaks_in_values_stay_on_one_comment_line() -> None:
    text = render_schema_text(describe_variables({"df": pd.DataFrame({"a": ["one\ntwo"]})}))
    assert (
        text == "# Schema of Dataframes:\n# Columns in df with example values:\n# a (one\\ntwo)\n"
    )


def test_schema_cell_goes_after_the_cell_that_created_the_frame() -> None:
    cells = structure_cells(
        [
            {"cell_type": "code", "source": "import pandas as pd"},
            {"cell_type": "code", "source": "df = pd.read_csv('a.csv')\nother = 1"},
            {"cell_type": "markdown", "source": "Now the totals"},
        ]
    )
    frames = describe_variables({"df": pd.DataFrame({"a": [1]}), "lost": pd.DataFrame({"b": [2]})})

    placed = place_schema_cells(cells, frames)

    assert [c["source"].splitlines()[0] for c in placed] == [
        "# Schema of Dataframes:",
        "import pandas as pd",
        "df = pd.read_csv('a.csv')",
        "# Schema of Dataframes:",
        "Now the totals",
    ]
    assert "# Columns in lost with example values:" in placed[0]["source"]
    assert "# Columns in df with example values:" in placed[3]["source"]


def test_assigned_names_reads_assignments_and_survives_magics() -> None:
    assert assigned_names("a, (b, c) = 1, (2, 3)\nd: int = 4\ne += 1\nf.x = 2") == {
        "a",
        "b",
        "c",
        "d",
        "e",
    }
    assert assigned_names("%%time\ndf = load()\nx == 1") == {"df"}
