"""No user code stretches the describer's time cap (issue 14, kind 1): the interrupt is a
``BaseException`` that fires again until the work returns, so retry loops, bare ``except``,
``finally`` blocks that sleep, ``__del__``, properties, ``__len__`` and ``__getattr__`` are all
cut off; the timed-out variable gets a placeholder and its neighbours are still described.

Every slow object here would run for ``LONG_S`` and then return or record its full result, so
a cap that did not hold shows as a wrong description or a recorded completion, not as a time.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kernel_side

LONG_S = 20.0
CAP_S = 0.05
TOOK_LONGER = f"describing it took longer than {CAP_S:g} s"


def retrying(catch: Any, step: Callable[[], object] = lambda: time.sleep(0.01)) -> str:
    """Retry ``step`` for ``LONG_S``, swallowing what ``catch`` names (None: bare except)."""
    end = time.monotonic() + LONG_S
    while time.monotonic() < end:
        if catch is None:
            try:
                step()
            except:  # noqa: E722 - the bare except is the point of this input
                continue
        else:
            try:
                step()
            except catch:
                continue
    return "the full repr"


class RetriesOnException:
    def __repr__(self) -> str:
        return retrying(Exception)


class RetriesOnBaseException:
    def __repr__(self) -> str:
        return retrying(BaseException)


class BareExceptBusyLoop:
    def __repr__(self) -> str:
        return retrying(None, lambda: sum(range(1000)))


class NestedRetries:
    def __repr__(self) -> str:
        return retrying(BaseException, lambda: retrying(BaseException))


completed: list[str] = []


class SleepsInFinally:
    def __repr__(self) -> str:
        try:
            time.sleep(LONG_S)
        finally:
            time.sleep(LONG_S)
            completed.append("finally")
        return "the full repr"


class SlowFinalizer:
    def __del__(self) -> None:
        time.sleep(LONG_S)
        completed.append("__del__")


class DropsSlowFinalizer:
    def __repr__(self) -> str:
        keep = SlowFinalizer()  # noqa: F841 - freed when this frame goes, after the cap
        time.sleep(LONG_S)
        return "the full repr"


slow_class: list[bool] = []


class SlowClassProperty:
    def __init__(self) -> None:
        slow_class.append(True)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance() reads it for every kind check
        if slow_class:  # only while described: pytest looks at it too
            retrying(BaseException)
        return SlowClassProperty


class SlowLength(list):  # type: ignore[type-arg]
    def __len__(self) -> int:
        retrying(BaseException)
        return 0


class SlowGetattr:
    def __getattr__(self, name: str) -> object:
        retrying(Exception)
        return name

    def __repr__(self) -> str:
        return str(self.label)


SLOW = [
    RetriesOnException,
    RetriesOnBaseException,
    BareExceptBusyLoop,
    NestedRetries,
    SleepsInFinally,
    DropsSlowFinalizer,
    SlowClassProperty,
    SlowLength,
    SlowGetattr,
]


@pytest.mark.parametrize("kind", SLOW, ids=[kind.__name__ for kind in SLOW])
def test_slow_user_code_gets_a_placeholder_and_neighbours_are_described(
    variables: types.ModuleType, kind: type
) -> None:
    completed.clear()
    namespace: dict[str, object] = {"before": 1, "slow": kind(), "after": "text"}
    described = variables.describe_variables(namespace, time_cap_s=CAP_S, total_time_cap_s=LONG_S)
    del namespace
    slow_class.clear()
    assert [d["name"] for d in described] == ["before", "slow", "after"]
    assert described[1]["kind"] == "unavailable"
    assert described[1]["reason"] == TOOK_LONGER
    assert described[0] == {"name": "before", "kind": "scalar", "type": "int", "value": 1}
    assert described[2]["kind"] == "string"
    assert completed == []


def test_the_interrupt_is_not_an_exception_user_code_catches_by_accident(
    variables: types.ModuleType,
) -> None:
    assert issubclass(variables.DescribeTimeout, BaseException)
    assert not issubclass(variables.DescribeTimeout, Exception)


def test_the_total_cap_holds_over_many_slow_variables(variables: types.ModuleType) -> None:
    namespace = {f"slow{i}": RetriesOnBaseException() for i in range(8)}
    namespace["last"] = 5  # type: ignore[assignment]
    described = variables.describe_variables(namespace, time_cap_s=CAP_S, total_time_cap_s=0.2)
    reasons = [d.get("reason") for d in described]
    assert reasons[0] == TOOK_LONGER
    assert reasons[-2] == "the time budget for describing variables was spent"
    assert all(d["kind"] == "unavailable" for d in described)


def test_the_process_state_is_restored_after_a_cut(variables: types.ModuleType) -> None:
    trace_before = sys.gettrace()
    hook_before = sys.unraisablehook
    handler_before = signal.getsignal(signal.SIGALRM)
    timer_before = signal.setitimer(signal.ITIMER_REAL, 50.0)  # stands for anyone's alarm
    try:
        variables.describe_variables({"slow": RetriesOnBaseException()}, time_cap_s=CAP_S)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert signal.getsignal(signal.SIGALRM) is handler_before
        assert sys.gettrace() is trace_before
        assert sys.unraisablehook is hook_before
    finally:
        signal.setitimer(signal.ITIMER_REAL, *timer_before)  # give pytest-timeout its alarm back
    assert 0 < left <= 50.0


def test_outside_the_main_thread_the_abandoned_work_is_stopped(
    variables: types.ModuleType,
) -> None:
    completed.clear()
    results: list[Any] = []

    class RecordsCompletion:
        def __repr__(self) -> str:
            retrying(BaseException)
            completed.append("thread")
            return "the full repr"

    worker = threading.Thread(
        target=lambda: results.append(
            variables.describe_variables(
                {"slow": RecordsCompletion(), "n": 2}, time_cap_s=CAP_S, total_time_cap_s=LONG_S
            )
        )
    )
    worker.start()
    worker.join(LONG_S)
    assert [d["kind"] for d in results[0]] == ["unavailable", "scalar"]
    for thread in threading.enumerate():
        if thread.name == "pachinco-describe":
            thread.join(LONG_S)
            assert not thread.is_alive()
    assert completed == []
