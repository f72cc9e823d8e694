"""Rank candidates by trial-running them in the user's kernel, without disturbing the user.

How it runs: one *silent* execute request (``silent=True, store_history=False``: no execution
count, no history, nothing published) whose single user expression calls
``trial_run_as_json(globals(), request)`` of ``jupyter_pachinco/execution/kernel_trials.py``,
whose source (and that of the modules it imports) the expression carries: see ``shipping``;
the kernel's environment needs only the standard library, pandas and numpy. There every
candidate runs in its own fork of the kernel process (see that module); the kernel itself only
forks, waits (bounded by the trial limits) and groups the answers. The JSON that comes back in
``user_expressions`` is ranked here with ``rank_candidates``.

Ranking never raises to the user: no kernel, a dead or busy kernel, a kernel that cannot fork
(Windows) or that lacks pandas gives the candidates in sample order, unrun, with a
notice that says why.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from ...execution.forks import Limits
from ...execution.kernel_trials import DEFAULT_LIMITS
from ...execution.ranking import (
    CandidateRun,
    Ranking,
    rank_candidates,
    runs_for_all,
    to_try,
    unranked,
    with_likelihoods,
)
from .channels import (
    KernelClients,
    KernelGone,
    KernelUnreachable,
    KernelWatch,
    await_reply,
    send_execute,
)
from .shipping import call_expression

log = logging.getLogger(__name__)

EXPRESSION_KEY = "pachinco_trials"
# Beyond the trials' own wall-time limits: forking, grouping and the round trip.
REPLY_MARGIN_S = 30.0
# A kernel still busy after this long is running the user's own work: ranking must not queue
# behind it (the reply would come whenever that cell ends).
DEFAULT_BUSY_WAIT_S = 1.0


class RankingError(Exception):
    """Trial runs could not be done; the message says why, in the user's words."""


def trial_expression(codes: Sequence[str], limits: Limits, max_parallel: int | None) -> str:
    """The user expression that trial-runs ``codes`` in the kernel and returns JSON text."""
    request = json.dumps(
        {
            "codes": list(codes),
            "wall_time_s": limits.wall_time_s,
            "cpu_time_s": limits.cpu_time_s,
            "memory_bytes": limits.memory_bytes,
            "max_parallel": max_parallel,
        }
    )
    return call_expression(
        "execution.kernel_trials", "trial_run_as_json", "globals()", repr(request)
    )


def parse_trial_reply(reply: dict[str, Any]) -> tuple[list[CandidateRun], str | None]:
    """The runs and notice in an ``execute_reply``; ``RankingError`` with a readable reason."""
    content = reply.get("content", {})
    if content.get("status") != "ok":
        raise RankingError(f"the kernel answered {content.get('status', 'nothing')}")
    result = content.get("user_expressions", {}).get(EXPRESSION_KEY, {})
    if result.get("status") != "ok":
        name, value = result.get("ename", "an error"), result.get("evalue", "")
        if name == "ModuleNotFoundError":
            raise RankingError(f"the kernel's environment lacks a module trial runs need: {value}")
        raise RankingError(f"trial runs raised {name}: {value}".rstrip(": "))
    try:
        answer = json.loads(ast.literal_eval(result.get("data", {}).get("text/plain", "")))
        runs = [CandidateRun(**run) for run in answer["runs"]]
    except (ValueError, SyntaxError, TypeError, KeyError) as exc:
        raise RankingError("the kernel's answer was not readable") from exc
    if not answer.get("available", False):
        raise RankingError(str(answer.get("notice") or "trial runs are not available"))
    return runs, answer.get("notice")


async def check_ready(kernel: Any, busy_wait_s: float) -> None:
    """`RankingError` for a dead kernel or one still busy after ``busy_wait_s`` (a silent
    request must not queue behind the user's own cell)."""
    alive = kernel.is_alive()
    if inspect.isawaitable(alive):
        alive = await alive
    if not alive:
        raise RankingError("the kernel has stopped")
    deadline = time.monotonic() + busy_wait_s
    while getattr(kernel, "execution_state", "idle") == "busy":
        if time.monotonic() >= deadline:
            raise RankingError("the kernel is busy running a cell")
        await asyncio.sleep(0.05)


