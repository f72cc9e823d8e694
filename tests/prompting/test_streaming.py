"""The streaming parser on answers fed the way backends deliver them."""

from __future__ import annotations

from jupyter_pachinco.prompting import Step, StreamingParser, parse_answer

from .messy_answers import E1, E2, E3, EXPLAINED, NEXT_CELL, STEPS, A, C, W


def pairs(steps: list[Step]) -> list[tuple[str, str]]:
    return [(step.explanation, step.code) for step in steps]


def test_steps_become_known_when_the_next_step_begins() -> None:
    parser = StreamingParser()
    assert parser.feed(f"# Step 1: {E1}\n{W}\n") == []
    assert parser.partial_step is not None
    assert parser.partial_step.explanation == E1
    assert pairs(parser.feed(f"# Step 2: {E2}\n")) == [(E1, W)]
    assert parser.partial_step is not None
    assert (parser.partial_step.explanation, parser.partial_step.code) == (E2, "")
    assert pairs(parser.feed(f"{C}\n# Step 3: {E3}\n{A}")) == [(E1, W), (E2, C)]
    assert not parser.answer_ended
    assert pairs(parser.finish().steps) == STEPS
    assert parser.partial_step is None


def test_half_written_lines_are_not_read() -> None:
    parser = StreamingParser()
    parser.feed(f"# Step 1: {E1}\n{W}\n# Step 2: Add up the cu")
    assert parser.partial_step is not None
    assert parser.partial_step.explanation == E1


def test_the_next_cell_ends_the_answer_and_later_text_is_ignored() -> None:
    parser = StreamingParser()
    for char in EXPLAINED + NEXT_CELL:
        parser.feed(char)
    assert parser.answer_ended
    assert pairs(parser.feed("# Step 1: something else\nx = 1\n")) == STEPS
    assert parser.text == EXPLAINED + "\n\n\n# In[ ]:\n"
    assert pairs(parser.finish().steps) == STEPS


def test_an_end_of_turn_token_ends_the_answer_without_a_line_break() -> None:
    parser = StreamingParser()
    parser.feed(f"```python\n{EXPLAINED}\n```")
    assert not parser.answer_ended
    assert pairs(parser.feed("<|im_end|>")) == STEPS
    assert parser.answer_ended


def test_windows_newlines_split_across_deltas() -> None:
    text = EXPLAINED.replace("\n", "\r\n") + "\r\n"
    parser = StreamingParser()
    for start in range(0, len(text), 7):
        parser.feed(text[start : start + 7])
    assert pairs(parser.finish().steps) == STEPS == pairs(parse_answer(text).steps)
