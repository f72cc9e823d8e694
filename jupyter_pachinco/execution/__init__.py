"""Sandboxed trial runs of notebook code (forks) and ARCADE's fuzzy output matching.

Shared by evaluation (scoring benchmark predictions) and ranking (checking candidates on a
snapshot of the live kernel): one executor, one matcher.
"""

from __future__ import annotations

from .capture import compile_plain, compile_with_capture, neutralize_notebook_syntax
from .forks import ForkOutcome, Limits, available_cores, run_in_forks
from .matching import cluster_matching_outputs, outputs_match
from .trials import TrialResult, Unpicklable, fingerprint_namespace, run_trials

__all__ = [
    "ForkOutcome",
    "Limits",
    "TrialResult",
    "Unpicklable",
    "available_cores",
    "cluster_matching_outputs",
    "compile_plain",
    "compile_with_capture",
    "fingerprint_namespace",
    "neutralize_notebook_syntax",
    "outputs_match",
    "run_in_forks",
    "run_trials",
]
