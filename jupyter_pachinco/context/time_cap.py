"""Run a function under a time cap that user code cannot swallow or stretch.

Sent to the kernel as source with ``variables`` (standard library only, Python 3.9+). The
describer calls user code (``__repr__``, ``__len__``, properties, ``__getattr__``, even
``isinstance`` through a ``__class__`` property); any of it may hang, and some of it retries
in loops that catch every exception. How the cap holds:

- the interrupt is ``CapExceeded``, a ``BaseException``: ``except Exception`` (or any narrower
  clause) in user code lets it through;
- in the main thread (where the kernel evaluates the describer, in a silent execute) an
  interval timer raises it at the cap and again every ``REFIRE_S`` until the work returns;
  that also ends blocking calls such as ``time.sleep``, including in a ``finally`` block;
- from the first alarm on, a trace function raises it at every line and call of the capped
  work, so an ``except BaseException: continue`` (or bare ``except``) loop is left at its
  next line. CPython turns tracing off after a trace function raises; a profile function
  turns it back on whenever a frame is left, so each enclosing loop is left in turn;
- when the work fails, its traceback's frames are cleared while the cap is still on, so the
  finalizers (``__del__``) of objects they held run under the cap too;
- outside the main thread a helper thread runs the work and is abandoned at the cap; its trace
  and profile functions (installed idle when it starts) make it leave its loops the same way
  from its next line on.

What cannot be capped: a single C call that holds the GIL and does not return to Python (a
huge ``numpy`` operation, an endless loop in a C extension): the alarm is handled when it
returns, so it delays the caller by its own length. In a helper thread a blocking call such as
``time.sleep`` runs to its end before the exception is raised there (the caller has moved on
at the cap all the same).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

REFIRE_S = 0.005
_OWN = globals()


class CapExceeded(BaseException):
    """The capped work ran past its time cap.

    A ``BaseException``, like ``KeyboardInterrupt``, so that a user's ``except Exception`` (or
    ``except ValueError``) does not swallow it by accident."""


def run_with_cap(work: Callable[[], T], cap: float) -> T:
    """``work()`` if it returns within about ``cap`` seconds, else ``CapExceeded``; what
    ``work`` raises is raised (without its traceback, whose frames are cleared)."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and hasattr(signal, "setitimer"):
        return _run_with_alarm(work, cap)
    return _run_in_thread(work, cap)


class _Cutter:
    """Trace and profile functions that make capped work leave every loop once expired."""

    def __init__(self) -> None:
        self.active = True  # False once the work is over: every hook then stands aside
        self.expired = False
        self.boundary: Any = None  # the frame that runs the work: it and its callers are ours

    def trace(self, frame: Any, event: str, arg: object) -> Any:
        if not self.active or frame.f_globals is _OWN:
            return None  # this module's own code: the alarm, the hooks, the clean-up
        # Not at "exception" events: raising there would only replace the exception in flight;
        # at the next line, inside the handler that caught it, it escapes that handler.
        if self.expired and event in ("line", "call"):
            if sys.getprofile() != self.profile:
                sys.setprofile(self.profile)
            raise CapExceeded
        return self.trace

    def profile(self, frame: Any, event: str, arg: object) -> None:
        # A frame is left (after our trace function raised, CPython turned tracing off): turn
        # it back on, so that the enclosing handler is left at its next line too.
        if self.active and self.expired and event == "return":
            sys.settrace(self.trace)

    def trace_stack(self, frame: Any) -> None:
        """Trace the frames already running, from ``frame`` up to (not including) ours."""
        while frame is not None and frame is not self.boundary:
            frame.f_trace = self.trace
            frame = frame.f_back


# --- in the main thread: an interval timer ----------------------------------------------------


