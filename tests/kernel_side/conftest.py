"""Kernel-side code, loaded exactly as a kernel receives it: from source, through the
expression ``jupyter_pachinco.server.kernels.shipping`` builds, into a private package.

These tests also run in the oldest supported environment (``make pytest-oldest``: Python 3.9,
pandas 2.0, numpy 1.24, no jupyter_pachinco dependencies), so they import nothing from the
package but ``server.kernels.shipping`` and keep to Python 3.9 syntax."""

from __future__ import annotations

import types

import pytest

from jupyter_pachinco.server.kernels.shipping import load_kernel_module


@pytest.fixture(scope="session")
def variables() -> types.ModuleType:
    """``context/variables.py`` as the kernel runs it."""
    return load_kernel_module("context.variables")


@pytest.fixture(scope="session")
def kernel_trials() -> types.ModuleType:
    """``execution/kernel_trials.py`` (and what it imports) as the kernel runs it."""
    return load_kernel_module("execution.kernel_trials")
