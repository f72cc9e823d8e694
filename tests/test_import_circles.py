"""No import circle in ``jupyter_pachinco/`` (issue 22): every import counts, whether it runs at
module level, inside a function, or only for the type checker (``if TYPE_CHECKING:``).

The imports are read from the source with `ast`, nothing is imported. An edge A -> B is an
import statement in A that names B: ``import a.b`` and ``from a.b import name`` name ``a.b``;
``from a import b``, where ``b`` is a module, names ``a.b`` (and ``a`` only if another name of
that statement is not a module). Python also runs the ``__init__`` of every enclosing package
first; those implicit parent imports are not edges (a package's ``__init__`` that hands on its
modules' names would otherwise be in a circle with each of them).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "jupyter_pachinco"


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every Python file of ``package`` (built assets aside)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if "labextension" in parts or "node_modules" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """The modules of ``known`` that the file of module ``name`` imports, with the line."""
    is_package = path.name == "__init__.py"
    package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known(alias.name, known, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            submodules = [f"{target}.{alias.name}" for alias in node.names]
            found = [sub for sub in submodules if sub in known]
            for sub in found:
                yield sub, node.lineno
            if len(found) < len(submodules):
                yield from _known(target, known, node.lineno)


def _known(target: str, known: set[str], line: int) -> Iterator[tuple[str, int]]:
    """``target``, or the nearest enclosing module of it that is one of ``known``."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    if target:
        yield target, line


def import_graph(package: Path) -> dict[str, dict[str, int]]:
    """Module -> {imported module: line of the first import of it}."""
    files = module_files(package)
    known = set(files)
    graph: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        edges: dict[str, int] = {}
        for target, line in imported_modules(name, path, known):
            if target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def find_circle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One circle of modules, first module repeated at the end; None when there is none."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once fully explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (circle := visit(target)) is not None:
                return circle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (circle := visit(module)) is not None:
            return circle
    return None


def describe(circle: list[str], graph: dict[str, dict[str, int]]) -> str:
    return "\n".join(f"  {a} imports {b} (line {graph[a][b]})" for a, b in pairwise(circle))


def test_the_package_has_no_import_circle() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 100  # the whole package was read
    circle = find_circle(graph)
    assert circle is None, "an import circle:\n" + describe(circle or [], graph)


def test_a_circle_through_a_function_level_or_type_checking_import_is_found(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import A\n")
    (package / "a.py").write_text("A = 1\n\ndef late():\n    from .sub.b import B\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import c\nB = 2\n"
    )
    (package / "c.py").write_text("import pkg.a\n")
    graph = import_graph(package)
    assert find_circle(graph) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]
    # the package's face importing its module is not a circle by itself
    (package / "c.py").write_text("import os\n")
    assert find_circle(import_graph(package)) is None
