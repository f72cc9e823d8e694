"""Plans in model text: the numbered steps of a task, and a revision of the steps still to do.

Pure logic. A plan is a list of one-line step texts in the ``explained`` style's voice (what the
step does and why). The model writes one as a numbered list; these forms are read, in chat or
completion answers alike: ``1. Group the fares``, ``1) ...``, ``Step 1: ...``, ``**Step 1.**
...``, ``# Step 1: ...``, ``# 1. ...``, ``- ...`` (bullets only when no numbered item is found).

A step's answer may revise the rest of the plan after it has seen what the earlier steps gave:
after its code block, a line ``Remaining steps:`` and a numbered list replace the steps after
the current one; ``Remaining steps: none`` says that this step finishes the task.
"""

from __future__ import annotations

import re

from .steps import clean_heading

MAX_STEP_CHARS = 300

_NUMBERED = re.compile(
    r"^\s*(?:#+\s*)?(?:[*_]{1,2})?\s*(?:step\s*)?(?P<number>\d{1,2})\s*(?:[*_]{1,2})?\s*"
    r"[.):\-\u2013\u2014]\s*(?:[*_]{1,2})?\s*(?P<text>\S.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:#+\s*)?[-*+\u2022]\s+(?P<text>\S.*)$")
_REVISION = re.compile(
    r"^\s*(?:#+\s*)?(?:[*_]{1,2})?\s*remaining\s+steps\s*(?:[*_]{1,2})?\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_NONE = re.compile(r"^\s*(?:none|nothing|no more steps?|-)?\W*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")


def parse_plan(text: str, max_steps: int) -> list[str]:
    """The steps of a plan in ``text`` (at most ``max_steps``); [] when it holds no list."""
    lines = _outside_fences(text)
    numbered = [m["text"] for m in map(_NUMBERED.match, lines) if m is not None]
    found = numbered or [m["text"] for m in map(_BULLET.match, lines) if m is not None]
    steps = [_step_text(item) for item in found]
    return [step for step in steps if step][:max_steps]


def plan_revision(prose: str, max_steps: int) -> list[str] | None:
    """The steps a ``Remaining steps:`` list in ``prose`` puts after the current step ([] for
    "none": the task is done), or None when the answer does not revise the plan."""
    found = list(_REVISION.finditer(prose))
    if not found:
        return None
    match = found[-1]  # the last revision wins
    rest = match["rest"]
    after = prose[match.end() :]
    if rest.strip() and _NONE.match(rest):
        return []
    items = parse_plan(f"{rest}\n{after}", max_steps)
    return items


def numbered_plan(steps: list[str], current: int | None = None, done: int = 0) -> str:
    """The plan as a numbered list; steps before ``done`` marked done, ``current`` marked."""
    lines = []
    for number, step in enumerate(steps, start=1):
        mark = ""
        if number <= done:
            mark = "  (done)"
        elif current is not None and number == current:
            mark = "  <- now"
        lines.append(f"{number}. {step}{mark}")
    return "\n".join(lines)


def _outside_fences(text: str) -> list[str]:
    kept: list[str] = []
    inside = False
    for line in text.splitlines():
        if _FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            kept.append(line)
    return kept


def _step_text(item: str) -> str:
    text = clean_heading(" ".join(item.split()))
    text = re.sub(r"^(?:[*_]{1,2})|(?:[*_]{1,2})$", "", text).strip()
    return text if len(text) <= MAX_STEP_CHARS else text[: MAX_STEP_CHARS - 1] + "…"