class KernelRanker:
    """Trial-runs and ranks candidates in kernels run by a Jupyter server's kernel manager."""

    def __init__(
        self,
        kernel_manager: Any,
        *,
        limits: Limits = DEFAULT_LIMITS,
        max_parallel: int | None = None,
        busy_wait_s: float = DEFAULT_BUSY_WAIT_S,
    ) -> None:
        self.kernel_manager = kernel_manager
        self.limits = limits
        self.max_parallel = max_parallel
        self.busy_wait_s = busy_wait_s
        self._clients = KernelClients()
        self._locks: dict[str, asyncio.Lock] = {}

    async def rank(
        self,
        kernel_id: str | None,
        codes: Sequence[str],
        likelihoods: Sequence[float | None] | None = None,
    ) -> Ranking:
        """Candidates best first: the output most of them agree on leads. Answers without
        code are not run; they rank with the failures. Copies of one code run once."""
        if not codes:
            return Ranking([])
        ranking = await self._rank_runnable(kernel_id, [codes[i] for i in to_try(codes)])
        if ranking.notice is not None and not any(
            c.run.status != "not_run" for c in ranking.candidates
        ):
            return unranked(codes, ranking.notice)
        runs = runs_for_all(codes, [c.run for c in ranking.candidates])
        return rank_candidates(with_likelihoods(runs, likelihoods), ranking.notice)

    async def _rank_runnable(self, kernel_id: str | None, codes: Sequence[str]) -> Ranking:
        if not codes:
            return Ranking([])
        if not kernel_id or kernel_id not in self.kernel_manager:
            return unranked(codes, "No running kernel, so candidates were not trial-run.")
        kernel = self.kernel_manager.get_kernel(kernel_id)
        lock = self._locks.setdefault(kernel_id, asyncio.Lock())
        try:
            async with lock:
                await check_ready(kernel, self.busy_wait_s)
                watch = KernelWatch(self.kernel_manager, kernel_id)
                reply = await self._ask(self._clients.get(kernel_id, kernel), codes, watch)
            runs, notice = parse_trial_reply(reply)
        except KernelGone as exc:
            self._clients.drop(kernel_id)
            log.warning("jupyter_pachinco: ranking in kernel %s ended: %s", kernel_id, exc)
            return unranked(codes, f"Candidates were not trial-run: {exc} during the trial runs.")
        except (RankingError, TimeoutError, KernelUnreachable) as exc:
            log.warning("jupyter_pachinco: ranking in kernel %s failed: %s", kernel_id, exc)
            return unranked(codes, f"Candidates were not trial-run: {exc}.")
        except Exception as exc:  # e.g. the kernel's sockets closing under us: report, not raise
            log.exception("jupyter_pachinco: ranking in kernel %s failed", kernel_id)
            return unranked(codes, f"Candidates were not trial-run ({type(exc).__name__}).")
        return rank_candidates(runs, notice)

    async def close(self) -> None:
        """Close the kernel connections this ranker opened."""
        self._clients.close()

    def forget(self, kernel_id: str) -> None:
        self._clients.drop(kernel_id)

    async def _ask(self, client: Any, codes: Sequence[str], watch: KernelWatch) -> dict[str, Any]:
        expression = trial_expression(codes, self.limits, self.max_parallel)
        msg_id = await send_execute(client, "", {EXPRESSION_KEY: expression})
        # One more round: the vote's own sandboxed child.
        rounds = -(-len(codes) // max(1, self.max_parallel or 1)) + 1
        timeout = self.limits.wall_time_s * rounds + REPLY_MARGIN_S
        return await await_reply(client, msg_id, timeout, watch)
