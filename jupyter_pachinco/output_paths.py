"""A command's output is never its input: no command copies, scans or mines what it writes.

Every command that takes an input and an output path (``eval mine``, ``eval generate``,
``eval score``, ``eval report``, ``train``, ``train export``) follows two rules:

- `check_apart`: an output path may not be one of the inputs, and an output folder may not
  hold an input (the command would overwrite or replace what it reads). ``eval mine``'s output
  folder may lie inside the notebooks' folder, or be it (``cd analysis && eval mine
  sales.ipynb --output mined``): that is what the next rule is for.
- `Exclusions`: what a command copies or scans leaves out the paths it writes (for ``eval
  mine``: ``artifacts/`` with the notebooks' copies, the dataset files, the report, the
  examples; an output folder inside the copied folder is left out whole). Without it, mining
  a folder that holds its own output copies that output into itself until ``RecursionError``.

Paths are compared resolved (symbolic links, ``..``, the working folder).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class OutputInsideInput(ValueError):
    """An output path is an input of the same command, or holds one."""


def within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both resolved)."""
    return path.resolve().is_relative_to(folder.resolve())


def check_apart(
    outputs: Mapping[str, Path | None],
    inputs: Mapping[str, Path | None],
    error: type[Exception] = OutputInsideInput,
) -> None:
    """Raise ``error`` (default `OutputInsideInput`) when an output (option -> path) is an
    input or holds one; the message names both options. None paths are not given."""
    for out_name, output in outputs.items():
        for in_name, given in inputs.items():
            if output is not None and given is not None and within(given, output):
                same = given.resolve() == output.resolve()
                relation = "is" if same else "holds"
                raise error(
                    f"{out_name} {str(output)!r} {relation} the input {in_name} "
                    f"{str(given)!r}; write the output somewhere else, so that the command "
                    "never overwrites what it reads."
                )


@dataclass(frozen=True)
class Exclusions:
    """Paths a command writes, left out of everything it copies or scans; ``output``: its
    output folder, left out whole where it lies inside a folder that is copied or scanned."""

    paths: tuple[Path, ...]
    output: Path | None = None

    @classmethod
    def of(cls, paths: Iterable[Path | None], output: Path | None = None) -> Exclusions:
        resolved = tuple(path.resolve() for path in paths if path is not None)
        return cls(resolved, output.resolve() if output is not None else None)

    def for_folder(self, folder: Path) -> Exclusions:
        """These, and the whole output folder when it lies strictly inside ``folder``."""
        resolved, out = folder.resolve(), self.output
        if out is None or out == resolved or not out.is_relative_to(resolved):
            return self
        return Exclusions((*self.paths, out), out)

    def excludes(self, path: Path) -> bool:
        """Whether ``path`` is one of the paths, or lies inside one."""
        resolved = path.resolve()
        return any(resolved.is_relative_to(excluded) for excluded in self.paths)

    def ignore(self, patterns: Sequence[str] = ()) -> Callable[[str, list[str]], set[str]]:
        """A ``shutil.copytree`` ``ignore``: the paths, and names matching ``patterns``."""
        by_pattern = shutil.ignore_patterns(*patterns) if patterns else None

        def ignored(folder: str, names: list[str]) -> set[str]:
            dropped = set(by_pattern(folder, names)) if by_pattern else set()
            return dropped | {n for n in names if self.excludes(Path(folder) / n)}

        return ignored

    def rglob(self, folder: Path, pattern: str) -> list[Path]:
        """``folder.rglob(pattern)`` without the paths, sorted; excluded folders are not
        entered at all."""
        found: list[Path] = []
        scope = self.for_folder(folder)
        for root, folders, _ in os.walk(folder):
            here = Path(root)
            folders[:] = sorted(f for f in folders if not scope.excludes(here / f))
            found += [p for p in here.glob(pattern) if not scope.excludes(p)]
        return sorted(found)
