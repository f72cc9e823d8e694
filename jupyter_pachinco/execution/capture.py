"""ARCADE's output capture: rewrite a cell so its expression values are kept.

The value of the last expression statement is the cell's *output* (a final ``print(x)``
counts as ``x``, and still prints). The values of the other top-level expression statements
are kept too, in order, because a hypothesis may compute its answer before its last line.
Notebook-only syntax (``%magic`` and ``!shell`` lines) becomes ``pass`` so that plain Python
can run notebook code.
"""

from __future__ import annotations

import ast
import re

OUTPUT_NAME = "__pachinco_output__"
VALUES_NAME = "__pachinco_values__"

_NOTEBOOK_ONLY_LINE = re.compile(r"^(\s*)[%!].*$")


def neutralize_notebook_syntax(code: str) -> str:
    """Turn IPython magics and shell escapes into ``pass`` at the same indentation."""
    lines = [_NOTEBOOK_ONLY_LINE.sub(r"\1pass", line) for line in code.split("\n")]
    return "\n".join(lines)


def compile_plain(code: str, filename: str) -> ast.Module:
    """Parse notebook code as plain Python."""
    return ast.parse(neutralize_notebook_syntax(code), filename=filename, mode="exec")


def compile_with_capture(code: str, filename: str = "<hypothesis>") -> ast.Module:
    """Parse code and rewrite its top-level expression statements to capture their values.

    After running, ``namespace[OUTPUT_NAME]`` holds the output (None when the cell does not end
    with an expression) and ``namespace[VALUES_NAME]`` the list of all captured values.
    """
    module = compile_plain(code, filename)
    body: list[ast.stmt] = [_assign(VALUES_NAME, ast.List(elts=[], ctx=ast.Load()))]
    body.append(_assign(OUTPUT_NAME, ast.Constant(value=None)))
    last_index = len(module.body) - 1
    for index, statement in enumerate(module.body):
        if not isinstance(statement, ast.Expr):
            body.append(statement)
            continue
        if index == last_index:
            body.extend(_capture_output(statement))
        else:
            body.append(_append_value(statement.value, statement))
    module.body = body
    return ast.fix_missing_locations(module)


def _capture_output(statement: ast.Expr) -> list[ast.stmt]:
    printed = printed_value(statement.value)
    if printed is None:
        captured = _copy_location(_assign(OUTPUT_NAME, statement.value), statement)
        return [captured, _append_value(_load(OUTPUT_NAME), statement)]
    # Keep the print's side effect, but the output is the printed value itself.
    call = statement.value
    assert isinstance(call, ast.Call)
    call.args[0] = _load(OUTPUT_NAME)
    return [
        _copy_location(_assign(OUTPUT_NAME, printed), statement),
        _append_value(_load(OUTPUT_NAME), statement),
        statement,
    ]


def printed_value(expression: ast.expr) -> ast.expr | None:
    """The first argument of a ``print(...)`` call, or None for any other expression."""
    if (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Name)
        and expression.func.id == "print"
        and expression.args
        and not isinstance(expression.args[0], ast.Starred)
    ):
        return expression.args[0]
    return None


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _append_value(value: ast.expr, where: ast.stmt) -> ast.stmt:
    call = ast.Call(
        func=ast.Attribute(value=_load(VALUES_NAME), attr="append", ctx=ast.Load()),
        args=[value],
        keywords=[],
    )
    return _copy_location(ast.Expr(value=call), where)


def _copy_location(node: ast.stmt, where: ast.stmt) -> ast.stmt:
    return ast.copy_location(node, where)


#: ARCADE's names (FORMAT.md E2): the output slot and the hidden variables of a hypothesis.
OUTPUT_SLOT = "__output__"
HIDDEN_PREFIX = "__tmp_"


def rewrite_for_arcade(
    code: str, capture_all: bool, hidden_prefix: str = HIDDEN_PREFIX
) -> ast.Module:
    """FORMAT.md E2: rewrite top-level statements so their values are kept.

    The last expression statement (or the value of a last plain assignment) goes to
    ``OUTPUT_SLOT``; with ``capture_all`` each earlier expression statement goes to
    ``f"{hidden_prefix}{index}"``. A ``print`` of exactly one positional argument stands for
    that argument. The code is parsed as plain Python: raises SyntaxError (magics included).
    """
    module = ast.parse(code)
    last = len(module.body) - 1
    body: list[ast.stmt] = []
    for index, statement in enumerate(module.body):
        replacement: ast.stmt = statement
        if isinstance(statement, ast.Expr) and (index == last or capture_all):
            name = OUTPUT_SLOT if index == last else f"{hidden_prefix}{index}"
            # Only our extra reference captures keep ``print(*xs)`` as a call.
            starred = index == last or hidden_prefix == HIDDEN_PREFIX
            value = _unwrapped_print(statement.value, allow_starred=starred)
            replacement = _assign(name, _none_if_in_place(value))
        elif index == last and isinstance(statement, ast.Assign):
            targets = [ast.Name(id=OUTPUT_SLOT, ctx=ast.Store()), *statement.targets]
            replacement = ast.Assign(targets=targets, value=statement.value)
        body.append(_copy_location(replacement, statement))
    module.body = body
    return ast.fix_missing_locations(module)


def _unwrapped_print(expression: ast.expr, allow_starred: bool) -> ast.expr:
    """``print(x)`` (exactly one positional argument, any keywords) stands for ``x``.

    ``print(*xs)`` becomes a starred value, which does not compile (as in the official
    evaluator); ``allow_starred=False`` keeps such a call as it is instead.
    """
    if (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Name)
        and expression.func.id == "print"
        and len(expression.args) == 1
        and (allow_starred or not isinstance(expression.args[0], ast.Starred))
    ):
        return expression.args[0]
    return expression


def _none_if_in_place(expression: ast.expr) -> ast.expr:
    """``x.fillna(0, inplace=True)`` gives None, as in pandas 1.4 (FORMAT.md E9).

    pandas >= 3 returns the object from some in-place methods (``fillna``, ``replace``); the
    call still runs, but its value is ``(call, None)[1]``.
    """
    in_place = isinstance(expression, ast.Call) and any(
        keyword.arg == "inplace"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True
        for keyword in expression.keywords
    )
    if not in_place:
        return expression
    pair = ast.Tuple(elts=[expression, ast.Constant(value=None)], ctx=ast.Load())
    return ast.Subscript(value=pair, slice=ast.Constant(value=1), ctx=ast.Load())
