"""One program run the way the official ARCADE evaluator runs it (FORMAT.md E3, E4, E5).

A turn worker runs the notebook context once and keeps two namespaces (``TurnState``): the
context's own values (``before``) and a per-variable deep copy (``running``) that programs run
on, as the official evaluator's ``copy_variable_dict`` makes. Each program then runs in a fork
of the worker (the worker is the turn's warm fork server), so every run starts from the same
copy without copying again. The functions here run inside those forks and return only small,
picklable summaries: the verdicts are computed in the child, next to the values.
"""

from __future__ import annotations

import copy
import os
import pickle
import re
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..execution.capture import OUTPUT_SLOT
from ..execution.figures import (
    CLOSE_FIGURES_PREFIX,
    PYPLOT_NAME,
    FigureImage,
    current_figure_has_axes,
    render_current_figure,
)
from ..execution.forks import describe_exception
from ..execution.matching import exactly_equal, normalize_value
from ..execution.official_matching import as_pandas14, strictly_equal
from .judging import (
    CHANGED_VARIABLES,
    FIGURE,
    NEW_VARIABLES,
    OUTPUT,
    OUTPUT_VARIABLES,
    Produced,
    ReferenceFailure,
    Targets,
    is_candidate,
    official_verdict,
    strict_verdict,
)

#: E3.2: what a context value that cannot be deep-copied becomes.
UNCOPYABLE = "<UNCOPYABLE_OBJ>"
# Bookkeeping, not answers: Python adds ``__warningregistry__`` when code warns, and which
# warnings a library gives depends on its version (E9), so it never counts as a variable.
_NOT_VARIABLES = frozenset({"__builtins__", "__warningregistry__"})
#: Our extra captures of the reference's earlier expression values (strict mode only).
REFERENCE_VALUE_PREFIX = "__pachinco_ref_"


@dataclass
class TurnState:
    """A turn's context state in the worker; forks of the worker run programs on ``running``."""

    before: dict[str, Any]
    running: dict[str, Any]
    official_figure: bool
    strict_draws: bool


def deep_copy_namespace(namespace: dict[str, Any]) -> dict[str, Any]:
    """E3.2: each variable deep-copied on its own; modules shared; failures -> placeholder."""
    copied: dict[str, Any] = {}
    for name, value in namespace.items():
        if name == "__builtins__":
            continue
        if isinstance(value, types.ModuleType):
            copied[name] = value
            continue
        try:
            copied[name] = copy.deepcopy(value)
        except Exception:  # anything may refuse to be copied
            copied[name] = UNCOPYABLE
    return copied


def official_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, bool]]:
    """E4: name -> (value, changed) for NEW and CHANGED non-module, non-callable variables."""
    delta: dict[str, tuple[Any, bool]] = {}
    for name, value in after.items():
        if name in _NOT_VARIABLES or name.startswith(REFERENCE_VALUE_PREFIX):
            continue
        if isinstance(value, types.ModuleType) or callable(value):
            continue
        if name not in before:
            delta[name] = (value, False)
        elif not strictly_equal(value, before[name]):
            delta[name] = (value, True)
    return delta


def check_picklable(values: Iterator[Any]) -> str | None:
    """E4: every delta value must pickle (``re.Match`` values were dropped); the error if not."""
    dumps = _cloudpickle_dumps()
    for value in values:
        if _surely_picklable(value):
            continue
        try:
            dumps(value)
        except Exception as exc:  # the official evaluator rejects on any pickling error
            return f"a variable could not be pickled: {describe_exception(exc)}"
    return None


def _cloudpickle_dumps() -> Callable[[Any], bytes]:
    try:
        import cloudpickle  # type: ignore[import-untyped]  # the official evaluator's pickler

        dumps: Callable[[Any], bytes] = cloudpickle.dumps
        return dumps
    except ImportError:
        return lambda value: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _surely_picklable(value: Any) -> bool:
    # A cheap check first: plain scalars and frames without object columns always pickle.
    if value is None or isinstance(value, (bool, int, float, str, bytes, FigureImage)):
        return True
    dtypes = getattr(value, "dtypes", None)
    if dtypes is not None and hasattr(value, "columns"):
        return all(getattr(t, "kind", "O") in "biufcmM" for t in dtypes)
    dtype = getattr(value, "dtype", None)
    return (
        dtype is not None
        and type(value).__module__.startswith(("numpy", "pandas"))
        and (getattr(dtype, "kind", "O") in "biufcmM")
    )


