"""The shipping of kernel-side code (issue 14, kind 7): sources installed once per kernel as a
private package, reinstalled when they change, removed when they fail, and the two 3.10 idioms
rewritten for a Python 3.9 kernel. Runs in the oldest environment too (Python 3.9)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from jupyter_pachinco.server.kernels import bootstrap as kernel_bootstrap
from jupyter_pachinco.server.kernels.shipping import (
    load_kernel_module,
    module_expression,
    package_name,
)

pytestmark = pytest.mark.kernel_side

NEWER_IDIOMS = """
def kind_of(value):
    return "number" if isinstance(value, int | float) else "other"

def pairs(a, b):
    return list(zip(a, b, strict=True))

def is_text_type(kind):
    return issubclass(kind, str | bytes | bytearray)
"""


def installed(package: str) -> dict[str, Any]:
    return {n: m for n, m in sys.modules.items() if n == package or n.startswith(package + ".")}


def test_the_kernel_gets_the_module_once_and_the_users_namespace_is_untouched() -> None:
    user: dict[str, Any] = {"df": 1}
    first = load_kernel_module("context.variables", user)
    again = eval(module_expression("context.variables"), user)
    assert first is again
    assert first.__name__ == package_name("context.variables") + ".context.variables"
    assert set(user) == {"df", "__builtins__"}


def test_newer_idioms_run_on_the_kernels_python() -> None:
    module = kernel_bootstrap.install(
        "_pachinco_kernel_test_idioms", "digest-1", [("tools.idioms", NEWER_IDIOMS)], "tools.idioms"
    )
    try:
        assert module.kind_of(3) == "number"
        assert module.kind_of("3") == "other"
        assert module.pairs([1, 2], "ab") == [(1, "a"), (2, "b")]
        assert module.is_text_type(bytes)
    finally:
        kernel_bootstrap._uninstall("_pachinco_kernel_test_idioms")


def test_changed_sources_are_installed_again_and_failures_leave_nothing() -> None:
    package = "_pachinco_kernel_test_versions"
    one = kernel_bootstrap.install(package, "v1", [("a", "VALUE = 1")], "a")
    two = kernel_bootstrap.install(package, "v2", [("a", "VALUE = 2")], "a")
    assert (one.VALUE, two.VALUE) == (1, 2)
    with pytest.raises(ModuleNotFoundError):
        kernel_bootstrap.install(
            package, "v3", [("a", "VALUE = 3"), ("b", "import not_a_module_anywhere")], "b"
        )
    assert installed(package) == {}


def test_relative_imports_between_shipped_modules_resolve(kernel_trials: types.ModuleType) -> None:
    package = package_name("execution.kernel_trials")
    names = set(installed(package))
    assert f"{package}.execution.forks" in names
    assert f"{package}.execution.matching" in names
    # What kernel_trials uses comes from the shipped modules, never from the package.
    assert kernel_trials.run_in_forks.__module__ == f"{package}.execution.forks"
    assert kernel_trials.describe_answer.__module__ == f"{package}.execution.summaries"
