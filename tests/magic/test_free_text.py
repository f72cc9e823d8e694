"""Free text after the magic's options reaches the model verbatim (issue 14, kind 4): only the
option words are read like shell words; apostrophes, quotes and spacing in the text stay."""

from __future__ import annotations

import pytest

from jupyter_pachinco.magic.options import (
    MagicUsageError,
    parse_cell_options,
    parse_fix_options,
    parse_line_command,
)

NOTES = [
    "the date column isn't parsed",
    "don't drop rows; it's the user's data",
    'keep the "city" column as it is',
    "use a raw string: r'\\d+' and a backslash \\ alone",
    "a lone quote ' and a lone double quote \" are fine",
    "-1 values mean missing, and  two  spaces  stay",
    "mixed `code` and $dollars$ and #hash",
]


@pytest.mark.parametrize("note", NOTES)
def test_fix_note_reaches_the_model_verbatim(note: str) -> None:
    command = parse_line_command(f"fix {note}")
    options, kept = parse_fix_options(command.rest)
    assert kept == note
    assert options.ask.n == 1


@pytest.mark.parametrize("note", NOTES)
def test_fix_note_after_options_is_verbatim(note: str) -> None:
    options, kept = parse_fix_options(f"-n 3 --style=stepwise --run {note}")
    assert kept == note
    assert (options.ask.n, options.ask.style, options.run) == (3, "stepwise", True)


@pytest.mark.parametrize("note", NOTES)
def test_cell_line_text_joins_the_intent_verbatim(note: str) -> None:
    options = parse_cell_options(f"--temperature 0.5 {note}", "\nand sort it by city\n")
    assert options.intent == f"{note}\nand sort it by city"
    assert options.ask.temperature == 0.5
    only_line = parse_cell_options(note, "")
    assert only_line.intent == note


def test_quoted_option_values_are_still_read_and_double_dash_ends_options() -> None:
    options, note = parse_fix_options("--model 'my model' -- --run isn't an option here")
    assert options.model == "my model"
    assert not options.run
    assert note == "--run isn't an option here"


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('--model "unclosed note', "no closing quotation"),
        ("--bogus the note", "unrecognized arguments"),
        ("-n", "expected one argument"),
    ],
)
def test_mistakes_in_the_options_still_say_what_is_wrong(line: str, said: str) -> None:
    with pytest.raises(MagicUsageError, match=said):
        parse_fix_options(line)


def test_line_commands_without_text_refuse_text_with_quotes_clearly() -> None:
    with pytest.raises(MagicUsageError, match="takes no arguments"):
        parse_line_command("history isn't it")
