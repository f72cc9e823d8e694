"""Errors of the training commands."""

from __future__ import annotations


class TrainingError(Exception):
    """A problem with the inputs of a training or export run, worded for the user."""
