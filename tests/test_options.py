"""One definition of what an ask may be: both doors parse into `AskOptions`, with the same
defaults and limits, and one ranking policy decides for both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.magic.options import MagicUsageError, parse_cell_options, parse_fix_options
from jupyter_pachinco.options import (
    DEFAULT_MAX_NEW_TOKENS,
    MAX_CANDIDATES,
    MAX_INTENT_CHARS,
    MAX_NEW_TOKENS,
    MAX_TEMPERATURE,
    AskOptions,
    GenerateOptions,
)
from jupyter_pachinco.server.validation import BadRequest, read_generate_body, read_options


def test_both_doors_parse_into_the_same_options_with_the_same_defaults() -> None:
    assert parse_cell_options("", "x").ask == read_options({}) == AskOptions()
    assert AskOptions().max_new_tokens == GenerateOptions().max_new_tokens
    assert GenerateOptions().max_new_tokens == DEFAULT_MAX_NEW_TOKENS
    line = "-n 3 --style stepwise --layout comments --max-new-tokens 99 --temperature 0.5"
    sidebar = {"n": 3, "style": "stepwise", "layout": "comments", "max_new_tokens": 99}
    assert parse_cell_options(line, "x").ask == read_options({**sidebar, "temperature": 0.5})


@pytest.mark.parametrize(
    ("field", "value"), [("n", MAX_CANDIDATES + 1), ("max_new_tokens", MAX_NEW_TOKENS + 1)]
)
def test_both_doors_refuse_the_same_limits(field: str, value: int) -> None:
    flag = {"n": "-n", "max_new_tokens": "--max-new-tokens"}[field]
    with pytest.raises(BadRequest):
        read_options({field: value})
    with pytest.raises(MagicUsageError):
        parse_cell_options(f"{flag} {value}", "x")
    assert read_options({field: value - 1}) == parse_cell_options(f"{flag} {value - 1}", "x").ask


def test_rank_when_several_candidates_or_when_fixing_or_when_asked() -> None:
    assert not AskOptions().ranked(fixing=False)
    assert AskOptions().ranked(fixing=True)
    assert AskOptions(n=2).ranked(fixing=False)
    assert not AskOptions(n=2, rank=False).ranked(fixing=False)
    assert AskOptions(n=1, rank=True).ranked(fixing=False)
    assert AskOptions(n=2, rank=False).ranked(fixing=True)  # a fix is always tried
    fix, _ = parse_fix_options("")
    assert fix.ask.ranked(fixing=True)


def test_the_server_body_asks_the_policy() -> None:
    body = {"request_id": "r", "intent": "x", "options": {"n": 2}}
    assert read_generate_body(json.dumps(body).encode()).ranking_wanted
    body["options"] = {"n": 1}
    assert not read_generate_body(json.dumps(body).encode()).ranking_wanted
    body["fix"] = {"code": "x", "error": "NameError"}
    assert read_generate_body(json.dumps(body).encode()).ranking_wanted


def test_the_assistant_gets_what_was_asked() -> None:
    ask = AskOptions(n=3, style="vanilla", max_new_tokens=50, temperature=0.7, include_outputs=True)
    generate = ask.for_assistant()
    assert (generate.n, generate.style, generate.max_new_tokens) == (3, "vanilla", 50)
    assert (generate.temperature, generate.include_outputs) == (0.7, True)


def test_the_published_descriptions_state_the_same_limits_and_defaults() -> None:
    """The OpenAPI description and the sidebar's settings schema are data files: they must
    say what the one definition says."""
    root = Path(__file__).resolve().parents[1]
    api = json.loads((root / "jupyter_pachinco/server/openapi.json").read_text("utf-8"))
    schemas = api["components"]["schemas"]
    options = schemas["GenerateOptions"]["properties"]
    defaults = AskOptions()
    assert (options["n"]["maximum"], options["n"]["default"]) == (MAX_CANDIDATES, defaults.n)
    assert options["max_new_tokens"]["maximum"] == MAX_NEW_TOKENS
    assert options["max_new_tokens"]["default"] == DEFAULT_MAX_NEW_TOKENS
    assert options["temperature"]["maximum"] == MAX_TEMPERATURE
    assert options["layout"]["default"] == defaults.layout
    assert schemas["GenerateRequest"]["properties"]["intent"]["maxLength"] == MAX_INTENT_CHARS
    plugin = json.loads((root / "schema/plugin.json").read_text("utf-8"))
    assert plugin["properties"]["candidates"]["maximum"] == MAX_CANDIDATES