def drop_unpicklable_kinds(delta: dict[str, tuple[Any, bool]]) -> dict[str, tuple[Any, bool]]:
    """The official evaluator drops ``re.Match`` values before pickling a delta."""
    return {k: v for k, v in delta.items() if not isinstance(v[0], re.Match)}


def run_program(state: TurnState, program: Any, figure_prefix: bool) -> dict[str, Any]:
    """E3.3-4: run a compiled program on the running copy (this is a fork); its namespace."""
    namespace = state.running
    if figure_prefix:
        exec(compile(CLOSE_FIGURES_PREFIX, "<figures>", "exec"), namespace)
    exec(program, namespace)
    return namespace


def directory_signature(root: str = ".") -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times under ``root``: did a run write files?"""
    found: list[tuple[str, int, int]] = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                status = os.stat(path)
            except OSError:
                continue
            found.append((path, status.st_size, status.st_mtime_ns))
    return tuple(sorted(found))


@dataclass(frozen=True)
class ReferenceJob:
    """Runs the reference in a fork; returns both rule sets' targets, pickled."""

    state: TurnState
    program: Any
    output_variables: tuple[str, ...]
    output_by_assignment_to_names: bool

    def __call__(self) -> bytes:
        namespace = run_program(self.state, self.program, self.state.official_figure)
        strict_figure = self.state.strict_draws and current_figure_has_axes()
        image = None
        if self.state.official_figure or strict_figure:
            image = render_current_figure()
        official = self._official_targets(namespace, image)
        strict = self._strict_targets(namespace, image if strict_figure else None)
        message = {"official": official, "strict": strict, "strict_figure": strict_figure}
        return _cloudpickle_dumps()(message)

    def _official_targets(self, namespace: dict[str, Any], image: FigureImage | None) -> Targets:
        if self.state.official_figure and hasattr(namespace.get(PYPLOT_NAME), "savefig"):
            return Targets(FIGURE, by_output=(image,))
        if self.output_variables:
            missing = [n for n in self.output_variables if n not in namespace]
            if missing:
                raise ReferenceFailure(f"Variable [{missing[0]}] is not in the context.")
            values = tuple(namespace[n] for n in self.output_variables)
            _raise_if_unpicklable(iter(values))
            return Targets(OUTPUT_VARIABLES, by_any=values)
        delta = drop_unpicklable_kinds(official_delta(self.state.before, namespace))
        if not delta:
            raise ReferenceFailure("the reference has no execution state (empty delta)")
        _raise_if_unpicklable(value for value, _ in delta.values())
        output = delta.get(OUTPUT_SLOT, (None, False))[0]
        if output is not None:
            return Targets(OUTPUT, by_any=(), by_output=(output,))
        changed = tuple(v for n, (v, ch) in delta.items() if ch and n != OUTPUT_SLOT)
        return Targets(CHANGED_VARIABLES, by_any=changed)

    def _strict_targets(self, namespace: dict[str, Any], image: FigureImage | None) -> Targets:
        if image is not None:
            return Targets(FIGURE, by_output=(image,))
        if self.output_variables:
            return Targets(
                OUTPUT_VARIABLES, by_any=tuple(namespace[n] for n in self.output_variables)
            )
        shown = tuple(
            v
            for n, v in namespace.items()
            if n.startswith(REFERENCE_VALUE_PREFIX) and v is not None
        )
        output = namespace.get(OUTPUT_SLOT)
        if output is not None and not callable(output) and self.output_by_assignment_to_names:
            return Targets(OUTPUT, by_output=(output,), by_any=shown)
        delta = official_delta(self.state.before, namespace)
        changed = tuple(
            (n, v)
            for n, (v, ch) in delta.items()
            if ch and n != OUTPUT_SLOT and not _same_strictly(v, self.state.before[n])
        )
        if changed:
            return Targets(CHANGED_VARIABLES, by_name=changed, by_any=shown)
        new = tuple(v for n, (v, ch) in delta.items() if not ch and n != OUTPUT_SLOT)
        return Targets(NEW_VARIABLES, by_any=shown + new)


