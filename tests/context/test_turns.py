"""Earlier turns in notebook metadata: pure functions and a real server's contents manager."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nbformat

from jupyter_pachinco.context import (
    append_turn,
    load_turns,
    make_turn,
    prior_examples,
    read_turns,
    save_turn,
)

WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))


def test_make_turn_stamps_utc_time() -> None:
    assert make_turn("count rows", "len(df)", "Counts rows.", when=WHEN) == {
        "intent": "count rows",
        "code": "len(df)",
        "explanation": "Counts rows.",
        "time": "2024-05-06T05:08:09+00:00",
    }


def test_append_returns_a_new_notebook_and_keeps_other_metadata() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["pachinco"] = {"model": "tiny"}
    before = copy.deepcopy(notebook)
    first, second = make_turn("a", "x = 1", when=WHEN), make_turn("b", "y = 2", when=WHEN)

    updated = append_turn(append_turn(notebook, first), second)

    assert notebook == before
    assert read_turns(updated) == [first, second]
    assert updated["metadata"]["kernelspec"] == notebook.metadata["kernelspec"]
    assert updated["metadata"]["pachinco"]["model"] == "tiny"
    nbformat.validate(nbformat.from_dict(updated))


def test_only_the_newest_turns_are_kept() -> None:
    notebook: dict[str, Any] = {"metadata": {}}
    for number in range(5):
        notebook = append_turn(notebook, make_turn(f"step {number}", "pass"), max_turns=3)
    assert [t["intent"] for t in read_turns(notebook)] == ["step 2", "step 3", "step 4"]


def test_malformed_metadata_reads_as_no_turns_or_skips_bad_entries() -> None:
    good = make_turn("a", "b", when=WHEN)
    assert read_turns({}) == []
    assert read_turns({"metadata": []}) == []
    assert read_turns({"metadata": {"pachinco": "x"}}) == []
    assert read_turns({"metadata": {"pachinco": {"turns": {"not": "a list"}}}}) == []
    entries = [good, None, {"intent": 1, "code": "x"}, {"intent": "c", "code": "d"}]
    assert read_turns({"metadata": {"pachinco": {"turns": entries}}}) == [
        good,
        {"intent": "c", "code": "d", "explanation": "", "time": ""},
    ]


def test_prior_examples_are_intent_solution_pairs_with_code() -> None:
    turns = [make_turn("load", "df = load()"), make_turn("just asking", "  ")]
    assert prior_examples(turns) == [{"intent": "load", "solution": "df = load()"}]


async def test_turns_survive_a_round_trip_through_the_server_contents_manager(
    jp_serverapp: Any, jp_root_dir: Path
) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("df = load()")])
    nbformat.write(notebook, jp_root_dir / "work.ipynb")
    contents = jp_serverapp.contents_manager
    first = make_turn("count rows", "len(df)", "Counts the rows.", when=WHEN)
    second = make_turn("mean price", "df.price.mean()", when=WHEN)

    await save_turn(contents, "work.ipynb", first)
    stored = await save_turn(contents, "work.ipynb", second)

    assert stored == [first, second]
    assert await load_turns(contents, "work.ipynb") == [first, second]
    on_disk = nbformat.read(jp_root_dir / "work.ipynb", as_version=4)
    assert read_turns(on_disk) == [first, second]
    assert on_disk.cells[0].source == "df = load()"


def test_a_turn_stored_again_replaces_its_entry() -> None:
    from jupyter_pachinco.context.turns import prompt_turns

    first = {**make_turn("a", "x = 1", when=WHEN), "request_id": "r1", "inserted": False}
    notebook = append_turn(nbformat.v4.new_notebook(), first)  # type: ignore[arg-type]
    notebook = append_turn(notebook, make_turn("old style", "y = 2", when=WHEN))
    inserted = {**first, "inserted": True, "inserted_code": "x = 1"}
    notebook = append_turn(notebook, inserted)  # type: ignore[arg-type]
    turns = read_turns(notebook)
    assert [t["intent"] for t in turns] == ["a", "old style"]
    assert turns[0].get("inserted") is True
    assert turns[0].get("inserted_code") == "x = 1"
    undone = {**inserted, "inserted": False, "undone": True}
    notebook = append_turn(notebook, undone)  # type: ignore[arg-type]
    # entries written before `inserted` existed were inserted; an undone one is not
    assert [t["intent"] for t in prompt_turns(read_turns(notebook))] == ["old style"]
    odd = append_turn(notebook, {**make_turn("b", ""), "inserted": "yes"})  # type: ignore[typeddict-item]
    assert "inserted" not in read_turns(odd)[-1]  # a field of the wrong type is dropped
