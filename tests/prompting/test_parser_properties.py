"""Properties of the parser, checked with hypothesis: it never raises, and the code it returns
(the whole code and each step's) always passes ``ast.parse``; fed as a stream, it only ever
adds known steps and ends where ``parse_answer`` ends."""

from __future__ import annotations

import ast
import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_pachinco.prompting import Candidate, StreamingParser, parse_answer

FRAGMENTS = [
    "```python",
    "```",
    "```py",
    "~~~",
    "```text",
    "[PYTHON]",
    "[/PYTHON]",
    "# In[ ]:",
    "# In[3]:",
    "# Solution: Let's solve this problem step-by-step.",
    "# Step 1: Keep the weekend days",
    "# Step 2: Add up the cups",
    "# 3. Take the top one",
    "### Step 1: Filter",
    "1. Filter the rows.",
    "- **Group** by barista:",
    "Sure! Here is the code:",
    "Alternatively, you could write:",
    "Output:",
    'weekend = sales[sales["day"].isin(["Sat", "Sun"])]',
    'cups = weekend.groupby("barista")["cups"].sum()',
    "cups.idxmax()",
    "for row in rows:",
    "    total += row",
    "def f(x):",
    "@decorator",
    "x = (1,",
    '"""',
    "'''",
    "s = '\\d'",
    "\\",
    ">>> x = 1",
    "... y = 2",
    "%matplotlib inline",
    "!pip install pandas",
    "<think>",
    "</think>",
    "<|im_end|>",
    "",
    "    ",
    "\t",
    "\r",
]

messy_texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30
).map(lambda parts: "\n".join(parts))
any_texts = st.one_of(st.text(max_size=300), messy_texts)


def parses(code: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes warn; the code still parses
        ast.parse(code)
    return True


def check_candidate(candidate: Candidate) -> None:
    assert parses(candidate.code)
    for step in candidate.steps:
        assert parses(step.code)
        assert step.code.strip()
        assert "\n" not in step.explanation


@settings(max_examples=400, deadline=None)
@given(any_texts)
def test_parsing_never_raises_and_code_always_parses(text: str) -> None:
    check_candidate(parse_answer(text))


@settings(max_examples=150, deadline=None)
@given(any_texts, st.lists(st.integers(min_value=1, max_value=40), max_size=40))
def test_streaming_never_raises_and_finishes_like_parse_answer(text: str, sizes: list[int]) -> None:
    parser = StreamingParser()
    position = 0
    for size in [*sizes, len(text)]:
        for step in parser.feed(text[position : position + size]):
            assert parses(step.code)
        position += size
    final = parser.finish()
    check_candidate(final)
    assert final == parse_answer(parser.text)


statements = st.sampled_from(
    [
        'weekend = sales[sales["day"].isin(["Sat", "Sun"])]',
        'cups = weekend.groupby("barista")["cups"].sum()',
        "top = cups.idxmax()",
        "totals = {\n    'Ana': 1,\n    'Ben': 2,\n}",
        "for name in totals:\n    print(name)",
        "result = (cups\n          .sort_values()\n          .head(3))",
    ]
)
explanations = st.text(alphabet="abcdefghij ,", min_size=1, max_size=30).map(
    lambda text: " ".join(["Do", *text.split()])
)
explained_answers = st.lists(
    st.tuples(explanations, st.lists(statements, min_size=1, max_size=3)), min_size=1, max_size=5
)


@settings(max_examples=150, deadline=None)
@given(
    explained_answers,
    st.sampled_from(["raw", "fenced", "raw+next cell"]),
    st.lists(st.integers(min_value=1, max_value=25), max_size=60),
)
def test_streaming_an_explained_answer_only_adds_steps(
    steps: list[tuple[str, list[str]]], form: str, sizes: list[int]
) -> None:
    code = "\n".join(
        f"# Step {k}: {explanation}\n" + "\n".join(body)
        for k, (explanation, body) in enumerate(steps, start=1)
    )
    text = {
        "raw": code + "\n",
        "fenced": f"Here you go:\n```python\n{code}\n```\nDone.",
        "raw+next cell": code + "\n\n\n# In[ ]:\n\n\n# Problem: next\n\n\n# In[ ]:\n\n\nx = 1\n",
    }[form]
    expected = [(explanation, "\n".join(body)) for explanation, body in steps]
    parser = StreamingParser()
    known: list[tuple[str, str]] = []
    position = 0
    for size in [*sizes, len(text)]:
        now = [(s.explanation, s.code) for s in parser.feed(text[position : position + size])]
        assert now[: len(known)] == known
        assert now == expected[: len(now)]
        known = now
        position += size
    assert parser.answer_ended == (form == "raw+next cell")
    final = parser.finish()
    assert [(s.explanation, s.code) for s in final.steps] == expected
