"""What running one step gave, as bounded, JSON-ready data: an *observation*.

Kernel side (standard library, pandas and numpy; Python 3.9+): runs in a scratch session and in
its trial children (see ``scratch``). An observation is a dict::

    {"status": "ok" | "error",
     "stdout": {"head", "tail", "chars", "lines"}, "stderr": {...},
     "value": {"type", "shape", "dtype", "columns": [{"name", "dtype"}], "columns_omitted",
               "preview", "variable"} | None,
     "variables": [describe_variables entries, each with "change": "new" | "changed"],
     "error": {"type", "message", "frames": [{"file", "line", "function", "code"}],
               "frames_omitted", "text"} | None,
     "figures": [figure_capture entries], "seconds": float}

Every part is bounded here, whatever the code printed or built: ``HEAD_CHARS`` and
``TAIL_CHARS`` of each stream, ``PREVIEW_ROWS`` rows and ``PREVIEW_CHARS`` characters of the
value, ``MAX_COLUMNS`` columns, ``MAX_VARIABLES`` variables, ``MAX_MESSAGE_CHARS`` of the error
message, the traceback frames that are the step's own plus the innermost one. The size budget
in the model's tokens is applied later, by whoever writes the observation into a prompt.
"""

from __future__ import annotations

import io
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from ..context.variables import describe_variables
from .capture import OUTPUT_NAME, VALUES_NAME, compile_with_capture
from .figure_capture import capture_figures
from .kernel_trials import answer_of, written_names
from .summaries import describe_answer, shape_of

HEAD_CHARS = 1_500
TAIL_CHARS = 1_500
PREVIEW_ROWS = 5
PREVIEW_CHARS = 1_200
MAX_COLUMNS = 30
MAX_VARIABLES = 12
MAX_MESSAGE_CHARS = 1_000
MAX_FRAMES = 8
STEP_FILE = "<step>"

_HIDDEN = frozenset({"In", "Out", "exit", "quit", "get_ipython", OUTPUT_NAME, VALUES_NAME})


class BoundedText(io.TextIOBase):
    """A text stream that keeps only its first and last characters (and counts the rest), so
    that a step printing in a loop cannot fill the memory."""

    def __init__(self, head: int = HEAD_CHARS, tail: int = TAIL_CHARS) -> None:
        super().__init__()
        self._head_limit, self._tail_limit = head, tail
        self._head: list[str] = []
        self._head_size = 0
        self._tail = ""
        self.chars = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        written = len(text)
        self.chars += written
        self.lines += text.count("\n")
        room = self._head_limit - self._head_size
        if room > 0:
            self._head.append(text[:room])
            self._head_size += min(room, len(text))
            text = text[room:]
        if text:
            self._tail = (self._tail + text)[-self._tail_limit :]
        return written

    def summary(self) -> dict[str, Any]:
        """``head``: the first characters; ``tail``: the last ones not already in ``head``."""
        return {"head": "".join(self._head), "tail": self._tail, "chars": self.chars,
                "lines": self.lines}  # fmt: skip


def user_names(namespace: Mapping[str, Any]) -> list[str]:
    return [
        n for n in namespace if isinstance(n, str) and not n.startswith("_") and n not in _HIDDEN
    ]


def namespace_marks(namespace: Mapping[str, Any]) -> dict[str, tuple[int, Any]]:
    """Cheap marks of each user variable (identity and shape or length): the cost does not grow
    with the data, so a 2 GB frame costs what a small one does."""
    return {
        name: (id(namespace[name]), _size_mark(namespace[name])) for name in user_names(namespace)
    }


def changed_names(
    namespace: Mapping[str, Any], before: Mapping[str, tuple[int, Any]], written: Sequence[str]
) -> list[tuple[str, str]]:
    """``(name, "new" | "changed")`` for variables the step created, rebound, resized or wrote
    (``written``: what its code assigns or changes in place, see ``written_names``)."""
    found = []
    for name in user_names(namespace):
        if name not in before:
            found.append((name, "new"))
        elif name in written or before[name] != (id(namespace[name]), _size_mark(namespace[name])):
            found.append((name, "changed"))
    return found


