"""The backend protocol's pure parts: requests, stop-string trimming, candidate tracking."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jupyter_pachinco.backends import CandidateFinished, Event, GenerationRequest, TextDelta
from jupyter_pachinco.backends.errors import BackendError, InvalidRequest
from jupyter_pachinco.backends.stops import StopTrimmer, cut_at_stop
from jupyter_pachinco.backends.transformers_backend import CandidateTracker
from jupyter_pachinco.backends.transformers_loading import choose_device, choose_dtype


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({}, "exactly one"),
        ({"prompt": "a", "messages": ()}, "exactly one"),
        ({"messages": ()}, "at least one message"),
        ({"prompt": "a", "n": 0}, "`n`"),
        ({"prompt": "a", "max_new_tokens": 0}, "max_new_tokens"),
        ({"prompt": "a", "temperature": -1.0}, "temperature"),
        ({"prompt": "a", "top_p": 0.0}, "top_p"),
        ({"prompt": "a", "stop": ("",)}, "Stop strings"),
    ],
)
def test_impossible_requests_are_refused_with_the_reason(
    fields: dict[str, object], complaint: str
) -> None:
    with pytest.raises(InvalidRequest, match=complaint) as info:
        GenerationRequest(**fields)  # type: ignore[arg-type]
    assert isinstance(info.value, BackendError)


def stream_through(stops: list[str], pieces: list[str]) -> tuple[str, bool]:
    trimmer = StopTrimmer(stops)
    out = "".join(trimmer.feed(piece) for piece in pieces) + trimmer.flush()
    return out, trimmer.stopped


@given(
    text=st.text(alphabet="ab\n()", max_size=40),
    stops=st.lists(st.text(alphabet="ab\n()", min_size=1, max_size=4), max_size=3),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=8),
)
# A long stop that starts first but completes after a short one (found by hypothesis).
@example(text="a)a", stops=[")", "a)a"], cuts=[2])
def test_streamed_trimming_equals_trimming_the_whole_text(
    text: str, stops: list[str], cuts: list[int]
) -> None:
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    assert stream_through(stops, pieces) == cut_at_stop(text, stops)


def test_the_stop_that_completes_first_wins() -> None:
    assert cut_at_stop("a)a", [")", "a)a"]) == ("a", True)
    assert cut_at_stop("xab", ["b", "ab"]) == ("x", True)
    assert cut_at_stop("abc", ["d"]) == ("abc", False)


def test_text_that_might_start_a_stop_string_is_held_back_until_settled() -> None:
    trimmer = StopTrimmer(["\n\n# In"])
    assert trimmer.feed("x = 1\n") == "x = 1"
    assert trimmer.feed("\n# I") == ""
    assert trimmer.feed("s it?") == "\n\n# Is it?"
    assert trimmer.feed("\n\n# In[ ]") == ""
    assert trimmer.stopped


def tracker_for(stops: tuple[str, ...], events: list[Event], n: int = 1) -> CandidateTracker:
    # one token per character; token 0 is the end token, 1..255 are bytes (as latin-1 text)
    def decode(tokens: list[int]) -> str:
        return bytes(t for t in tokens if t).decode("utf-8", errors="replace")

    return CandidateTracker(range(n), 7, stops, {0}, decode, events.append)


def test_tracker_waits_for_whole_characters_and_stops_at_the_end_token() -> None:
    events: list[Event] = []
    tracker = tracker_for((), events)
    euro = list("€".encode())
    assert tracker.update([[ord("a")]]) == [False]
    assert tracker.update([[ord("a"), euro[0]]]) == [False]
    assert tracker.update([[ord("a"), *euro]]) == [False]
    assert tracker.update([[ord("a"), *euro, 0, 99]]) == [True]
    assert events == [
        TextDelta(0, "a"),
        TextDelta(0, "€"),
        CandidateFinished(0, "stop", events[-1].usage),  # type: ignore[union-attr]
    ]
    assert events[-1].usage.prompt_tokens == 7  # type: ignore[union-attr]
    assert events[-1].usage.completion_tokens == 5  # type: ignore[union-attr]


def test_tracker_finishes_each_candidate_once_with_its_own_reason() -> None:
    events: list[Event] = []
    tracker = tracker_for(("b",), events, n=2)
    assert tracker.update([[ord("a")], [ord("a")]]) == [False, False]
    assert tracker.update([[ord("a"), ord("b")], [ord("a"), ord("c")]]) == [True, False]
    tracker.finish_all("length")
    tracker.finish_all("cancelled")
    finishes = [e for e in events if isinstance(e, CandidateFinished)]
    assert [(f.index, f.reason) for f in finishes] == [(0, "stop"), (1, "length")]
    texts = [
        "".join(e.text for e in events if isinstance(e, TextDelta) and e.index == i)
        for i in range(2)
    ]
    assert texts == ["a", "ac"]


def test_device_and_dtype_prefer_cuda_then_mps_then_cpu() -> None:
    assert choose_device("auto", True, True) == "cuda"
    assert choose_device("auto", False, True) == "mps"
    assert choose_device("auto", False, False) == "cpu"
    assert choose_device("cpu", True, False) == "cpu"
    assert choose_dtype("auto", "cuda", True) == "bfloat16"
    assert choose_dtype("auto", "cuda", False) == "float16"
    assert choose_dtype("auto", "cpu", False) == "float32"
    assert choose_dtype("float16", "cpu", False) == "float16"
    with pytest.raises(BackendError, match="no CUDA device"):
        choose_device("cuda", False, False)
