"""Post-processing of a model's middle into the ghost text (`clean_suggestion`)."""

from __future__ import annotations

import pytest

from jupyter_pachinco.completion import QWEN, clean_suggestion, parses_or_incomplete


def test_the_text_after_the_cursor_is_never_repeated() -> None:
    assert clean_suggestion('cups"]', 'total = sales["', '"]\n') == "cups"
    assert clean_suggestion("mean()", "sales.cups.", "\n") == "mean()"
    assert clean_suggestion('store")', 'sales.groupby("', '")') == "store"


def test_with_text_after_the_cursor_on_its_line_the_suggestion_is_one_line() -> None:
    text = 'store")\nprint(sales)'
    assert clean_suggestion(text, 'sales.groupby("', '").cups.sum()') == "store"


def test_it_stops_at_the_end_of_the_block() -> None:
    before = "for store in stores:\n    total = "
    text = "sales.cups.sum()\n    print(total)\nprint('done')"
    assert clean_suggestion(text, before, "") == "sales.cups.sum()\n    print(total)"


def test_at_top_level_it_stops_at_a_blank_line_or_a_cell_header() -> None:
    assert clean_suggestion("sales.head()\n\nsales.tail()", "x = ", "") == "sales.head()"
    assert clean_suggestion("1\n# In[ ]:\ny = 2", "x = ", "") == "1"


def test_a_block_opened_by_the_cursor_line_is_completed() -> None:
    before = "for store in stores:"
    text = "\n    print(store)\n\n    print(2)\nx = 1\n\nz"
    assert clean_suggestion(text, before, "") == "\n    print(store)\n\n    print(2)"


def test_fim_control_tokens_end_the_suggestion() -> None:
    text = f"cups.sum(){QWEN.stops[0]}garbage"
    assert clean_suggestion(text, "sales.", "") == "cups.sum()"


def test_a_suggestion_that_breaks_the_cell_is_dropped() -> None:
    assert clean_suggestion('cups"))', "sales.groupby(", "") == ""
    assert clean_suggestion("= = 3", "x ", "") == ""


def test_a_suggestion_cut_by_the_token_limit_keeps_its_sound_start() -> None:
    cut = "continent')['total_litres_of_pure_"
    assert clean_suggestion(cut, "drinks.groupby('", "", truncated=True) == "continent')"
    # the same text as the model's own end is broken: it is dropped (rule 6)
    assert clean_suggestion(cut, "drinks.groupby('", "") == ""
    # several lines: the last one, the cut one, goes
    lines = "occupation').age.min()\nusers.groupby('occupation"
    assert clean_suggestion(lines, "users.groupby('", "", truncated=True) == (
        "occupation').age.min()"
    )
    # nothing sound to keep
    assert clean_suggestion("= = 3", "x ", "", truncated=True) == ""


def test_a_suggestion_longer_than_max_chars_is_trimmed_like_a_cut_one() -> None:
    text = "sales.groupby('store').cups.sum()"
    # `sales.groupby('store` is an open string: back to the last whole name
    assert clean_suggestion(text, "x = ", "", max_chars=20) == "sales.groupby"


def test_a_suggestion_that_leaves_the_cell_incomplete_is_kept() -> None:
    # the cell is still being written: an open call, an open block
    assert clean_suggestion("sales.groupby(", "x = ", "") == "sales.groupby("
    assert clean_suggestion(" store in stores:", "for", "") == " store in stores:"


def test_while_streaming_the_parse_check_waits_for_the_end() -> None:
    assert clean_suggestion('cups"))', "sales.groupby(", "", final=False) == 'cups"))'


def test_it_is_cut_to_the_maximum_length_and_blank_ones_are_nothing() -> None:
    assert clean_suggestion("a_very_long_name", "x = ", "", max_chars=6) == "a_very"
    assert clean_suggestion("   ", "x = ", "") == ""


@pytest.mark.parametrize(
    ("source", "ok"),
    [
        ("x = 1", True),
        ("%matplotlib inline\nx = 1", True),
        ("!pip install pandas\nx = (", True),
        ('x = """open', True),
        ("x = 1)", False),
        ("x = \0", False),
    ],
)
def test_parses_or_incomplete(source: str, ok: bool) -> None:
    assert parses_or_incomplete(source) is ok


def test_a_suggestion_that_writes_the_rest_of_the_line_again_is_cut_before_it() -> None:
    before, after = 'by_class = fares.groupby("', '")\nby_class.mean()'
    assert clean_suggestion('pclass")["fare"]', before, after) == "pclass"
    # the cut that parses wins: the first `)` of `f(a))` belongs to the suggestion
    assert clean_suggestion("f(a))", "x = g(", ")") == "f(a)"
