"""The magic trial-runs its candidates (``-n`` > 1) and its fixes in forks of the real kernel.

The scripted model server gives one choice per request here (``honour_n=False``, as
llama.cpp does), so the backend asks for each further candidate separately and every request
gets the next scripted answer: the candidates are known exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, serving_in_thread

from .conftest import scripted_options
from .kernel_session import run_cell, user_variables

PEOPLE = (
    "import pandas as pd\n"
    "people = pd.DataFrame({'price': [3.5, 2.0, 7.25], 'city': ['Oslo', 'Rome', 'Oslo']})\n"
    "numbers = [1, 2]"
)
# Two candidates agree on the mean (one changes the DataFrame in place on its way there).
LARGEST = ("Take the largest price.\n", "```python\n", "people['price'].max()\n", "```\n")
MEAN = (
    "Average the prices.\n",
    "```python\n",
    "people['price'] = people['price'] * 1\npeople['price'].mean()\n",
    "```\n",
)
MEAN_AGAIN = ("Mean of the column.\n", "```python\n", "people.price.mean()\n", "```\n")
FIX_THAT_FAILS = ("Index again.\n", "```python\n", "total = numbers[7]\n", "```\n")
FIX_THAT_RUNS = ("Take the last one.\n", "```python\n", "total = numbers[-1]\n", "```\n")


@contextmanager
def scripted(*answers: tuple[str, ...]) -> Iterator[FakeOpenAIServer]:
    """The scripted model server, one choice per request, on its own loop in a thread."""
    script = [Behaviour(words=words, honour_n=False) for words in answers]
    with serving_in_thread(script) as server:
        yield server


def test_several_candidates_are_tried_and_the_majority_is_used(kernel: Any) -> None:
    assert run_cell(kernel, PEOPLE).ok
    before = user_variables(kernel)
    with scripted(LARGEST, MEAN, MEAN_AGAIN) as server:
        asked = run_cell(kernel, f"%%pachinco -n 3 {scripted_options(server)}\nmean price")
    assert asked.ok, asked.stream("stderr")
    said = asked.stream("stdout")
    assert "2 of 3 give the same output" in said
    assert "1 other output" in said
    assert asked.next_input is not None
    assert "mean()" in asked.next_input
    chosen = 2 if "people.price.mean()" in asked.next_input else 1
    assert f"(#{chosen + 1} chosen)" in said
    assert f"Using answer {chosen + 1} of 3." in said
    assert user_variables(kernel) == before  # by value: the in-place change stayed in its fork


def test_one_candidate_is_not_trial_run(kernel: Any) -> None:
    assert run_cell(kernel, PEOPLE).ok
    with scripted(LARGEST) as server:
        asked = run_cell(kernel, f"%%pachinco {scripted_options(server)}\nlargest price")
    assert asked.ok, asked.stream("stderr")
    assert "give the same output" not in asked.stream("stdout")
    assert asked.next_input is not None
    assert "people['price'].max()" in asked.next_input


def test_a_fix_that_still_fails_is_offered_with_a_warning(kernel: Any) -> None:
    assert run_cell(kernel, PEOPLE).ok
    assert run_cell(kernel, "total = numbers[5]").error_name == "IndexError"
    before = user_variables(kernel)
    with scripted(FIX_THAT_FAILS) as server:
        fixed = run_cell(kernel, f"%pachinco fix {scripted_options(server)}")
    assert fixed.ok, fixed.stream("stderr")
    assert fixed.stream("stderr").strip() == (
        "pachinco: the fix still fails when tried: IndexError: list index out of range"
    )
    assert fixed.next_input is not None
    assert "total = numbers[7]" in fixed.next_input
    assert user_variables(kernel) == before


def test_a_fix_that_runs_says_so_and_changes_nothing_yet(kernel: Any) -> None:
    assert run_cell(kernel, PEOPLE).ok
    assert run_cell(kernel, "total = numbers[5]").error_name == "IndexError"
    before = user_variables(kernel)
    with scripted(FIX_THAT_RUNS) as server:
        fixed = run_cell(kernel, f"%pachinco fix {scripted_options(server)}")
    assert fixed.ok, fixed.stream("stderr")
    assert fixed.stream("stderr") == ""
    said = fixed.stream("stdout")
    assert "The fix ran on a copy of your variables and still does what the cell meant" in said
    assert "it sets total" in said
    assert fixed.next_input is not None
    assert "total = numbers[-1]" in fixed.next_input
    assert user_variables(kernel) == before
    assert "total" not in before
