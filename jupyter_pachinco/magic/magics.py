"""``%%pachinco`` and ``%pachinco``: the assistant inside the kernel, same pipeline as the server.

Load it with ``%load_ext jupyter_pachinco``, then::

    %%pachinco --style explained -n 3
    mean fare per passenger class, highest first

The magic reads its context straight from the kernel (the cells run before, in IPython's input
history; the live variables through `describe_variables`; earlier ``%%pachinco`` requests of
this session), streams the answer into the cell's output, shows the explanation as Markdown
and puts the code into the next cell. With ``-n`` above 1 the candidates are trial-run in
forks of this kernel (the user's variables stay as they are) and the answer most of them agree
on is used, with a one-line summary of the vote; ``%pachinco fix`` trial-runs its fix too and
says whether it still fails. With ``--agent`` the request is worked through step by step on a
scratch copy of this kernel (``agent``), and the steps that ran are shown and, with
``--insert``, put into the next cell. The model settings come from the same
``jupyter_server_config`` files as the server extension's.
"""

from __future__ import annotations

import json
import linecache
import sys
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import DisplayHandle, Markdown
from IPython.display import display as _untyped_display

from ..agent import AgentTask, ScratchError
from ..assistant import Answer, Assistant, Delta, Done, Loading, Reasoning
from ..backends import BackendError
from ..backends.settings import BackendSettings
from ..context import Turn, describe_variables_as_json, make_turn
from ..execution.ranking import holds_code
from ..execution.sandbox import isolation_here
from ..prompting import Candidate, insertion_cells
from ..prompting.fixes import fix_request
from .agent import agent_options, run_agent_here, steps_code, steps_markdown, turn_of
from .kernel_state import failing_cell, fix_summary, preceding_cells, shown_traceback
from .options import (
    HELP_TEXT,
    CellOptions,
    LineCommand,
    MagicUsageError,
    parse_cell_options,
    parse_fix_options,
    parse_line_command,
)
from .printing import prompt_as_json, prompt_as_text, public_settings, render_history, render_rows
from .runner import Failed, GenerationThread, load_server_config, with_overrides
from .trials import choose, rank_here

# IPython's display functions carry no annotations.
display: Callable[..., Any] = _untyped_display
markdown = cast(Callable[[str], Any], Markdown)

PROMPT_MIME = "application/vnd.pachinco.prompt+json"
UPDATE_EVERY_S = 0.1


class MagicFailure(Exception):
    """A failure to report as one line (model, configuration); the namespace is untouched."""


