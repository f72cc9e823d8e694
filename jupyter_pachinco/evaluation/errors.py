"""Errors of the evaluation harness.

EvaluationError          anything the user must fix before a run can go on
 └── DatasetError        a dataset or predictions file that is not in ARCADE's format
"""

from __future__ import annotations


class EvaluationError(Exception):
    """A problem with the inputs of an evaluation run, worded for the user."""


class DatasetError(EvaluationError):
    """A dataset or predictions file that does not follow ARCADE's format."""
