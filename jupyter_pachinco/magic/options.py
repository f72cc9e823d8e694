"""The options of ``%%pachinco`` and ``%pachinco``, parsed without I/O.

Every mistake becomes a `MagicUsageError` whose message is the usage line and what was wrong,
so that the magic shows a short usage message instead of a traceback.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from ..options import (
    DEFAULT_MAX_NEW_TOKENS,
    MAX_CANDIDATES,
    MAX_INTENT_CHARS,
    MAX_NEW_TOKENS,
    MAX_TEMPERATURE,
    SAMPLING_TEMPERATURE,
    AskOptions,
)
from ..prompting import DEFAULT_LAYOUT, DEFAULT_STYLE, LAYOUTS, style_names

CELL_USAGE = (
    "%%pachinco [-n N] [--style STYLE] [--layout LAYOUT] [--run] [--no-schema] "
    "[--show-prompt] [--model MODEL] [--backend BACKEND] [--base-url URL] "
    "[--max-new-tokens N] [--temperature T] [--agent [--max-steps N] [--max-repairs N] "
    "[--insert]] [what you want]\n<what you want, in plain words>"
)
LINE_USAGE = "%pachinco config | history | fix [options] [note] | help"
MAX_STEPS = 20
MAX_REPAIRS = 5
AGENT_CANDIDATES = 3
SUBCOMMANDS = ("config", "history", "fix", "help")


class MagicUsageError(ValueError):
    """The magic was called with options or text it cannot use; the message says how."""


@dataclass(frozen=True)
class CellOptions:
    """What one ``%%pachinco`` call asks for: the ask itself as the sidebar's requests are read
    (`AskOptions`: ``-n``, ``--style``, ``--layout``, ``--max-new-tokens``, ``--temperature``),
    and what only the magic does."""

    intent: str
    ask: AskOptions = field(default_factory=AskOptions)
    run: bool = False
    schema: bool = True
    show_prompt: bool = False
    model: str | None = None
    backend: str | None = None
    base_url: str | None = None
    # What `%pachinco history` and later prompts keep as this turn's intent, when it is not
    # `intent` itself (a fix's request holds the whole traceback; its history line does not).
    history_intent: str | None = None
    # --agent: work through the request step by step on a scratch copy of the kernel.
    agent: bool = False
    max_steps: int = 8
    max_repairs: int = 2
    insert: bool = False
    # For a fix: the code of the cell that failed, to check the fix still does what it meant.
    failing_code: str | None = None


@dataclass(frozen=True)
class LineCommand:
    """One ``%pachinco`` call: a subcommand and the words after it."""

    name: str
    rest: str


class _Parser(argparse.ArgumentParser):
    # argparse prints and exits on errors; a magic must raise instead.
    def error(self, message: str) -> NoReturn:
        raise MagicUsageError(f"{message}\nusage: {CELL_USAGE}")


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected an integer from {low} to {high}, got {text!r}"
            )
        return value

    return convert


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= MAX_TEMPERATURE:
        raise argparse.ArgumentTypeError(
            f"expected a number from 0 to {MAX_TEMPERATURE:g}, got {text!r}"
        )
    return value


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%pachinco", add_help=False, allow_abbrev=False)
    parser.add_argument("-n", "--candidates", type=_bounded_int(1, MAX_CANDIDATES), default=None)
    parser.add_argument("--style", choices=style_names())
    parser.add_argument("--layout", choices=LAYOUTS, default=DEFAULT_LAYOUT)
    parser.add_argument("--run", action="store_true")
    parser.add_argument("--no-schema", dest="schema", action="store_false")
    parser.add_argument("--show-prompt", action="store_true")
    parser.add_argument("--model")
    parser.add_argument("--backend")
    parser.add_argument("--base-url")
    parser.add_argument(
        "--max-new-tokens", type=_bounded_int(1, MAX_NEW_TOKENS), default=DEFAULT_MAX_NEW_TOKENS
    )
    parser.add_argument("--temperature", type=_temperature, default=None)
    parser.add_argument("--agent", action="store_true")
    parser.add_argument("--max-steps", type=_bounded_int(1, MAX_STEPS), default=8)
    parser.add_argument("--max-repairs", type=_bounded_int(0, MAX_REPAIRS), default=2)
    parser.add_argument("--insert", action="store_true")
    return parser


def _parse(line: str, *, with_note: bool = False) -> argparse.Namespace:
    """Options from the start of ``line``; the text after them is kept verbatim as ``note``.

    Only option words are read like shell words (an option's value may be quoted); the first
    word that is not an option, or ``--``, starts the free text, which keeps every character
    (apostrophes, quotes, backslashes, inner spacing). Without ``with_note`` free text is an
    error, as before."""
    parser = _cell_parser()
    words, note = split_options(line, parser)
    parsed = parser.parse_args(words)
    if note and not with_note:
        parser.error(f"unrecognized arguments: {note}")
    parsed.note = note
    return parsed


def split_options(line: str, parser: argparse.ArgumentParser) -> tuple[list[str], str]:
    """The option words at the start of ``line`` and the free text after them, verbatim."""
    words: list[str] = []
    position = 0
    expects_value = False
    while True:
        start = _skip_spaces(line, position)
        if start >= len(line):
            return words, ""
        if not expects_value and not _looks_like_option(line, start):
            return words, line[start:].strip()
        word, end = _read_word(line, start)
        if expects_value:
            words.append(word)
            expects_value = False
        elif line[start:end] == "--":
            return words, line[end:].strip()
        else:
            words.append(word)
            expects_value = _takes_value(parser, word)
        position = end


def _looks_like_option(line: str, start: int) -> bool:
    """``-x``/``--xyz`` (not ``-1.5`` or a lone ``-``) starts an option word."""
    end = start
    while end < len(line) and not line[end].isspace():
        end += 1
    word = line[start:end]
    return word.startswith("-") and len(word) > 1 and not _is_number(word)


def _skip_spaces(line: str, position: int) -> int:
    while position < len(line) and line[position].isspace():
        position += 1
    return position


def _read_word(line: str, start: int) -> tuple[str, int]:
    """One shell-like word (quotes allowed) starting at ``start``, and where it ends."""
    end = start
    while end < len(line) and not line[end].isspace():
        if line[end] in "'\"":
            closing = line.find(line[end], end + 1)
            if closing < 0:
                raise MagicUsageError(
                    f"cannot read the options: no closing quotation in {line[start:]!r}"
                    f"\nusage: {CELL_USAGE}"
                )
            end = closing
        end += 1
    try:
        (word,) = shlex.split(line[start:end]) or [""]
    except ValueError as exc:
        raise MagicUsageError(f"cannot read the options: {exc}\nusage: {CELL_USAGE}") from exc
    return word, end


def _takes_value(parser: argparse.ArgumentParser, word: str) -> bool:
    if "=" in word:
        return False
    action = parser._option_string_actions.get(word)
    return action is not None and action.nargs != 0


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def parse_fix_options(line: str) -> tuple[CellOptions, str]:
    """The options of ``%pachinco fix [options] [note]`` and the note, verbatim; the intent
    is left empty for the caller to fill with the error."""
    parsed = _parse(line, with_note=True)
    if parsed.agent:
        raise MagicUsageError(f"%pachinco fix has no --agent\nusage: {LINE_USAGE}")
    return _options(parsed, ""), str(parsed.note)


def parse_cell_options(line: str, cell: str) -> CellOptions:
    """The options on the ``%%pachinco`` line and the intent: free text after the options on
    that line (verbatim), then the cell body."""
    parsed = _parse(line, with_note=True)
    intent = "\n".join(part for part in (str(parsed.note), cell.strip()) if part)
    if not intent:
        raise MagicUsageError(
            f"write what you want in the cell, below the %%pachinco line\nusage: {CELL_USAGE}"
        )
    if len(intent) > MAX_INTENT_CHARS:
        raise MagicUsageError(
            f"the request is {len(intent)} characters long; at most {MAX_INTENT_CHARS} fit"
        )
    return _options(parsed, intent)


def _options(parsed: argparse.Namespace, intent: str) -> CellOptions:
    if not parsed.agent and (parsed.insert or parsed.max_steps != 8 or parsed.max_repairs != 2):
        raise MagicUsageError(
            f"--insert, --max-steps and --max-repairs go with --agent\nusage: {CELL_USAGE}"
        )
    default_n = AGENT_CANDIDATES if parsed.agent else 1
    ask = AskOptions(
        n=parsed.candidates if parsed.candidates is not None else default_n,
        style=parsed.style,
        layout=parsed.layout,
        max_new_tokens=parsed.max_new_tokens,
        temperature=parsed.temperature,
    )
    return CellOptions(
        intent=intent,
        ask=ask,
        run=parsed.run,
        schema=parsed.schema,
        show_prompt=parsed.show_prompt,
        model=parsed.model,
        backend=parsed.backend,
        base_url=parsed.base_url,
        agent=parsed.agent,
        max_steps=parsed.max_steps,
        max_repairs=parsed.max_repairs,
        insert=parsed.insert,
    )


def parse_line_command(line: str) -> LineCommand:
    """The subcommand of ``%pachinco``; no words means ``help``."""
    name, _, rest = line.strip().partition(" ")
    name = name or "help"
    if name not in SUBCOMMANDS:
        raise MagicUsageError(f"unknown command {name!r}\nusage: {LINE_USAGE}")
    if name in ("config", "history", "help") and rest.strip():
        raise MagicUsageError(f"%pachinco {name} takes no arguments\nusage: {LINE_USAGE}")
    return LineCommand(name, rest.strip())


HELP_TEXT = f"""\
%%pachinco: the AI pair programmer for pandas, inside the kernel.

  {CELL_USAGE}

It reads the cells you ran before, the live variables (DataFrame columns with examples) and
earlier %%pachinco requests of this session, streams the answer, shows its explanation and
puts the code into the next cell.

Options:
  -n, --candidates N   how many answers to sample (1-{MAX_CANDIDATES}); several are trial-run on a
                       copy of your variables and the answer most of them agree on is used
  --style STYLE        prompt style: {", ".join(style_names())} (default {DEFAULT_STYLE})
  --layout LAYOUT      how the answer is laid out: {", ".join(LAYOUTS)}
  --run                also run the code, here, and show its result
  --no-schema          leave the live variables out of the prompt
  --show-prompt        show the exact prompt instead of asking the model
  --model, --backend, --base-url   override the configured model for this call
  --max-new-tokens N   longest answer, in tokens (1-{MAX_NEW_TOKENS})
  --temperature T      sampling temperature (0-{MAX_TEMPERATURE:g}); 0 is greedy; by default
                       greedy for one answer and {SAMPLING_TEMPERATURE} for several, so that
                       they can differ
  --agent              work through the request step by step on a scratch copy of this
                       kernel: a plan, then each step's candidates tried there (-n, default
                       {AGENT_CANDIDATES}), failures repaired with their traceback; the timeline is
                       printed as it goes, and the steps that ran are shown at the end
  --max-steps N        --agent: at most N steps (1-{MAX_STEPS}, default 8)
  --max-repairs N      --agent: repairs per step (0-{MAX_REPAIRS}, default 2)
  --insert             --agent: put the steps that ran into the next cell (with --run, also run
                       it here); without it nothing is inserted

Line commands:
  %pachinco config     the effective model configuration (no secrets)
  %pachinco history    the earlier requests and answers of this session
  %pachinco fix [options] [note]
                       ask for a repair of the last error (its traceback and failing code);
                       the fix is trial-run first and you are told if it still fails;
                       takes the options above, e.g. %pachinco fix --run
  %pachinco help       this text

The model is configured as for the server extension: c.BackendSettings.* in
jupyter_server_config.py/.json, or PACHINCO_MODEL, PACHINCO_BACKEND, PACHINCO_BASE_URL.
"""
