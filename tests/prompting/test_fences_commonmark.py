"""Fences by CommonMark's rules (issue 14, kind 5): fence character and length, info strings,
closing fences at least as long as the opening one, up to three spaces of indentation; text
before a lone closing fence and an unclosed block are still code when they parse; and the
streaming parser agrees with the whole-text parser at every prefix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_pachinco.prompting import StreamingParser, parse_answer
from jupyter_pachinco.prompting.parsing import read_answer

FENCE = "```"


@pytest.mark.parametrize(
    ("text", "code", "prose"),
    [
        pytest.param(
            f"df = df.dropna()\ndf.head()\n{FENCE}\nThis drops the rows with missing values.",
            "df = df.dropna()\ndf.head()",
            "This drops the rows with missing values.",
            id="lone-closing-fence-after-code",
        ),
        pytest.param(
            "totals = sales.groupby('city')['cups'].sum()\ntotals\n~~~~~\n",
            "totals = sales.groupby('city')['cups'].sum()\ntotals",
            "",
            id="lone-tilde-closing-fence-at-the-end",
        ),
        pytest.param(
            f'````python\nnote = """\n{FENCE}\nnot a fence: shorter than the opener\n"""\n'
            "note\n````\nDone.",
            f'note = """\n{FENCE}\nnot a fence: shorter than the opener\n"""\nnote',
            "Done.",
            id="longer-opener-keeps-a-shorter-fence-as-content",
        ),
        pytest.param(
            f"~~~python\nx = '{FENCE}'\nx\n~~~\nThe value.",
            f"x = '{FENCE}'\nx",
            "The value.",
            id="tilde-fence-is-not-closed-by-backticks",
        ),
        pytest.param(
            '   ```py title="step one"\n   rows = len(df)\n   rows\n   ```\nCounted.',
            "rows = len(df)\nrows",
            "Counted.",
            id="indented-fence-with-info-string",
        ),
        pytest.param(
            "Here it is:\n```{.python}\nmean = df['price'].mean()\n",
            "mean = df['price'].mean()",
            "Here it is:",
            id="unclosed-block-with-braced-info",
        ),
        pytest.param(
            f"{FENCE}python\nsnippet = '''\n{FENCE}text\n'''\nsnippet\n{FENCE}\n",
            f"snippet = '''\n{FENCE}text\n'''\nsnippet",
            "",
            id="non-code-info-fence-inside-a-block-is-content",
        ),
    ],
)
def test_fences_follow_commonmark(text: str, code: str, prose: str) -> None:
    candidate = parse_answer(text)
    assert candidate.code == code
    assert candidate.prose == prose


def test_four_spaces_of_indentation_is_no_fence() -> None:
    text = "x = 1\n    ```python\ny = 2"
    # Without a fence the answer is read as one unfenced cell: the indented line is no opener.
    assert parse_answer(text).code != "y = 2"
    assert "```" not in parse_answer("Sure:\n```python\nz = 1\n    ```\nz\n```").code


def test_a_lone_closing_fence_after_prose_leaves_the_prose_alone() -> None:
    candidate = parse_answer(f"Nothing to run here.\n{FENCE}\nJust words.")
    assert candidate.code == ""


LINES = [
    "```python",
    "```",
    "````",
    "~~~",
    "~~~py",
    "   ```",
    "    ```",
    "``` {.python}",
    "Here is the code:",
    "This sums the cups.",
    "x = 1",
    "# Step 1: add",
    "# Step 2: show",
    "total = x + 2",
    "total",
    "for i in range(3):",
    "    total += i",
    "<|im_end|>",
    "",
]


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=12),
    cuts=st.lists(st.integers(min_value=1, max_value=7), max_size=30),
)
def test_streaming_agrees_with_the_whole_text_parser_at_every_prefix(
    lines: list[str], cuts: list[int]
) -> None:
    text = "\n".join(lines) + "\n"
    parser = StreamingParser()
    fed = 0
    for size in [*cuts, len(text)]:
        delta, fed = text[fed : fed + size], fed + size
        if not delta:
            continue
        known = parser.feed(delta)
        if parser.answer_ended:
            break
        read = parser.text[: parser.text.rfind("\n") + 1]
        whole = read_answer(read).candidate.steps
        # What the stream knows is what the whole text says, but for a last step still growing.
        assert known in (whole, whole[:-1]), (read, known, whole)
    assert parser.finish() == parse_answer(parser.text)