class _Alarm(_Cutter):
    """One capped run in the main thread; every change undone by ``disarm``."""

    def __init__(self) -> None:
        super().__init__()
        self.cleaning = False
        self.previous_trace = sys.gettrace()
        self.previous_profile = sys.getprofile()
        self.previous_hook = sys.unraisablehook
        self.previous_handler = signal.getsignal(signal.SIGALRM)

    def on_alarm(self, signum: int, frame: Any) -> None:
        if not self.active or self.cleaning:
            return
        self.expired = True
        self.trace_stack(frame)
        sys.settrace(self.trace)
        raise CapExceeded

    def quiet_hook(self, unraisable: Any) -> None:
        # A __del__ cut off by the cap would print "Exception ignored"; that is expected.
        if not isinstance(unraisable.exc_value, CapExceeded):
            self.previous_hook(unraisable)

    def disarm(self) -> None:
        self.active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.setprofile(self.previous_profile)
        sys.settrace(self.previous_trace)
        signal.signal(signal.SIGALRM, self.previous_handler)
        sys.unraisablehook = self.previous_hook


def _run_with_alarm(work: Callable[[], T], cap: float) -> T:
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer_delay <= cap:
        # Someone else's alarm (e.g. a test timeout) fires first; do not steal it.
        return work()
    alarm = _Alarm()
    started = time.monotonic()
    try:
        signal.signal(signal.SIGALRM, alarm.on_alarm)
        sys.unraisablehook = alarm.quiet_hook
        signal.setitimer(signal.ITIMER_REAL, cap, REFIRE_S)
        return _settled(alarm, work)
    finally:
        # No call before ``active`` is False: a traced call would raise here. An alarm that
        # lands before it is caught and the disarming simply done again.
        while True:
            try:
                alarm.active = False
                alarm.disarm()
                break
            except CapExceeded:
                continue
        if outer_delay > 0:
            left = max(outer_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def _settled(alarm: _Alarm, work: Callable[[], T]) -> T:
    """``work()``, traced below this frame only; on failure the traceback's frames are cleared
    here, with the alarm still on, so that finalizers run under the cap."""
    alarm.boundary = sys._getframe()
    try:
        return work()
    except BaseException as error:
        alarm.cleaning = True  # the alarm stops raising; the trace function still cuts __del__
        if alarm.expired:
            sys.settrace(alarm.trace)  # back on, if CapExceeded raised by it turned it off
        _clear_frames(error)
        raise error.with_traceback(None) from None


def _clear_frames(error: BaseException) -> None:
    """Clear the frames held by ``error``'s traceback and by the exceptions it chains to
    (an earlier alarm's, in flight when the next one fired), and break the chain.

    No Python-level call here but to this module: the trace function cuts any other."""
    seen: dict[int, BaseException] = {}
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen[id(current)] = current
        pending += [current.__context__, current.__cause__]
        traceback = current.__traceback__
        while traceback is not None:
            try:  # noqa: SIM105 - contextlib's Python-level calls would be cut by the trace
                traceback.tb_frame.clear()
            except RuntimeError:  # our own frame, still running
                pass
            traceback = traceback.tb_next
    for current in seen.values():
        current.__context__ = current.__cause__ = None


# --- elsewhere: a helper thread --------------------------------------------------------------


def _run_in_thread(work: Callable[[], T], cap: float) -> T:
    outcome: dict[str, Any] = {}
    cut = _ThreadCut()

    def target() -> None:
        cut.start(sys._getframe())
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed over to the caller's thread just below
            outcome["error"] = exc
        finally:
            cut.stop()

    worker = threading.Thread(target=target, name="pachinco-describe", daemon=True)
    worker.start()
    worker.join(cap)
    if worker.is_alive():
        cut.expire(worker)
        raise CapExceeded
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["value"]
    return result


class _ThreadCut(_Cutter):
    """The hooks of an abandoned helper thread, installed idle when it starts."""

    def start(self, boundary: Any) -> None:
        self.boundary = boundary
        sys.settrace(self.trace)
        sys.setprofile(self.profile)

    def stop(self) -> None:
        self.active = False
        sys.setprofile(None)
        sys.settrace(None)

    def expire(self, worker: threading.Thread) -> None:
        self.expired = True
        frame = sys._current_frames().get(worker.ident or -1)
        self.trace_stack(frame)
