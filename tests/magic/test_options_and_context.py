"""The magic's pure parts: options, cells from the input history, fix requests, settings."""

from __future__ import annotations

import pytest

from jupyter_pachinco.magic_context import (
    error_report,
    fix_intent,
    preceding_cells,
    public_settings,
    public_url,
    user_frames,
)
from jupyter_pachinco.magic_options import (
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
    assert (options.candidates, options.style, options.layout) == (3, "stepwise", "comments")
    assert options.run
    assert not options.schema
    assert options.temperature == 0.7
    plain = parse_cell_options("", "x")
    assert (plain.candidates, plain.run, plain.schema, plain.model) == (1, False, True, None)


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


def test_preceding_cells_leave_out_the_magic_itself() -> None:
    history = ["", "import pandas as pd", "%load_ext jupyter_pachinco", "  ", "%%pachinco\nx", "df"]
    assert [c["source"] for c in preceding_cells(history)] == ["import pandas as pd", "df"]


def test_fix_request_holds_the_user_frames_and_the_failing_code() -> None:
    cell_name = "<cell 7>"
    code = compile("def halve(x):\n    return x / 0\nhalve(4)\n", cell_name, "exec")
    try:
        exec(code, {})
    except ZeroDivisionError as error:
        frames, cell = user_frames(error.__traceback__, lambda name: name == cell_name)
        report = error_report(error, frames)
    assert cell == cell_name
    assert report.splitlines()[1].strip().startswith(f'File "{cell_name}"')
    assert report.endswith("ZeroDivisionError: division by zero")
    intent = fix_intent(report, "halve(4)", "keep it short")
    assert "```python\nhalve(4)\n```" in intent
    assert "keep it short" in intent
    assert report in intent


def test_settings_shown_hold_no_secrets() -> None:
    url = "https://alice:s3cret@example.org:8443/v1?api_key=k3y#frag"
    assert public_url(url) == "https://example.org:8443/v1"
    rows = dict(
        public_settings({"backend": "openai", "base_url": url, "api_key_env": "MY_KEY"}, True, [])
    )
    assert rows["api_key_env"] == "MY_KEY (set)"
    assert "s3cret" not in str(rows)
    assert "k3y" not in str(rows)
