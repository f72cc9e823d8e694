"""Repair: ask for a corrected cell from its code, its traceback and the notebook's context.

A cell inserted by the assistant raised. The code and the error go back to the model as a new
intent, with the same context the first answer had; the corrected candidates are trial-run and
ranked (the caller passes the ranking step: the server's ``KernelRanker.rank`` or the magic's
own) before anything is offered to the user.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .assistant import Assistant, Done
from .context.turns import Turn
from .execution.ranking import Ranking
from .prompting.parsing import Candidate

MAX_TRACEBACK_LINES = 20
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

RankCodes = Callable[[list[str]], Awaitable[Ranking]]


@dataclass(frozen=True)
class Repair:
    """The corrected candidates, as the model gave them, and their ranking by trial runs."""

    candidates: list[Candidate]
    ranking: Ranking


def fix_intent(code: str, traceback: str) -> str:
    """The request the model gets: the failing cell and the end of its traceback."""
    lines = _ANSI_ESCAPE.sub("", traceback).strip().splitlines()
    shown = "\n".join(lines[-MAX_TRACEBACK_LINES:])
    return (
        "This cell raised an error. Write a corrected version that does what it meant to do.\n\n"
        f"```python\n{code.strip()}\n```\n\nThe error:\n```\n{shown}\n```"
    )


async def suggest_fixes(
    assistant: Assistant,
    code: str,
    traceback: str,
    rank: RankCodes,
    *,
    cells: Sequence[object] = (),
    namespace_schemas: Sequence[Mapping[str, Any]] = (),
    history: Sequence[Turn] = (),
    n: int = 4,
    **options: Any,
) -> Repair:
    """Ask for ``n`` corrections and trial-run them; the best-ranked one leads."""
    finished: list[Candidate] = []
    async for event in assistant.generate(
        fix_intent(code, traceback),
        cells=cells,
        namespace_schemas=namespace_schemas,
        history=history,
        n=n,
        **options,
    ):
        if isinstance(event, Done):
            finished = list(event.candidates)
    ranking = await rank([candidate.code for candidate in finished])
    return Repair(candidates=finished, ranking=ranking)
