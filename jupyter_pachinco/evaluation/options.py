"""How a scoring run runs and judges: `ScoringOptions`, read by scoring and by its report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..execution.forks import Limits

Mode = Literal["official", "strict"]
MODES: tuple[str, ...] = ("official", "strict")


@dataclass(frozen=True)
class ScoringOptions:
    """How hypotheses run and are judged: limits, workers, answer extraction, rule set."""

    limits: Limits = field(default_factory=Limits)
    workers: int | None = None
    context_time_s: float = 120.0
    extract_first_cell: bool = True
    mode: Mode = "official"
    #: What the run writes (``--output``): never copied into a turn's work folder.
    written: tuple[Path, ...] = ()
