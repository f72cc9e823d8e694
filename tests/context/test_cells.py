"""Cells to ARCADE text and to the structured form, on real ARCADE records and odd cells."""

from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest

from jupyter_pachinco.context import linearize_cells, structure_cells, truncate_source
from tests.support.shared_data import SHARED_ROOT, shared_path

ARCADE_SPLITS = ("real_is362", "exemplars_demo")


def arcade_turns() -> list[tuple[str, dict[str, Any]]]:
    turns = []
    for split in ARCADE_SPLITS:
        episodes = json.loads(shared_path("arcade", split, "dataset.json").read_text())
        for episode in episodes:
            for number, turn in enumerate(episode["turns"]):
                if "# Problem:" not in turn["input"]:  # prompts without few-shot exemplars
                    turns.append((f"{episode['notebook_name']}#{number}", turn))
    return turns


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per ARCADE turn, read at collection (not import); one skip, naming the
    missing folder, when the data is absent."""
    if "turn" not in metafunc.fixturenames:
        return
    missing = [
        shared_path("arcade", split)
        for split in ARCADE_SPLITS
        if not shared_path("arcade", split, "dataset.json").exists()
    ]
    if missing:
        reason = (
            f"needs the shared benchmark data: {missing[0]} is absent "
            f"({SHARED_ROOT} beside the clone)"
        )
        skipped = pytest.param("absent", {}, marks=pytest.mark.skip(reason=reason))
        metafunc.parametrize(("name", "turn"), [skipped], ids=["shared-data-absent"])
        return
    turns = arcade_turns()
    metafunc.parametrize(("name", "turn"), turns, ids=[name for name, _ in turns])


def test_linearized_context_equals_the_arcade_prompt(name: str, turn: dict[str, Any]) -> None:
    intent = {"cell_type": "markdown", "source": turn["turn"]["intent"]["value"]}
    cells = [*turn["metadata"]["context_cells"], intent]

    assert linearize_cells(cells) == turn["input"]


def test_each_cell_kind_in_text_form() -> None:
    cells = [
        nbformat.v4.new_markdown_cell("# Sales\n\nBy region"),
        nbformat.v4.new_code_cell("df = load()\n"),
        nbformat.v4.new_raw_cell("raw text"),
        nbformat.v4.new_code_cell("%%bash\nls -l"),
        nbformat.v4.new_code_cell("!pip install pandas"),
        nbformat.v4.new_code_cell("   \n"),
    ]

    text = linearize_cells(cells, end_with_header=False)

    assert text == (
        "# In[ ]:\n\n\n# # Sales\n# \n# By region\n\n\n"
        "# In[ ]:\n\n\ndf = load()\n\n\n"
        "# In[ ]:\n\n\n# raw text\n\n\n"
        "# In[ ]:\n\n\n%%bash\nls -l\n\n\n"
        "# In[ ]:\n\n\n!pip install pandas\n\n\n"
    )


def test_structured_form_keeps_kind_magic_and_text_outputs_only() -> None:
    code = nbformat.v4.new_code_cell("%%bash\necho hi")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
        nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=" * 50, "text/plain": "<Figure>"}
        ),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["..."]),
    ]

    (cell,) = structure_cells([code], include_outputs=True)

    assert cell == {
        "cell_type": "code",
        "source": "%%bash\necho hi",
        "outputs": ["hi", "<Figure>", "ValueError: bad"],
        "cell_magic": "bash",
    }
    text = linearize_cells([code], include_outputs=True, end_with_header=False)
    assert text == (
        "# In[ ]:\n\n\n%%bash\necho hi\n\n# Output:\n# hi\n# <Figure>\n# ValueError: bad\n\n\n"
    )
    assert "iVBOR" not in text


def test_long_outputs_are_cut_with_a_marker() -> None:
    code = nbformat.v4.new_code_cell("print(x)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 10_000)]

    (cell,) = structure_cells([code], include_outputs=True, max_output_chars=100)

    assert cell["outputs"] == ["y" * 100 + "\n[... output truncated ...]"]


def test_invalid_and_missing_fields_do_not_fail() -> None:
    cells: list[Any] = [
        "not a cell",
        None,
        {"source": "x = 1"},
        {"cell_type": "code"},
        {"cell_type": "code", "source": ["a = 1\n", 2, "b = 2"], "outputs": "broken"},
        {"cell_type": "strange", "source": "notes"},
        {"cell_type": "code", "source": 42},
        {"cell_type": "code", "source": "y", "outputs": [None, {"output_type": "stream"}]},
    ]

    structured = structure_cells(cells, include_outputs=True)

    assert structured == [
        {"cell_type": "raw", "source": "x = 1", "outputs": [], "cell_magic": None},
        {"cell_type": "code", "source": "a = 1\nb = 2", "outputs": [], "cell_magic": None},
        {"cell_type": "raw", "source": "notes", "outputs": [], "cell_magic": None},
        {"cell_type": "code", "source": "y", "outputs": [], "cell_magic": None},
    ]
    assert linearize_cells(cells).endswith("# In[ ]:\n\n\ny\n\n\n# In[ ]:\n")


def test_huge_cell_is_kept_whole_in_text_form_and_truncates_with_a_marker() -> None:
    source = "\n".join(f"value_{i} = {i}" for i in range(20_000))

    assert linearize_cells([{"cell_type": "code", "source": source}]).count("\n") > 20_000
    cut = truncate_source(source, 40)
    assert cut.split("\n")[:3] == ["value_0 = 0", "value_1 = 1", "value_2 = 2"]
    assert cut.split("\n")[-1] == (
        f"# [... cell truncated: {len(source) - 35} more characters not shown ...]"
    )
    assert truncate_source("x" * 100, 10).startswith("xxxxxxxxxx\n# [... cell truncated: 90")