@magics_class
class PachincoMagics(Magics):
    """``%%pachinco`` (ask) and ``%pachinco config | history | fix | help``."""

    def __init__(self, shell: InteractiveShell | None = None) -> None:
        super().__init__(shell)
        self.turns: list[Turn] = []
        self._generation: GenerationThread | None = None
        # The latest error of the user's own cells, and the failures of the magic itself,
        # which IPython also records as ``sys.last_value``.
        self._user_error: BaseException | None = None
        self._own_errors: weakref.WeakSet[BaseException] = weakref.WeakSet()

    @line_cell_magic
    def pachinco(self, line: str, cell: str | None = None) -> None:
        """Ask the assistant (cell magic) or run a line command; ``%pachinco help`` explains."""
        self._remember_user_error()
        try:
            if cell is None:
                self._line_command(parse_line_command(line))
            else:
                self.ask(parse_cell_options(line, cell))
        except MagicUsageError as exc:
            raise self._own(UsageError(str(exc))) from None
        except MagicFailure as exc:
            print(f"pachinco: {' '.join(str(exc).split())}", file=sys.stderr)
        except KeyboardInterrupt:
            print("pachinco: cancelled.", file=sys.stderr)
        except BaseException as exc:  # any other failure of the magic: re-raised, marked
            self._own(exc)
            raise

    def _own(self, error: BaseException) -> BaseException:
        """Mark ``error`` as the magic's own failure: IPython keeps it as ``sys.last_value``,
        but ``%pachinco fix`` must never take it for the user's error to repair."""
        self._own_errors.add(error)
        return error

    def _remember_user_error(self) -> None:
        error = getattr(sys, "last_value", None)
        if isinstance(error, BaseException) and error not in self._own_errors:
            self._user_error = error

    def close(self) -> None:
        """Stop the generation thread (on ``%unload_ext``)."""
        if self._generation is not None:
            self._generation.close()
            self._generation = None

    # --- asking ---------------------------------------------------------------------------

    def ask(
        self, options: CellOptions, *, fixing: bool = False, cells_before: int | None = None
    ) -> None:
        """Build the context from the kernel, then show the prompt or generate an answer.
        ``cells_before``: the context holds only the cells run before that execution count."""
        assistant = self._assistant(options)
        shell = self._shell()
        raw_history: list[str] = getattr(shell.history_manager, "input_hist_raw", [])
        cells = preceding_cells(raw_history, cells_before)
        # Through JSON, as the server receives them from the kernel, so both prompts agree.
        schemas = json.loads(describe_variables_as_json(shell.user_ns)) if options.schema else []
        history = list(self.turns)
        if options.agent and not options.show_prompt:
            self._work_through(assistant, options, AgentTask(options.intent, cells, history))
            return
        if options.show_prompt:
            prompt = assistant.build_prompt(
                options.intent, cells, schemas, history, style=options.ask.style
            )
            shown = {
                "text/plain": prompt_as_text(prompt),
                PROMPT_MIME: {"prompt": prompt_as_json(prompt)},
            }
            display(shown, raw=True)
            return
        events = self._thread().stream(
            assistant,
            options.intent,
            cells=cells,
            namespace_schemas=schemas,
            history=history,
            options=options.ask.for_assistant(),
        )
        done = _show_stream(events, options.ask.n)
        self._use_answer(options, done, fixing=fixing)

    def _work_through(self, assistant: Assistant, options: CellOptions, task: AgentTask) -> None:
        """``--agent``: the loop on a scratch copy of this kernel, its timeline printed."""
        shell = self._shell()
        try:
            outcome = run_agent_here(
                self._thread(), assistant, shell.user_ns, task, agent_options(options), print
            )
        except ScratchError as exc:
            raise MagicFailure(f"the agent runs nothing: {exc}") from exc
        if outcome.failure is not None:
            print(f"pachinco: {' '.join(outcome.failure.split())}", file=sys.stderr)
        if not outcome.steps:  # the timeline said why
            return
        display(markdown(steps_markdown(outcome.steps)))
        code = steps_code(outcome.steps)
        self.turns.append(turn_of(task.task, outcome.steps))
        if options.insert:
            shell.set_next_input(code, replace=False)
            if options.run:
                run_cell = cast(Callable[..., Any], shell.run_cell)
                run_cell(code, store_history=False)

    def _use_answer(self, options: CellOptions, done: Done, *, fixing: bool = False) -> None:
        chosen = _first_with_code(done.candidates)
        if chosen is not None and options.ask.ranked(fixing=fixing):
            chosen = self._tried_choice(
                done.candidates, fixing=fixing, failing_code=options.failing_code
            )
        if chosen is None:
            if "length" in done.finish_reasons:
                raise MagicFailure(
                    "the answer was cut off before its code was complete; "
                    "raise --max-new-tokens and try again."
                )
            raise MagicFailure("the model answered without code; try rephrasing the request.")
        _, candidate = chosen
        cells = insertion_cells(candidate, options.ask.layout)
        explanation = "\n\n".join(c["source"] for c in cells if c["cell_type"] == "markdown")
        # An answer whose steps carry no explanation may still explain itself around the code.
        explanation = explanation or candidate.prose.strip()
        code = "\n\n".join(c["source"] for c in cells if c["cell_type"] == "code")
        if explanation:
            display(markdown(explanation))
        shell = self._shell()
        shell.set_next_input(code, replace=False)
        intent = options.history_intent or options.intent
        self.turns.append(make_turn(intent, code, explanation))
        if options.run:
            run_cell = cast(Callable[..., Any], shell.run_cell)
            run_cell(code, store_history=False)

    def _tried_choice(
        self, candidates: list[Candidate], *, fixing: bool, failing_code: str | None = None
    ) -> tuple[int, Candidate] | None:
        """Trial-run the candidates on a snapshot of the user's variables; the one to use."""
        codes = [candidate.code for candidate in candidates]
        ranking = rank_here(self._shell().user_ns, codes)
        choice = choose(ranking, codes, fixing=fixing, failing_code=failing_code)
        for line in choice.lines:
            print(line)
        for warning in choice.warnings:
            print(f"pachinco: {warning}", file=sys.stderr)
        if choice.index is None:
            return None
        if len(candidates) > 1:
            print(f"Using answer {choice.index + 1} of {len(candidates)}.")
        return choice.index, candidates[choice.index]

    def _assistant(self, options: CellOptions) -> Assistant:
        try:
            loaded = load_server_config()
            config = with_overrides(
                loaded.config,
                model=options.model,
                backend=options.backend,
                base_url=options.base_url,
            )
            with warnings.catch_warnings():
                # tqdm, imported with transformers, asks for ipywidgets in every kernel without
                # them; the magic shows its own progress, so the advice is only noise here.
                warnings.filterwarnings("ignore", message="IProgress not found")
                return self._thread().assistant(config)
        except BackendError as exc:
            raise MagicFailure(str(exc)) from exc

    def _thread(self) -> GenerationThread:
        if self._generation is None:
            self._generation = GenerationThread()
        return self._generation

    def _shell(self) -> InteractiveShell:
        if self.shell is None:  # pragma: no cover - IPython always passes its shell
            raise MagicFailure("the magic needs a running IPython shell.")
        shell: InteractiveShell = self.shell
        return shell

    # --- line commands --------------------------------------------------------------------

    def _line_command(self, command: LineCommand) -> None:
        if command.name == "help":
            print(HELP_TEXT)
        elif command.name == "history":
            print(render_history(self.turns))
        elif command.name == "config":
            print(self._config_text())
        else:
            options, note = parse_fix_options(command.rest)
            self._fix(options, note)

    def _config_text(self) -> str:
        try:
            loaded = load_server_config()
        except BackendError as exc:
            raise MagicFailure(str(exc)) from exc
        rows = public_settings(BackendSettings(config=loaded.config), loaded.files)
        rows.append(("trial runs", str(isolation_here()["summary"])))
        return render_rows(rows)

    def _fix(self, options: CellOptions, note: str) -> None:
        """Ask for a repair of the last failing cell, as the sidebar asks for one: its code and
        the traceback shown under it, with the cells run before it as context."""
        error = self._user_error
        if error is None:
            raise MagicFailure("there is no error to fix: run the failing cell first.")
        shell = self._shell()
        cells: dict[str, int] = getattr(shell.compile, "_filename_map", {})
        cell = failing_cell(error, cells)
        code = "".join(linecache.getlines(cell.filename)) if cell.filename else None
        intent = fix_request(code, shown_traceback(shell, error, cells), note)
        fixed = replace(
            options,
            intent=intent,
            history_intent=fix_summary(error, note),
            failing_code=code,
        )
        self.ask(fixed, fixing=True, cells_before=cell.execution_count)


