"""The magic's options and line commands, parsed without I/O."""

from __future__ import annotations

import pytest

from jupyter_pachinco.magic.options import (
    MagicUsageError,
    parse_cell_options,
    parse_fix_options,
    parse_line_command,
)


def test_cell_options_are_read_with_their_defaults() -> None:
    options = parse_cell_options(
        "-n 3 --style stepwise --layout comments --run --no-schema --temperature 0.7",
        "\n  mean fare per class  \n",
    )
    assert options.intent == "mean fare per class"
    assert (options.ask.n, options.ask.style, options.ask.layout) == (3, "stepwise", "comments")
    assert options.run
    assert not options.schema
    assert options.ask.temperature == 0.7
    plain = parse_cell_options("", "x")
    assert (plain.ask.n, plain.run, plain.schema, plain.model) == (1, False, True, None)


@pytest.mark.parametrize(
    ("line", "cell", "said"),
    [
        ("-n 9", "x", "from 1 to 8"),
        ("--max-new-tokens 0", "x", "from 1 to 2048"),
        ("--temperature 2.5", "x", "from 0 to 2"),
        ("--layout tree", "x", "invalid choice"),
        ("--model 'unclosed", "x", "cannot read the options"),
        ("--bogus words", "x", "unrecognized arguments"),
        ("", "   \n", "write what you want"),
        ("", "y" * 10_001, "at most 10000"),
    ],
)
def test_bad_cell_options_say_what_is_wrong(line: str, cell: str, said: str) -> None:
    with pytest.raises(MagicUsageError, match=said):
        parse_cell_options(line, cell)


def test_line_commands_and_fix_options() -> None:
    assert parse_line_command("").name == "help"
    assert parse_line_command("fix --run please keep the index").rest == (
        "--run please keep the index"
    )
    options, note = parse_fix_options("--run please keep the index")
    assert options.run
    assert note == "please keep the index"
    with pytest.raises(MagicUsageError, match="unknown command"):
        parse_line_command("explain")
