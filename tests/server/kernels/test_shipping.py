"""What is shipped to kernels keeps to what any kernel has (issue 14, kind 7): only the standard
library, pandas and numpy, and Python 3.9 syntax and APIs (beyond the two idioms the bootstrap
rewrites). Whatever the kernel-side modules contain when this runs is what is checked."""

from __future__ import annotations

import ast
import sys

import pytest

from jupyter_pachinco.server.kernels.shipping import BOOTSTRAP, ENTRY_MODULES, ROOT, kernel_bundle

ALLOWED_THIRD_PARTY = {"pandas", "numpy"}
# Standard-library names that appeared after Python 3.9, as attributes or keywords.
NEWER_NAMES = {"pairwise", "bit_count", "TypeAlias", "ParamSpec", "Self", "TypeGuard"}
NEWER_KEYWORDS = {("dataclass", "slots"), ("dataclass", "kw_only")}


def shipped() -> list[tuple[str, str]]:
    modules = [module for entry in ENTRY_MODULES for module in kernel_bundle(entry).modules]
    bootstrap = ROOT.joinpath(*BOOTSTRAP.split(".")).with_suffix(".py")
    modules.append((BOOTSTRAP, bootstrap.read_text()))
    return modules


def test_the_bundles_hold_the_entry_modules_and_what_they_import() -> None:
    names = [name for name, _ in kernel_bundle("execution.kernel_trials").modules]
    assert names[-1] == "execution.kernel_trials"
    assert {"execution.capture", "execution.forks", "execution.ranking"} <= set(names)
    assert [name for name, _ in kernel_bundle("context.variables").modules] == [
        "context.time_cap",
        "context.variables",
    ]


@pytest.mark.parametrize(("name", "source"), shipped(), ids=[n for n, _ in shipped()])
def test_shipped_code_needs_only_stdlib_pandas_numpy_and_python_3_9(name: str, source: str) -> None:
    tree = ast.parse(source, feature_version=(3, 9))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops = [node.module.split(".")[0]]
        else:
            tops = []
        for top in tops:
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, (name, top)
        if isinstance(node, ast.Attribute | ast.Name):
            found = node.attr if isinstance(node, ast.Attribute) else node.id
            assert found not in NEWER_NAMES, (name, found, node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            for keyword in node.keywords:
                assert (node.func.id, keyword.arg) not in NEWER_KEYWORDS, (name, node.lineno)
