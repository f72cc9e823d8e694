"""Parse a growing answer, for live display while the model is still writing.

The text is re-read at each line end (a half-written line says little), which costs a parse of
a few kilobytes per line. Every step but the last is reported as known: the last one may still
grow, so it is offered apart as ``partial_step``; when the text ends with the marker of a new
step (``# Step 3: ...``), all steps are known and the new one is the partial step, without code
yet. Once the text shows that the answer is over
(a next ``# In[ ]:`` cell began, or an end-of-turn token came), all steps are known and
``answer_ended`` tells the caller that generation can stop.
"""

from __future__ import annotations

from .answer_text import end_of_turn
from .parsing import Candidate, read_answer
from .steps import Step, marker_text


class StreamingParser:
    """Fed text deltas, it reports the steps known so far."""

    def __init__(self) -> None:
        self._text = ""
        self._known: list[Step] = []
        self._partial: Step | None = None
        self._ended = False

    @property
    def text(self) -> str:
        """The text taken in (deltas fed after the answer ended are not kept)."""
        return self._text

    @property
    def answer_ended(self) -> bool:
        """Whether the text showed that the answer is over."""
        return self._ended

    @property
    def partial_step(self) -> Step | None:
        """The last step seen, which may still grow (None once the answer is over)."""
        return self._partial

    def feed(self, delta: str) -> list[Step]:
        """Add ``delta``; the steps known so far."""
        if self._ended:
            return list(self._known)
        self._text += delta
        if "\n" in delta or "\r" in delta or ">" in delta:  # end-of-turn tokens end in ">"
            self._reread()
        return list(self._known)

    def finish(self) -> Candidate:
        """The whole text is in: the final candidate (same as ``parse_answer`` of the text)."""
        candidate = read_answer(self._text).candidate
        self._known, self._partial, self._ended = list(candidate.steps), None, True
        return candidate

    def _reread(self) -> None:
        # Only whole lines are read, unless an end-of-turn token closed the text mid-line.
        ended_by_token = end_of_turn(self._text) is not None
        line_end = max(self._text.rfind("\n"), self._text.rfind("\r")) + 1
        answer = read_answer(self._text if ended_by_token else self._text[:line_end])
        steps = answer.candidate.steps
        if answer.ended:
            self._known, self._partial, self._ended = list(steps), None, True
            return
        begun = _step_begun(answer.candidate.code)
        if begun is not None:
            self._known, self._partial = list(steps), Step(begun, "")
        elif steps[: len(self._known)] == self._known and len(steps) <= len(self._known):
            # The next step's first statement is half written (and so cut away): what was
            # known still is, and the step begun earlier is still the partial one.
            return
        else:
            self._known, self._partial = list(steps[:-1]), (steps[-1] if steps else None)


def _step_begun(code: str) -> str | None:
    """The explanation of a step marker that ends ``code``: a step begun, its code to come."""
    lines = [line for line in code.split("\n") if line.strip()]
    return marker_text(lines[-1]) if lines else None
