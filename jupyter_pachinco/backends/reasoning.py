"""A reasoning model's thinking, apart from its answer, as the text streams.

Reasoning models (DeepSeek-R1 and its distills, QwQ, Qwen3) write their thinking between
``<think>`` and ``</think>``, then the answer. The thinking may hold draft code that is not the
answer, so it never reaches the answer's parser: backends emit it as reasoning deltas
(`TextDelta.reasoning`), which the user can see apart. Forms handled:

- a pair at the start of the answer: ``<think>...</think>answer``;
- a closing tag only, because the chat template opened the section in the generation prompt
  (``...<|Assistant|><think>\\n``): `opens_reasoning` tells it from the rendered prompt, and
  the splitter then starts inside the thinking;
- an opening tag that is never closed (the token limit came first): all of it is thinking;
- a server's own reasoning field (OpenAI-compatible ``reasoning_content`` or ``reasoning``),
  read by the OpenAI backend.

An opening tag elsewhere than at the start (after leading blank space) is the answer's own text,
such as code that strips those tags. Pure logic, no I/O.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


def opens_reasoning(prompt_text: str) -> bool:
    """Whether a rendered prompt ends inside a thinking section its template opened."""
    return prompt_text.rstrip().endswith(OPEN)


def _partial_tail(text: str, tag: str) -> int:
    """The length of the longest end of ``text`` that is a proper start of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


class ReasoningSplitter:
    """Feeds one candidate's text through, as (reasoning, answer) pieces safe to emit.

    ``thinking``: the text begins inside a thinking section (see `opens_reasoning`). A tag split
    across deltas is held back until the next delta settles it; `flush` gives what is left.
    """

    def __init__(self, thinking: bool = False) -> None:
        self._state = "thinking" if thinking else "start"
        self._pending = ""

    @property
    def thinking(self) -> bool:
        """Whether the text so far ends inside a thinking section."""
        return self._state == "thinking"

    def feed(self, delta: str) -> tuple[str, str]:
        """The new reasoning text and the new answer text."""
        text, self._pending = self._pending + delta, ""
        reasoning = answer = ""
        while text:
            if self._state == "start":
                stripped = text.lstrip()
                if not stripped or (OPEN.startswith(stripped) and stripped != OPEN):
                    self._pending = text  # blank so far, or a tag still arriving
                    return reasoning, answer
                if stripped.startswith(OPEN):
                    self._state, text = "thinking", stripped[len(OPEN) :]
                else:
                    self._state = "answer"
            elif self._state == "thinking":
                end = text.find(CLOSE)
                if end < 0:
                    hold = _partial_tail(text, CLOSE)
                    self._pending = text[len(text) - hold :]
                    return reasoning + text[: len(text) - hold], answer
                reasoning += text[:end]
                self._state, text = "after", text[end + len(CLOSE) :]
            elif self._state == "after":  # the blank lines between the thinking and the answer
                text = text.lstrip("\n")
                if text:
                    self._state = "answer"
            else:
                answer, text = answer + text, ""
        return reasoning, answer

    def flush(self) -> tuple[str, str]:
        """At the end of the stream: what was held back, as (reasoning, answer)."""
        rest, self._pending = self._pending, ""
        if self._state == "thinking":
            return rest, ""
        return ("", rest) if self._state in ("start", "answer") else ("", "")
