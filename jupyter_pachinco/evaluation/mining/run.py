"""Running one notebook for ``eval mine``: its data, its work directory, one execution.

``mine_notebook`` reads a notebook, maps the URLs its code loads to local files (``DataSources``:
``--data-map URL=PATH`` first, then a file of the same name in the notebook's folder, then
``--data-root`` folders laid out ``host/path``), copies the folder's data and the mapped files
into ``artifacts/<work_dir>``, runs every code cell once in a scratch copy of that folder
(``child``, a subprocess with a per-cell time limit) and turns the kept turns into an
ARCADE episode (``episode``). Whatever goes wrong with one notebook (invalid JSON, a
kernel for another language, missing data, a cell that loops forever, a notebook that
deletes its data) is reported in its ``NotebookResult``; nothing is raised.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ...context.notebook_files import UnreadableNotebook, read_notebook
from ...execution import neutralize_notebook_syntax
from ...output_paths import Exclusions
from .episode import SEED_CODE, NotebookResult, build_episode
from .notebooks import NotebookCell, TurnSpec, data_urls, find_turns, read_cells, rewrite_urls


@dataclass(frozen=True)
class DataSources:
    """Where the files behind URLs are: explicit map, notebook folder, data roots."""

    roots: tuple[Path, ...] = ()
    url_map: Mapping[str, Path] = field(default_factory=dict)
    #: What the run writes (its output), never searched for data.
    excluded: Exclusions = field(default_factory=lambda: Exclusions(()))

    def resolve(self, url: str, folder: Path) -> Path | None:
        """The local file for ``url`` (``folder`` is the notebook's), or None."""
        mapped = self.url_map.get(url)
        if mapped is not None:
            return mapped if mapped.is_file() else None
        parts = urlsplit(url)
        name = unquote(Path(parts.path).name)
        if name:
            matches = [p for p in self.excluded.rglob(folder, name) if p.is_file()]
            if matches:
                return matches[0]
        for root in self.roots:
            for path in (unquote(parts.path), parts.path):
                candidate = root / parts.netloc / path.lstrip("/")
                if candidate.is_file():
                    return candidate
        return None


def work_dir_name(notebook_name: str) -> str:
    """A folder name for a notebook path: ``03_Grouping/Regiment/Ex.ipynb`` ->
    ``03_Grouping__Regiment__Ex``."""
    stem = notebook_name[: -len(".ipynb")] if notebook_name.endswith(".ipynb") else notebook_name
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", stem.replace("/", "__")).strip("_") or "notebook"


def mine_notebook(
    path: Path,
    notebook_name: str,
    artifacts: Path,
    sources: DataSources,
    timeout_s: float,
) -> NotebookResult:
    """Mine one notebook; never raises for a problem of the notebook itself."""
    result = NotebookResult(notebook_name, work_dir_name(notebook_name))
    try:
        document = read_notebook(path)  # any nbformat version, upgraded to v4
    except UnreadableNotebook as exc:
        result.problem = f"not a readable notebook: {exc}"
        return result
    language = notebook_language(document)
    if language not in ("python", ""):
        result.problem = f"its kernel runs {language}, not Python"
        return result
    cells = read_cells(document)
    turns = find_turns(cells)
    result.turns_found = len(turns)
    work_dir = artifacts / result.work_dir
    local = prepare_work_dir(path.parent, cells, work_dir, sources, result)
    # The scorer runs context and references as plain Python (FORMAT.md E2/E3): a `%magic` or
    # `!cmd` line there is a syntax error, so they become `pass` here, as our executor reads them.
    codes = {
        c.index: neutralize_notebook_syntax(rewrite_urls(c.source, local))
        for c in cells
        if c.cell_type == "code"
    }
    blocked = {
        c.index: [url for url in data_urls(c.source) if url not in local]
        for c in cells
        if c.cell_type == "code"
    }
    outcomes = run_cells(codes, blocked, turns, work_dir, timeout_s)
    build_episode(result, cells, turns, codes, blocked, outcomes)
    return result


def notebook_language(document: Mapping[str, Any]) -> str:
    """The notebook's language from its kernel spec or language info ("" when unstated)."""
    metadata = document.get("metadata")
    if not isinstance(metadata, Mapping):
        return ""
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, Mapping) and isinstance(section.get(field_name), str):
            return str(section[field_name]).lower()
    return ""


def prepare_work_dir(
    folder: Path,
    cells: Sequence[NotebookCell],
    work_dir: Path,
    sources: DataSources,
    result: NotebookResult,
) -> dict[str, str]:
    """Copy the folder's data and the files behind URLs into ``work_dir``; URL -> local path."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    # The run's own output (``artifacts/`` and the rest) may be inside the folder: not copied.
    excluded = sources.excluded.for_folder(folder)
    shutil.copytree(folder, work_dir, ignore=excluded.ignore(("*.ipynb", ".ipynb_checkpoints")))
    local: dict[str, str] = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        for url in data_urls(cell.source):
            if url in local or url in result.missing_urls:
                continue
            found = sources.resolve(url, folder)
            if found is None:
                result.missing_urls.append(url)
                continue
            local[url] = _place(found, url, folder, work_dir)
    return local


def _place(found: Path, url: str, folder: Path, work_dir: Path) -> str:
    """Where the file is in the work directory (copying it there when it came from elsewhere)."""
    if found.resolve().is_relative_to(folder.resolve()):
        return found.resolve().relative_to(folder.resolve()).as_posix()
    target = work_dir / found.name
    if target.exists() and target.read_bytes() != found.read_bytes():
        parts = urlsplit(url)
        target = work_dir / "url_data" / parts.netloc / unquote(parts.path).lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(found, target)
    return target.relative_to(work_dir).as_posix()


def run_cells(
    codes: Mapping[int, str],
    blocked: Mapping[int, list[str]],
    turns: Sequence[TurnSpec],
    work_dir: Path,
    timeout_s: float,
) -> dict[int, dict[str, Any]]:
    """Run the runnable code cells once, in a scratch copy of ``work_dir``; index -> result.

    Cells that load data that was not found are not run. A cell missing from the result was
    not reached (the run was stopped).
    """
    turn_cells = {turn.code_cell for turn in turns}
    cells = [
        {"index": index, "code": code, "turn": index in turn_cells}
        for index, code in codes.items()
        if not blocked.get(index)
    ]
    job = {"cells": cells, "timeout_s": timeout_s, "seed_code": SEED_CODE}
    with tempfile.TemporaryDirectory(prefix="pachinco-mine-") as scratch:
        run_dir = Path(scratch) / "work"
        shutil.copytree(work_dir, run_dir)
        job_path, results = Path(scratch) / "job.json", Path(scratch) / "results.jsonl"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        results.touch()
        # The child imports this package from where this process found it.
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONPATH": path}
        command = [sys.executable, "-m", "jupyter_pachinco.evaluation.mining.child"]
        # On a timeout, the cells that finished are in the results file.
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                [*command, str(job_path), str(results)],
                cwd=run_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # A turn runs twice (in a fork, then in place), each under the cell limit.
                timeout=2 * timeout_s * (len(cells) + 1) + 60,
                check=False,
            )
        outcomes: dict[int, dict[str, Any]] = {}
        for line in results.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short when the process was killed
            outcomes[int(record["index"])] = record
        return outcomes
