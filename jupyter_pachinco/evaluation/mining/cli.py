"""``jupyter-pachinco eval mine NOTEBOOK_OR_DIR... --output DIR``: notebooks into a benchmark.

Writes into DIR: ``dataset.json`` (every kept turn, ARCADE format), ``dataset.train.json`` and
``dataset.test.json`` (the same, split by notebook), ``artifacts/<work_dir>/`` (each notebook's
data) and ``mining_report.json``::

    {"notebooks": int, "episodes": int, "turns_found": int, "turns_kept": int,
     "excluded_by_reason": {reason: int}, "excluded": [{notebook, code_cell, intent, reason,
     detail}], "notebooks_not_mined": [{notebook, problem}], "missing_data": {notebook: [url]},
     "kinds": {kind: int}, "split": {"seed", "test_fraction", "train": [...], "test": [...],
     "train_turns", "test_turns"}}

``eval generate --dataset DIR/dataset.test.json`` and ``eval score --artifacts DIR/artifacts``
take these files as they are. ``--examples FILE`` also writes the train split's turns as
training examples (format in ``examples``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...output_paths import Exclusions, check_apart
from ..errors import EvaluationError

#: The files ``eval mine`` writes into its output folder, beside ``artifacts/``.
OUTPUT_FILES = ("dataset.json", "dataset.train.json", "dataset.test.json", "mining_report.json")


def add_mine_command(commands: Any) -> None:
    mine = commands.add_parser(
        "mine", help="Turn notebooks (markdown intent -> code) into an ARCADE dataset."
    )
    mine.add_argument("paths", nargs="+", type=Path, help="Notebooks or folders of notebooks.")
    mine.add_argument("--output", type=Path, required=True, help="Folder to write the set into.")
    mine.add_argument(
        "--data-root",
        type=Path,
        action="append",
        default=[],
        help="Folder of files behind URLs, laid out host/path (repeatable).",
    )
    mine.add_argument(
        "--data-map",
        action="append",
        default=[],
        metavar="URL=PATH",
        help="The local file behind one URL (repeatable).",
    )
    mine.add_argument("--split", default="test=0.3", help="Share of notebooks in test (test=F).")
    mine.add_argument("--seed", type=int, default=0, help="Seed of the split.")
    mine.add_argument("--timeout", type=float, default=30.0, help="Seconds per cell.")
    mine.add_argument("--examples", type=Path, default=None, help="Training examples (JSONL).")
    mine.add_argument("--form", choices=("completion", "chat"), default="completion")
    mine.add_argument("--style", default="explained", help="Prompt style of the examples.")
    mine.add_argument("--budget", type=int, default=2100, help="Prompt tokens, as eval generate.")
    mine.set_defaults(run=run_mine)


def parse_split(text: str) -> float:
    name, _, value = text.partition("=")
    try:
        fraction = float(value)
    except ValueError:
        fraction = -1.0
    if name.strip() != "test" or not 0.0 <= fraction <= 1.0:
        raise EvaluationError(f"--split {text!r}: write test=F with F between 0 and 1")
    return fraction


def parse_data_map(items: Sequence[str]) -> dict[str, Path]:
    mapping: dict[str, Path] = {}
    for item in items:
        url, sep, path = item.partition("=")
        if not sep or not url or not path:
            raise EvaluationError(f"--data-map {item!r}: write URL=PATH")
        mapping[url] = Path(path)
    return mapping


def find_notebooks(
    paths: Sequence[Path], excluded: Exclusions | None = None
) -> list[tuple[Path, str]]:
    """(path, name) of each notebook, each notebook once; a name is relative to the folder given
    (a file: its own name). Names are the episodes' names and name the notebooks' work folders
    under ``artifacts/``, so they must differ: notebooks whose names (or folder names) would
    clash, such as ``a/Exercises.ipynb`` and ``b/Exercises.ipynb`` given as files, are named
    by as many of their parent folders as tell them apart. A folder's notebooks exclude
    ``excluded`` (the run's own output). Raises `EvaluationError` for a path that does not
    exist."""
    excluded = excluded or Exclusions(())
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = [
                (notebook, notebook.relative_to(path).as_posix())
                for notebook in excluded.rglob(path, "*.ipynb")
                if ".ipynb_checkpoints" not in notebook.parts
            ]
        elif path.is_file():
            candidates = [(path, path.name)]
        else:
            raise EvaluationError(f"{path}: no such notebook or folder")
        for notebook, name in candidates:
            if notebook.resolve() not in seen:
                seen.add(notebook.resolve())
                found.append((notebook, name))
    return [(path, name) for (path, _), name in zip(found, _distinct_names(found), strict=True)]


def _distinct_names(found: Sequence[tuple[Path, str]]) -> list[str]:
    from .run import work_dir_name

    names = [name for _, name in found]
    for _ in range(max((len(p.resolve().parts) for p, _ in found), default=0)):
        folders = [work_dir_name(name) for name in names]
        clashing = {folder for folder in folders if folders.count(folder) > 1}
        if not clashing:
            return names
        for index, (path, _) in enumerate(found):
            if folders[index] in clashing:
                depth = names[index].count("/") + 2
                names[index] = "/".join(path.resolve().parts[-depth:]).lstrip("/")
    # Folder names that still clash differ only in characters a folder name cannot keep.
    folders = [work_dir_name(name) for name in names]
    return [
        name if folders.count(folders[i]) == 1 else f"{name} ({i + 1})"
        for i, name in enumerate(names)
    ]


def mining_outputs(output: Path, examples: Path | None) -> Exclusions:
    """What ``eval mine --output OUTPUT`` writes: never copied, scanned or mined by the run."""
    written = [output / "artifacts", *(output / name for name in OUTPUT_FILES), examples]
    partial = [path.with_name(path.name + ".partial") for path in written if path is not None]
    return Exclusions.of([*written, *partial], output)


def run_mine(args: argparse.Namespace) -> int:
    from ..generate import check_style, write_predictions
    from .check import keep_judgeable_turns
    from .examples import prompt_assistant, write_examples
    from .notebooks import split_by_notebook
    from .run import DataSources, mine_notebook
    from .summary import fill_inputs, mining_report, summary_lines

    check_style(args.style)
    fraction = parse_split(args.split)
    excluded = mining_outputs(args.output, args.examples)
    # Its output folder may hold the notebooks (it is never mined), but no output file is one.
    notebooks_given = {str(path): path for path in args.paths if path.is_file()}
    outputs = {f"--output's {p.name}": p for p in excluded.paths}
    check_apart(outputs, notebooks_given, EvaluationError)
    sources = DataSources(tuple(args.data_root), parse_data_map(args.data_map), excluded)
    notebooks = find_notebooks(args.paths, excluded)
    artifacts = args.output / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    results = []
    for number, (path, name) in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] {name}", file=sys.stderr, flush=True)
        results.append(mine_notebook(path, name, artifacts, sources, args.timeout))
    print("checking every reference with eval score", file=sys.stderr, flush=True)
    keep_judgeable_turns(results, artifacts)
    episodes = [r.episode for r in results if r.episode is not None]
    split = split_by_notebook([e["notebook_name"] for e in episodes], fraction, args.seed)
    fill_inputs(episodes, prompt_assistant(args.style, args.budget))
    parts: dict[str, list[dict[str, Any]]] = {"train": [], "test": []}
    for episode in episodes:
        parts[split[episode["notebook_name"]]].append(episode)
    write_predictions(episodes, args.output / "dataset.json")
    write_predictions(parts["train"], args.output / "dataset.train.json")
    write_predictions(parts["test"], args.output / "dataset.test.json")
    report = mining_report(results, split, fraction, args.seed)
    if args.examples is not None:
        assistant = prompt_assistant(args.style, args.budget, args.form)
        report["examples"] = write_examples(parts["train"], args.examples, assistant, args.form)
    (args.output / "mining_report.json").write_text(json.dumps(report, indent=1), "utf-8")
    print("\n".join(summary_lines(report, args.output)))
    return 0