def _show_stream(events: Any, expected: int) -> Done:
    """Show the streamed text in one updating output; the final `Done` (or a failure)."""
    handle: DisplayHandle | None = display(
        {"text/plain": "Asking the model..."}, raw=True, display_id=True
    )
    texts = ["" for _ in range(expected)]
    thoughts = ["" for _ in range(expected)]
    reasons: dict[int, str] = {}
    shown_at = 0.0
    for event in events:
        if isinstance(event, Failed):
            _update(handle, "")  # the failure is told once, as one line
            raise MagicFailure(event.message)
        if isinstance(event, Done):
            _update(handle, _stream_text(texts, reasons, final=True, thoughts=thoughts))
            return event
        if isinstance(event, Loading):
            percent = f" ({event.fraction:.0%})" if event.fraction is not None else ""
            _update(handle, f"{event.message}{percent}")
        elif isinstance(event, Delta):
            texts[event.index] += event.text
        elif isinstance(event, Reasoning):
            thoughts[event.index] += event.text
        elif isinstance(event, Answer):
            reasons[event.index] = event.finish_reason
        streamed = isinstance(event, Delta | Reasoning | Answer)
        if streamed and time.monotonic() - shown_at >= UPDATE_EVERY_S:
            _update(handle, _stream_text(texts, reasons, final=False, thoughts=thoughts))
            shown_at = time.monotonic()
    raise MagicFailure("the answer ended before it was complete.")


def _stream_text(
    texts: list[str], reasons: dict[int, str], *, final: bool, thoughts: list[str]
) -> str:
    """The answers so far, each after its thinking (a reasoning model's), set apart."""
    parts = []
    for index, text in enumerate(texts):
        if thoughts[index].strip():
            text = f"(thinking)\n{thoughts[index].strip()}\n(end of thinking)\n\n{text}"
        header = f"--- answer {index + 1} of {len(texts)}" if len(texts) > 1 else ""
        reason = reasons.get(index)
        if reason == "length":
            header += " (cut off: raise --max-new-tokens for longer answers)"
        elif reason is None and not final:
            header += " ..."
        parts.append(f"{header.strip()}\n{text}".strip())
    return "\n\n".join(parts)


def _update(handle: DisplayHandle | None, text: str) -> None:
    if handle is not None:
        update = cast(Callable[..., None], handle.update)
        update({"text/plain": text}, raw=True)


def _first_with_code(candidates: list[Candidate]) -> tuple[int, Candidate] | None:
    for number, candidate in enumerate(candidates):
        if holds_code(candidate.code):
            return number, candidate
    return None


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register the magics (``%load_ext jupyter_pachinco``)."""
    ipython.register_magics(PachincoMagics(ipython))


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """Stop the generation thread (``%unload_ext jupyter_pachinco``)."""
    magics = ipython.magics_manager.registry.get("PachincoMagics")
    if isinstance(magics, PachincoMagics):
        magics.close()
