"""The magic in a real IPython kernel, driven through jupyter_client as a notebook drives it."""

from __future__ import annotations

import json
from typing import Any

from jupyter_pachinco.execution.sandbox import isolation_here
from tests.support.fake_openai import FakeOpenAIServer, free_port

from .conftest import API_KEY, URL_PASSWORD, URL_QUERY_KEY, scripted_options
from .kernel_session import run_cell, user_variables

PEOPLE = (
    "import pandas as pd\n"
    "people = pd.DataFrame({'price': [3.5, 2.0, 7.25], 'city': ['Oslo', 'Rome', 'Oslo']})"
)


def test_answer_streams_into_the_output_and_the_code_goes_to_the_next_cell(kernel: Any) -> None:
    assert run_cell(kernel, PEOPLE).ok
    asked = run_cell(kernel, "%%pachinco --max-new-tokens 1\nmean price per city")
    assert asked.ok, asked.stream("stderr")
    assert asked.shown("display_data")[0] == "Asking the model..."
    updates = asked.shown("update_display_data")
    assert len(updates) >= 2
    code = asked.next_input
    assert code is not None
    assert code.strip()
    compile(code, "<next cell>", "exec")
    assert code in updates[-1]
    history = run_cell(kernel, "%pachinco history")
    assert "mean price per city" in history.stream("stdout")
    assert code in history.stream("stdout")


def test_run_executes_the_answer_and_shows_the_explanation(
    kernel: Any, scripted_model: FakeOpenAIServer
) -> None:
    asked = run_cell(
        kernel, f"%%pachinco --run {scripted_options(scripted_model)}\nsix times seven"
    )
    assert asked.ok, asked.stream("stderr")
    assert asked.next_input is not None
    assert "result = 6 * 7" in asked.next_input
    assert any(
        "Multiply the two numbers" in text for text in asked.shown("display_data", "text/markdown")
    )
    assert user_variables(kernel)["result"] == "42"


def test_without_run_the_answer_is_not_executed(
    kernel: Any, scripted_model: FakeOpenAIServer
) -> None:
    asked = run_cell(kernel, f"%%pachinco {scripted_options(scripted_model)}\nsix times seven")
    assert asked.ok
    assert asked.next_input is not None
    assert "result" not in user_variables(kernel)


def test_bad_options_give_a_usage_message_not_a_traceback(kernel: Any) -> None:
    assert run_cell(kernel, "x = 1").ok
    before = user_variables(kernel)
    for cell in (
        "%%pachinco -n 0\nmean price",
        "%%pachinco --style poetic\nmean price",
        "%%pachinco --temperature hot\nmean price",
        "%%pachinco --max-new-tokens 99999\nmean price",
        "%%pachinco --unknown\nmean price",
        "%%pachinco\n   ",
        "%pachinco frobnicate",
        "%pachinco config now",
    ):
        shown = run_cell(kernel, cell)
        errors = shown.stream("stderr")
        assert "usage:" in errors, cell
        assert "Traceback" not in errors, cell
        assert shown.error_name is None, cell
        assert shown.next_input is None
    assert user_variables(kernel) == before


def test_fix_sends_the_traceback_and_the_failing_code(
    kernel: Any, scripted_model: FakeOpenAIServer
) -> None:
    failed = run_cell(kernel, "numbers = [1, 2]\ntotal = numbers[5]")
    assert failed.error_name == "IndexError"
    fixed = run_cell(kernel, f"%pachinco fix {scripted_options(scripted_model)}")
    assert fixed.ok, fixed.stream("stderr")
    sent = json.dumps(scripted_model.requests[-1].body["messages"])
    assert "IndexError: list index out of range" in sent
    assert "total = numbers[5]" in sent
    assert fixed.next_input is not None
    assert "result = 6 * 7" in fixed.next_input
    # The history keeps a one-line intent, not the request with its traceback.
    history = run_cell(kernel, "%pachinco history").stream("stdout")
    assert ">>> fix IndexError: list index out of range\n" in history
    assert "Traceback" not in history


def test_fix_without_an_error_says_so(kernel: Any) -> None:
    shown = run_cell(kernel, "%pachinco fix")
    assert shown.stream("stderr").strip() == (
        "pachinco: there is no error to fix: run the failing cell first."
    )


def test_a_failing_generation_gives_one_line_and_leaves_the_namespace_alone(
    kernel: Any,
) -> None:
    assert run_cell(kernel, PEOPLE + "\ntotal = people['price'].sum()\nlabels = ['a', 'b']").ok
    before = user_variables(kernel)
    unreachable = f"http://127.0.0.1:{free_port()}/v1"
    shown = run_cell(
        kernel, f"%%pachinco --run --backend openai --base-url {unreachable}\nmean price"
    )
    assert shown.ok
    assert shown.error_name is None
    lines = shown.stream("stderr").strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pachinco: Cannot connect")
    assert shown.next_input is None
    assert user_variables(kernel) == before


def test_config_shows_the_config_file_settings_and_no_secrets(kernel: Any) -> None:
    shown = run_cell(kernel, "%pachinco config")
    text = shown.stream("stdout")
    assert "transformers" in text
    assert "jupyter_server_config.py" in text
    assert "OPENAI_API_KEY (set)" in text
    assert "http://127.0.0.1:9/v1" in text
    for secret in (API_KEY, URL_PASSWORD, URL_QUERY_KEY):
        assert secret not in text
    # How trial runs are isolated on this machine, in the kernel's own words.
    [isolation] = [line for line in text.splitlines() if line.startswith("trial runs")]
    assert str(isolation_here()["summary"]) in isolation


def test_prompt_holds_cells_variables_and_earlier_turns(
    kernel: Any, scripted_model: FakeOpenAIServer
) -> None:
    assert run_cell(kernel, PEOPLE).ok
    assert run_cell(kernel, f"%%pachinco {scripted_options(scripted_model)}\nsix times seven").ok
    shown = run_cell(kernel, "%%pachinco --show-prompt\nmean price per city")
    assert shown.ok, shown.stream("stderr")
    [prompt] = shown.shown("display_data", "application/vnd.pachinco.prompt+json")
    text = json.dumps(prompt)
    assert "people = pd.DataFrame" in text
    assert "Columns in people" in text
    assert "six times seven" in text
    assert "result = 6 * 7" in text
    assert "mean price per city" in text
    assert "%%pachinco" not in text
    without = run_cell(kernel, "%%pachinco --show-prompt --no-schema\nmean price per city")
    [bare] = without.shown("display_data", "application/vnd.pachinco.prompt+json")
    assert "Columns in people" not in json.dumps(bare)
    assert not scripted_model.requests[1:], "showing the prompt must not ask the model"