def _same_strictly(after: Any, before: Any) -> bool:
    """Strict mode: unchanged when equal with missing values equal (a context NaN stays)."""
    return exactly_equal(normalize_value(after), normalize_value(before))


def _raise_if_unpicklable(values: Iterator[Any]) -> None:
    problem = check_picklable(values)
    if problem is not None:
        raise ReferenceFailure(f"the reference's {problem}")


@dataclass(frozen=True)
class HypothesisJob:
    """Runs one hypothesis in a fork and judges it there under both rule sets."""

    state: TurnState
    program: Any
    official: Targets
    strict: Targets
    strict_figure: bool

    def __call__(self) -> dict[str, Any]:
        clock = _Stopwatch()
        files_before = directory_signature()
        try:
            namespace = run_program(self.state, self.program, self.state.official_figure)
        except Exception as exc:  # E3: a hypothesis that raises is incorrect
            return {"error": describe_exception(exc), "files_changed": False}
        files_changed = directory_signature() != files_before
        clock.lap("run")
        delta = drop_unpicklable_kinds(official_delta(self.state.before, namespace))
        image = self._image(namespace)
        official = self._official_produced(namespace, delta, image)
        strict = self._strict_produced(namespace, delta, image)
        clock.lap("delta")
        # E4: outside figure turns every delta value must pickle, else the run is an error.
        problem = (
            None
            if official.image is not None
            else check_picklable(value for value, _ in delta.values())
        )
        clock.lap("pickle_check")
        correct, official_error = (False, problem)
        if problem is None:
            correct, official_error = official_verdict(self.official, official)
        strict_correct = strict_verdict(self.strict, strict)
        clock.lap("matching")
        outputs = _packed_outputs(official, strict)
        clock.lap("serialization")
        return {
            "error": None,
            "files_changed": files_changed,
            "official": correct,
            "official_error": official_error,
            "strict": strict_correct,
            "seconds": clock.laps,
            **outputs,
        }

    def _image(self, namespace: dict[str, Any]) -> FigureImage | None:
        if self.state.official_figure or self.strict_figure:
            return render_current_figure()
        return None

    def _official_produced(
        self, namespace: dict[str, Any], delta: dict[str, tuple[Any, bool]], image: Any
    ) -> Produced:
        if self.state.official_figure and hasattr(namespace.get(PYPLOT_NAME), "savefig"):
            return Produced(candidates=(image,), output=image, has_output=True, image=image)
        # E9: a pandas >= 3 string array is read as the object ndarray pandas 1.4 gave.
        values = {n: _array_as_pandas14(v) for n, (v, _) in delta.items()}
        candidates = tuple(v for n, v in values.items() if is_candidate(n, v, OUTPUT_SLOT))
        output = values.get(OUTPUT_SLOT)
        return Produced(candidates=candidates, output=output, has_output=output is not None)

    def _strict_produced(
        self, namespace: dict[str, Any], delta: dict[str, tuple[Any, bool]], image: Any
    ) -> Produced:
        if self.strict_figure:
            return Produced(candidates=(image,), output=image, has_output=True)
        candidates = tuple(v for n, (v, _) in delta.items() if v is not None)
        output = delta.get(OUTPUT_SLOT, (None, False))[0]
        return Produced(
            candidates=candidates,
            output=output,
            has_output=output is not None,
            variables=namespace,
        )


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _dumps_or_none(value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return _dumps(value)
    except Exception:  # an output that cannot travel takes no part in the majority vote
        return None


def _packed_outputs(official: Produced, strict: Produced) -> dict[str, bytes | None]:
    """Each rule set's output for maj@1, pickled once when both are the same object."""
    official_output = official.output if official.has_output else None
    strict_output = strict.output if strict.has_output else None
    packed = _dumps_or_none(official_output)
    same = strict_output is official_output
    return {
        "official_output": packed,
        "strict_output": packed if same else _dumps_or_none(strict_output),
    }


def _array_as_pandas14(value: Any) -> Any:
    # Frames are converted inside the matcher; only bare extension arrays change type here.
    if isinstance(value, pd.api.extensions.ExtensionArray):
        return as_pandas14(value)
    return value


class _Stopwatch:
    """Seconds spent per phase of a run, for the profile ``bench_eval.py`` prints."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.laps[phase] = self.laps.get(phase, 0.0) + now - self._last
        self._last = now
