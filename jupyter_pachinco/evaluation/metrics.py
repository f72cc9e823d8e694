"""Benchmark metrics from per-hypothesis verdicts: accuracy@k, unbiased pass@k, maj@1."""

from __future__ import annotations

import math
from collections.abc import Sequence

ACCURACY_KS = (1, 5, 10, 20, 30, 50, 100)
PASS_KS = (1, 5, 10, 30)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimator 1 - C(n-c, k) / C(n, k) (Chen et al. 2021) for one problem."""
    if not 0 <= c <= n or not 0 < k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 0 < k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def available_ks(candidates: Sequence[int], sample_counts: Sequence[int]) -> list[int]:
    """The k that every problem has enough samples for."""
    fewest = min(sample_counts, default=0)
    return [k for k in candidates if k <= fewest]


def accuracy_at_k(verdicts: Sequence[Sequence[bool]], k: int) -> float:
    """Share of problems where one of the first k hypotheses is correct."""
    return mean([1.0 if any(problem[:k]) else 0.0 for problem in verdicts])


def mean_pass_at_k(verdicts: Sequence[Sequence[bool]], k: int) -> float:
    return mean([pass_at_k(len(problem), sum(problem), k) for problem in verdicts])


def summarize(
    verdicts: Sequence[Sequence[bool]], majority_correct: Sequence[bool]
) -> dict[str, float]:
    """Metrics over the evaluated problems (reference failures already left out)."""
    counts = [len(problem) for problem in verdicts]
    metrics: dict[str, float] = {}
    for k in available_ks(ACCURACY_KS, counts):
        metrics[f"accuracy@{k}"] = accuracy_at_k(verdicts, k)
    for k in available_ks(PASS_KS, counts):
        metrics[f"pass@{k}"] = mean_pass_at_k(verdicts, k)
    metrics["maj@1"] = mean([1.0 if correct else 0.0 for correct in majority_correct])
    return metrics