def _size_mark(value: Any) -> Any:
    try:
        shape = getattr(value, "shape", None)
        if isinstance(shape, tuple):
            return shape
        if isinstance(value, (list, dict, set, str, bytes, tuple)):
            return len(value)
    except Exception:  # a user object's attributes may raise anything
        return None
    return None


def run_observed(
    namespace: dict[str, Any],
    code: str,
    *,
    filename: str = STEP_FILE,
    render_png: bool = False,
    close_figures: bool = True,
) -> tuple[dict[str, Any], Any]:
    """Run ``code`` in ``namespace`` (changing it) and observe it: ``(observation, answer)``,
    where ``answer`` is the step's value (its last expression, else the one variable it wrote,
    else None). Never raises for what the code raises (``BaseException`` included)."""
    before = namespace_marks(namespace)
    written = written_names(code)
    out, err = BoundedText(), BoundedText()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    started = time.perf_counter()
    error = None
    try:
        exec(compile(compile_with_capture(code, filename), filename, "exec"), namespace)
    except BaseException as exc:  # the code is arbitrary: report whatever it raised
        error = describe_error(exc, code, filename)
    finally:
        sys.stdout, sys.stderr = saved
    seconds = time.perf_counter() - started
    answer = None if error is not None else answer_of(namespace, written)
    output = namespace.pop(OUTPUT_NAME, None)
    namespace.pop(VALUES_NAME, None)
    changed = changed_names(namespace, before, written)
    observation = {
        "status": "error" if error is not None else "ok",
        "stdout": out.summary(),
        "stderr": err.summary(),
        "value": _value_of(answer, output, written),
        "variables": _describe_changed(namespace, changed),
        "error": error,
        "figures": capture_figures(render_png, close=close_figures),
        "seconds": seconds,
    }
    return observation, answer


def _value_of(answer: Any, output: Any, written: Sequence[str]) -> dict[str, Any] | None:
    """The observed value: the last expression's, else the one variable written (named in
    ``variable``); several written variables are the variables' part of the observation."""
    if answer is None:
        return None
    if output is not None:
        return summarize_value(answer)
    names = [name for name in written if not name.startswith("_")]
    if len(names) != 1:
        return None
    return {**summarize_value(answer), "variable": names[0]}


def observed_candidate(namespace: dict[str, Any], code: str) -> dict[str, Any]:
    """A trial child's result for the agent: what ``kernel_trials`` reports of a candidate
    (its answer described for the vote) plus its observation (figures described, not drawn)."""
    observation, answer = run_observed(namespace, code, filename="<candidate>")
    stdout = observation["stdout"]["head"] + observation["stdout"]["tail"]
    if observation["error"] is not None:
        error = observation["error"]
        return {"error": f"{error['type']}: {error['message']}", "stdout": stdout,
                "observation": observation}  # fmt: skip
    described = describe_answer(answer)
    described.update(stdout=stdout, seconds=observation["seconds"], error=None)
    described["observation"] = observation
    return described


def summarize_value(value: Any) -> dict[str, Any]:
    """Type, shape, dtype or columns with dtypes, and a few rows as the notebook prints them."""
    summary: dict[str, Any] = {"type": type(value).__name__, "shape": shape_of(value)}
    try:
        columns = getattr(value, "columns", None)
        dtypes = getattr(value, "dtypes", None)
        if columns is not None and dtypes is not None and hasattr(value, "iloc"):
            pairs = zip(list(columns[:MAX_COLUMNS]), list(dtypes.iloc[:MAX_COLUMNS]), strict=True)
            summary["columns"] = [{"name": str(n), "dtype": str(d)} for n, d in pairs]
            summary["columns_omitted"] = max(0, len(columns) - MAX_COLUMNS)
        elif hasattr(value, "dtype"):
            summary["dtype"] = str(value.dtype)
    except Exception:  # an odd object with broken attributes: type and shape are enough
        pass
    summary["preview"] = _preview(value)
    return summary


