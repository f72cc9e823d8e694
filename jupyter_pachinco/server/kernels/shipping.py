"""Everything that runs inside the user's kernel, shipped as source.

A kernel may come from any environment (a conda env, a project venv registered as a kernel)
where jupyter_pachinco is not installed, so nothing that runs there imports this package.
Instead the server reads the sources of the kernel-side modules at run time (the entry modules
``context.variables``, ``execution.kernel_trials`` and ``execution.scratch``, and whatever they
import relatively, found by reading their imports) and sends them in one user expression, with
``bootstrap``, which installs them once per kernel as a private package
(``_pachinco_kernel_<entry>``, one per entry module, so that describing variables never imports
pandas for the trial runs), keyed by a digest of the sources, and returns the wanted module.
Those modules may import only the standard library, pandas and numpy, and must run on Python
3.9+ (see ``bootstrap`` for the two 3.10 idioms it rewrites).

The same expression runs in-process too (``load_kernel_module``), which is how the tests run
the kernel-side code exactly as a kernel receives it.
"""

from __future__ import annotations

import ast
import hashlib
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_PREFIX = "_pachinco_kernel_"
ENTRY_MODULES = ("context.variables", "execution.kernel_trials", "execution.scratch")
# Names are relative to the package root: "context.variables" is its context/variables.py.
BOOTSTRAP = "server.kernels.bootstrap"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class KernelBundle:
    """The kernel-side modules in dependency order as ``(name, source)``, and their digest."""

    modules: tuple[tuple[str, str], ...]
    digest: str


_cache: dict[tuple[tuple[str, int, int], ...], KernelBundle] = {}
_imports: dict[tuple[str, int, int], list[str]] = {}


def package_name(entry: str) -> str:
    """The private package a kernel holds the bundle of ``entry`` under."""
    return PACKAGE_PREFIX + entry.split(".")[-1]


def kernel_bundle(entry: str) -> KernelBundle:
    """The modules ``entry`` needs, as the files are now (re-read when a file changes)."""
    names = _closure((entry,))
    key = tuple((name, *_stamp(_path(name))) for name in names)
    bundle = _cache.get(key)
    if bundle is None:
        modules = tuple((name, _path(name).read_text(encoding="utf-8")) for name in names)
        digest = hashlib.sha256(repr(modules).encode("utf-8")).hexdigest()[:16]
        bundle = _cache[key] = KernelBundle(modules, digest)
    return bundle


def module_expression(wanted: str) -> str:
    """An expression that evaluates to the kernel-side module ``wanted`` (for example
    ``"execution.kernel_trials"``), installing the bundle first if the kernel lacks it."""
    bundle = kernel_bundle(wanted)
    bootstrap = _path(BOOTSTRAP).read_text(encoding="utf-8")
    return (
        f"(lambda ns: (exec({bootstrap!r}, ns), ns['install']("
        f"{package_name(wanted)!r}, {bundle.digest!r}, {bundle.modules!r}, {wanted!r}))[1])"
        "({'__name__': '_pachinco_bootstrap'})"
    )


def call_expression(wanted: str, function: str, *arguments: str) -> str:
    """An expression calling ``function`` of kernel-side module ``wanted`` with ``arguments``
    (Python source text each, evaluated in the kernel: ``"globals()"``, a ``repr``)."""
    return f"{module_expression(wanted)}.{function}({', '.join(arguments)})"


def load_kernel_module(wanted: str, namespace: dict[str, Any] | None = None) -> types.ModuleType:
    """The module as a kernel gets it, evaluated here (for tests and the in-kernel magic)."""
    module: types.ModuleType = eval(module_expression(wanted), namespace or {})
    return module


def _closure(entries: tuple[str, ...]) -> list[str]:
    """The entry modules and their relative imports, each after what it imports."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for imported in _relative_imports(name):
            visit(imported)
        ordered.append(name)

    for entry in entries:
        visit(entry)
    return ordered


def _relative_imports(name: str) -> list[str]:
    key = (name, *_stamp(_path(name)))
    if key not in _imports:
        _imports[key] = _read_relative_imports(name)
    return _imports[key]


def _read_relative_imports(name: str) -> list[str]:
    tree = ast.parse(_path(name).read_text(encoding="utf-8"))
    package = name.split(".")[:-1]
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[: len(package) - (node.level - 1)]
        if node.module:
            found.append(".".join([*base, node.module]))
        else:  # ``from . import x``: each name is a module
            found.extend(".".join([*base, alias.name]) for alias in node.names)
    return found


def _path(name: str) -> Path:
    return ROOT.joinpath(*name.split(".")).with_suffix(".py")


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns
