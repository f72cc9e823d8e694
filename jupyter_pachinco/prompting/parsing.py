"""From model text to a candidate: explained steps, the full code, and any prose.

Two kinds of text come in:

- unfenced text, as a completion model continues the answer cell: the answer is the first cell
  with a line of code (ARCADE's rule), so a continuation into the next ``# In[ ]:`` cell is cut
  there; sentences around the code become prose;
- fenced text, as chat models answer: fenced Python blocks are the code and everything else is
  prose. Several blocks are read as one answer, with these habits handled: a block that
  repeats earlier code is left out; a closing "all together" block that holds all earlier code
  and more replaces it; a block introduced as an alternative ends the answer; an untagged block
  after code, introduced as output ("Output:"), is prose. When several blocks make the answer
  and a block has no explanation of its own, the paragraph right above it ("### Step 2: Group
  by city") explains it.

The code of a candidate, and of each of its steps, always passes ``ast.parse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .answer_text import (
    CODE_LANGUAGES,
    Segment,
    clean_code,
    has_fences,
    normalize,
    split_segments,
    syntax_error_line,
)
from .steps import Step, clean_heading, pair_with_list, split_into_steps

_ALTERNATIVE = re.compile(
    r"\b(?:alternatively|an? (?:alternative|other|shorter|simpler|more concise) "
    r"(?:way|approach|solution|version|option)|another (?:way|approach|solution|option)|"
    r"or,? (?:you|we) (?:can|could))\b",
    re.IGNORECASE,
)
# The last paragraph before a block is a step heading: "### Step 1: ...", "**Step 1.** ...".
_STEP_HEADING = re.compile(
    r"(?:^|\n\s*\n)\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*step\s*\d+\b[^\n]*\s*$", re.IGNORECASE
)
_OUTPUT_INTRO = re.compile(
    r"(?:\b(?:output|prints?|displays?)\b[^\n]*|^\W*results?\W*):\W*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Candidate:
    """One parsed answer: its steps, the full code to run, and the prose around the code;
    ``reasoning``: the model's thinking, never part of the steps or code (shown apart)."""

    steps: list[Step]
    code: str
    prose: str
    reasoning: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the server and the UI."""
        return {
            "steps": [{"explanation": s.explanation, "code": s.code} for s in self.steps],
            "code": self.code,
            "prose": self.prose,
            "reasoning": self.reasoning,
        }


@dataclass(frozen=True)
class ReadAnswer:
    """A candidate, and whether the text showed that the answer is over (a next cell began or
    an end-of-turn token came) so that generation can stop."""

    candidate: Candidate
    ended: bool


def parse_answer(text: str) -> Candidate:
    """The candidate in a model's answer text; never raises (see the module docstring)."""
    return read_answer(text).candidate


def read_answer(text: str) -> ReadAnswer:
    """``parse_answer``, also telling whether the answer is over."""
    text, ended, reasoning = normalize(text)
    if has_fences(text):
        return ReadAnswer(replace(_read_fenced(split_segments(text)), reasoning=reasoning), ended)
    clean = clean_code(text)
    prose = _join([clean.prose_before, clean.prose_after])
    steps, prose = pair_with_list(clean.code, _steps(clean.code), prose)
    candidate = Candidate(steps, clean.code, prose, reasoning)
    return ReadAnswer(candidate, ended or clean.next_cell_began)


@dataclass
class _Block:
    prose_before: str
    code: str
    prose_after: str


def _read_fenced(segments: list[Segment]) -> Candidate:
    blocks, trailing = _code_blocks(segments)
    kept = _answer_blocks(blocks)
    if len(kept) == 1:
        only = blocks[kept[0]]
        if _STEP_HEADING.search(only.prose_before):
            # "### Step 1: Count rows" above the only block explains it, as with several.
            headed = _explained_by_heading(only)
            return Candidate(headed, only.code, _join([*_prose_of(blocks), trailing]))
        prose = _join([*_prose_of(blocks), trailing])
        paired, prose = pair_with_list(only.code, _steps(only.code), prose)
        return Candidate(paired, only.code, prose)
    steps: list[Step] = []
    for position in kept:
        steps.extend(_explained_by_heading(blocks[position]))
    code = "\n".join(blocks[position].code for position in kept)
    if syntax_error_line(code) is not None:
        # Blocks that parse alone parse together; this guard keeps the promise regardless.
        return Candidate(_steps(blocks[kept[0]].code), blocks[kept[0]].code, "")
    return Candidate(steps, code, _join([*_prose_of(blocks), trailing]))


def _code_blocks(segments: list[Segment]) -> tuple[list[_Block], str]:
    """Blocks of runnable code with the prose before each; and the prose after the last."""
    blocks: list[_Block] = []
    pending: list[str] = []
    for segment in segments:
        if segment.kind == "prose" or not _is_code(segment, pending, after_code=bool(blocks)):
            pending.append(_as_prose(segment))
            continue
        clean = clean_code(segment.text)
        if not clean.code:
            if segment.language == "":
                pending.append(_as_prose(segment))
            continue
        blocks.append(_Block(_join([*pending, clean.prose_before]), clean.code, clean.prose_after))
        pending = []
    return blocks, _join(pending)


def _is_code(segment: Segment, prose_before: list[str], *, after_code: bool) -> bool:
    """Whether a fenced segment is code: tagged so, or untagged and not introduced as the
    output of code shown before it."""
    if segment.language not in CODE_LANGUAGES:
        return False
    if segment.language or not after_code:
        return True
    intro = _join(prose_before).rstrip().rsplit("\n", 1)[-1]
    return _OUTPUT_INTRO.search(intro) is None


def _as_prose(segment: Segment) -> str:
    if segment.kind == "prose":
        return segment.text
    return f"```{segment.language}\n{segment.text}\n```"


def _answer_blocks(blocks: list[_Block]) -> list[int]:
    """Positions of the blocks that make the answer (see the module docstring)."""
    kept: list[int] = []
    for position, block in enumerate(blocks):
        if kept and _ALTERNATIVE.search(block.prose_before):
            break
        new = _statement_lines(block.code)
        earlier = [line for k in kept for line in _statement_lines(blocks[k].code)]
        if kept and _is_subsequence(earlier, new):
            if len(new) > len(earlier):
                kept = [position]
            continue
        if kept and _is_subsequence(new, earlier):
            continue
        kept.append(position)
    return kept


def _statement_lines(code: str) -> list[str]:
    return [line.strip() for line in code.split("\n") if line.strip() and not _is_comment(line)]


def _is_comment(line: str) -> bool:
    return line.strip().startswith("#")


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(any(line == other for other in remaining) for line in short)


def _explained_by_heading(block: _Block) -> list[Step]:
    """The block's steps; a block without explanations takes the paragraph above it."""
    steps = _steps(block.code)
    if len(steps) != 1 or steps[0].explanation:
        return steps
    paragraphs = [p for p in re.split(r"\n\s*\n", block.prose_before) if p.strip()]
    if not paragraphs:
        return steps
    heading = clean_heading(" ".join(paragraphs[-1].split()))
    if not heading:
        return steps
    block.prose_before = "\n\n".join(paragraphs[:-1])
    return [Step(heading, steps[0].code)]


def _prose_of(blocks: list[_Block]) -> list[str]:
    return [part for block in blocks for part in (block.prose_before, block.prose_after)]


def _steps(code: str) -> list[Step]:
    return split_into_steps(code) if code else []


def _join(parts: list[str]) -> str:
    return "\n\n".join(part.strip() for part in parts if part.strip())