def _preview(value: Any) -> str:
    try:
        if hasattr(value, "to_string") and hasattr(value, "iloc"):
            head = value.iloc[:PREVIEW_ROWS]
            text = (
                head.to_string(max_cols=12, max_colwidth=40)
                if hasattr(head, "columns")
                else head.to_string()
            )
            rows = shape_of(value)
            if rows and rows[0] > PREVIEW_ROWS:
                text += f"\n... ({rows[0]} rows in all)"
        elif getattr(value, "shape", None) == () and hasattr(value, "item"):
            text = repr(value.item())  # a numpy scalar reads as its number; its type is kept
        else:
            text = repr(value)
    except Exception as exc:  # a broken __repr__ must not lose the observation
        text = f"<no preview: {type(exc).__name__}>"
    text = str(text)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _describe_changed(
    namespace: Mapping[str, Any], changed: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    kept = changed[:MAX_VARIABLES]
    kinds = dict(kept)
    try:
        described = describe_variables({name: namespace[name] for name, _ in kept})
    except Exception as exc:  # describing never raises by design; this guards the observation
        return [
            {"name": name, "kind": "unavailable", "reason": type(exc).__name__} for name, _ in kept
        ]
    return [{**entry, "change": kinds.get(entry.get("name", ""), "changed")} for entry in described]


def describe_error(exc: BaseException, code: str, filename: str) -> dict[str, Any]:
    """The error and the traceback's relevant frames: the step's own, then the innermost one
    (where a library raised it); frames in between are counted, not shown."""
    name = type(exc).__name__
    message = _message(exc)
    lines = code.split("\n")
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        where = {
            "file": filename,
            "line": exc.lineno,
            "function": "",
            "code": (exc.text or "").strip(),
        }
        return _error(name, message, [where], 0)
    frames = traceback.extract_tb(exc.__traceback__)
    own = [i for i, f in enumerate(frames) if f.filename == filename]
    start = own[0] if own else max(0, len(frames) - 1)
    shown: list[dict[str, Any]] = []
    omitted = 0
    for position, frame in enumerate(frames[start:], start=start):
        innermost = position == len(frames) - 1
        if frame.filename != filename and not innermost:
            omitted += 1
            continue
        if frame.filename == filename and frame.lineno and 0 < frame.lineno <= len(lines):
            text = lines[frame.lineno - 1].strip()
        else:
            text = (frame.line or "").strip()
        shown.append({"file": _short_path(frame.filename), "line": frame.lineno,
                      "function": frame.name, "code": text[:200]})  # fmt: skip
    if len(shown) > MAX_FRAMES:
        omitted += len(shown) - MAX_FRAMES
        shown = shown[: MAX_FRAMES - 1] + shown[-1:]
    return _error(name, message, shown, omitted)


def _error(name: str, message: str, frames: list[dict[str, Any]], omitted: int) -> dict[str, Any]:
    text_lines = ["Traceback (most recent call last):"] if frames else []
    for number, frame in enumerate(frames):
        if omitted and number == len(frames) - 1 and len(frames) > 1:
            text_lines.append(f"  ... {omitted} frame(s) in libraries ...")
        where = f'  File "{frame["file"]}", line {frame["line"]}'
        where += f", in {frame['function']}" if frame["function"] else ""
        text_lines.append(where)
        if frame["code"]:
            text_lines.append(f"    {frame['code']}")
    text_lines.append(f"{name}: {message}" if message else name)
    return {"type": name, "message": message, "frames": frames, "frames_omitted": omitted,
            "text": "\n".join(text_lines)}  # fmt: skip


def _message(exc: BaseException) -> str:
    try:
        text = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    except Exception:  # a broken __str__
        text = "<the error's message could not be read>"
    text = str(text)  # a str subclass with odd methods becomes plain text
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _short_path(path: str) -> str:
    """Library paths from the package folder on (``pandas/core/frame.py``)."""
    for marker in ("site-packages/", "dist-packages/", "lib/python"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return tail.split("/", 1)[1] if marker == "lib/python" and "/" in tail else tail
    return path
