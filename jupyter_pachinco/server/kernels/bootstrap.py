"""Install the kernel-side modules, received as source, as a private package in the kernel.

This file is sent as source (see ``shipping``) and runs in the user's kernel, whatever its
environment: standard library only, Python 3.9 and later. ``install`` registers the modules
under a private package name (``_pachinco_kernel.*``) in ``sys.modules``, executed once per
kernel and per version of their sources (a digest), so that later requests reuse them. Nothing
is added to the user's namespace, and ``sys.meta_path`` is not touched: the modules come in
dependency order, so each relative import finds its target already registered.

Under Python 3.9 two 3.10 idioms are rewritten in the syntax tree before compiling:
``isinstance(x, A | B)`` (and ``issubclass``) becomes ``isinstance(x, (A, B))``, and
``zip(..., strict=...)`` loses its ``strict`` check. Other 3.10+ features are not supported in
kernel-side code (a test scans the sources for them).
"""

from __future__ import annotations

import ast
import importlib.machinery
import sys
import types
from typing import Any

DIGEST_ATTRIBUTE = "__pachinco_digest__"


def install(package: str, digest: str, modules: Any, wanted: str) -> types.ModuleType:
    """The module ``wanted`` (e.g. ``"context.variables"``) of the private ``package``.

    ``modules`` is a sequence of ``(name, source)`` pairs in dependency order, names relative
    to ``package`` (``"execution.forks"``). They are executed only when ``package`` is not yet
    installed with the same ``digest``; a failure removes every half-installed module and
    raises the error (e.g. ``ModuleNotFoundError`` for a kernel without pandas)."""
    root = sys.modules.get(package)
    if root is None or getattr(root, DIGEST_ATTRIBUTE, None) != digest:
        _uninstall(package)
        try:
            _materialize(package, digest, modules)
        except BaseException:
            _uninstall(package)
            raise
    return sys.modules[f"{package}.{wanted}"]


def _materialize(package: str, digest: str, modules: Any) -> None:
    root = _package(package)
    setattr(root, DIGEST_ATTRIBUTE, digest)
    for name, source in modules:
        parent = package
        for part in name.split(".")[:-1]:
            _register_child(parent, part, is_package=True)
            parent = f"{parent}.{part}"
        module = _register_child(parent, name.split(".")[-1], is_package=False)
        code = compile(_compatible(ast.parse(source)), f"<pachinco kernel: {name}>", "exec")
        exec(code, module.__dict__)


def _package(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = []
    module.__package__ = name
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
    sys.modules[name] = module
    return module


def _register_child(parent: str, short: str, *, is_package: bool) -> types.ModuleType:
    full = f"{parent}.{short}"
    module = sys.modules.get(full)
    if module is None:
        if is_package:
            module = _package(full)
        else:
            module = types.ModuleType(full)
            module.__package__ = parent
            module.__spec__ = importlib.machinery.ModuleSpec(full, None)
            sys.modules[full] = module
        setattr(sys.modules[parent], short, module)
    return module


def _uninstall(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
        del sys.modules[name]


def _compatible(tree: ast.Module) -> ast.Module:
    if sys.version_info >= (3, 10):  # noqa: UP036 - kernels may run Python 3.9
        return tree
    return ast.fix_missing_locations(_Python39().visit(tree))


class _Python39(ast.NodeTransformer):
    """Rewrites the 3.10 idioms named in the module docstring into 3.9 forms."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in ("isinstance", "issubclass") and len(node.args) == 2:
            kinds = _union_members(node.args[1])
            if len(kinds) > 1:
                node.args[1] = ast.Tuple(elts=kinds, ctx=ast.Load())
        if name == "zip":
            node.keywords = [k for k in node.keywords if k.arg != "strict"]
        return node


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]
