"""ARCADE's "schema description" text for DataFrames, and where it goes among the cells.

The text, for the descriptions made by ``describe_variables``::

    # Schema of Dataframes:
    # Columns in df with example values:
    # name (Peter), gender (m), DOB (1992/01/17)

Each column shows its first non-null example value, cut at 80 characters (a column with no
non-null value in the rows read shows empty parentheses; a line break inside a value is written
``\\n`` so the comment stays one line). At most 20 columns are shown, and then the header reads
``# First 20 columns in df with example values:``. The schema goes in its own cell right after
the cell that created the frame, or at the top when that cell is not in the context.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .cells import ContextCell
from .safe_text import safe_text

SCHEMA_HEADER = "# Schema of Dataframes:"
MAX_SCHEMA_COLUMNS = 20
MAX_VALUE_CHARS = 80


def render_schema_text(
    descriptions: Iterable[Mapping[str, Any]],
    *,
    max_columns: int = MAX_SCHEMA_COLUMNS,
    max_value_chars: int = MAX_VALUE_CHARS,
) -> str:
    """The ARCADE schema text of every DataFrame among ``descriptions`` ("" when none).

    The text ends with a line break; other kinds of descriptions are ignored.
    """
    blocks = [
        _frame_lines(d, max_columns, max_value_chars)
        for d in descriptions
        if d.get("kind") == "dataframe"
    ]
    if not blocks:
        return ""
    return "\n".join([SCHEMA_HEADER, *blocks]) + "\n"


def _frame_lines(description: Mapping[str, Any], max_columns: int, max_value_chars: int) -> str:
    columns = [c for c in description.get("columns", []) if isinstance(c, Mapping)]
    name = safe_text(description.get("name", "?"), "comment")
    more = len(columns) > max_columns or bool(description.get("columns_omitted"))
    header = (
        f"# First {max_columns} columns in {name} with example values:"
        if more
        else f"# Columns in {name} with example values:"
    )
    shown = [_column_text(c, max_value_chars) for c in columns[:max_columns]]
    return f"{header}\n# {', '.join(shown)}"


def _column_text(column: Mapping[str, Any], max_value_chars: int) -> str:
    examples = column.get("examples") or []
    value = "" if not examples else safe_text(examples[0], "comment")[:max_value_chars]
    return f"{safe_text(column.get('name', ''), 'comment')} ({value})"


def schema_cell(descriptions: Iterable[Mapping[str, Any]]) -> ContextCell | None:
    """The schema text as a code cell of comments, or None when there is no DataFrame."""
    text = render_schema_text(descriptions)
    if not text:
        return None
    return {"cell_type": "code", "source": text, "outputs": [], "cell_magic": None}


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at top level (``df = ...``, ``a, b = ...``, ``df: T = ...``).

    Cells with magics or syntax errors fall back to a line-based scan.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(_ASSIGNMENT_LINE.findall(source))
    names: set[str] = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            names.update(_target_names(target))
    return names


def _target_names(target: ast.expr) -> set[str]:
    # ``df = ...`` and ``a, *b = ...`` create names; ``df.x = ...`` or ``df[k] = ...`` do not.
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_target_names(element) for element in target.elts))
    return set()


_ASSIGNMENT_LINE = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)", re.MULTILINE)


def place_schema_cells(
    cells: Sequence[ContextCell], frames: Sequence[Mapping[str, Any]]
) -> list[ContextCell]:
    """``cells`` with one schema cell after the last cell that creates each group of frames.

    Frames whose creating cell is not among ``cells`` get one schema cell at the top.
    """
    if not frames:
        return list(cells)
    # each cell is parsed once, however many frames there are
    assigned = [
        assigned_names(cell["source"]) if cell["cell_type"] == "code" else set() for cell in cells
    ]
    placed: dict[int, list[Mapping[str, Any]]] = {}
    for frame in frames:
        placed.setdefault(_creating_cell(assigned, str(frame.get("name", ""))), []).append(frame)
    result: list[ContextCell] = []
    top = schema_cell(placed.get(-1, []))
    if top is not None:
        result.append(top)
    for position, cell in enumerate(cells):
        result.append(cell)
        after = schema_cell(placed.get(position, []))
        if after is not None:
            result.append(after)
    return result


def _creating_cell(assigned: Sequence[set[str]], name: str) -> int:
    """The position of the last cell that assigns ``name``, or -1."""
    for position in range(len(assigned) - 1, -1, -1):
        if name in assigned[position]:
            return position
    return -1


OTHER_VARIABLES_HEADER = "# Other variables:"
MAX_LINE_CHARS = 200


def render_variables_text(descriptions: Iterable[Mapping[str, Any]]) -> str:
    """Non-DataFrame variables as comment lines under ``# Other variables:`` ("" when none)."""
    lines = [variable_line(d) for d in descriptions if d.get("kind") != "dataframe"]
    if not lines:
        return ""
    return "\n".join([OTHER_VARIABLES_HEADER, *lines]) + "\n"


def variable_line(description: Mapping[str, Any]) -> str:
    """One variable as one comment line, e.g. ``# total: float = 12.5``."""
    name, kind, type_name = (
        description.get("name"),
        description.get("kind"),
        description.get("type"),
    )
    detail = _variable_detail(kind, description)
    line = safe_text(f"# {name}: {type_name}{detail}", "comment")
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 3] + "..."


def _variable_detail(kind: object, d: Mapping[str, Any]) -> str:
    if kind == "scalar":
        return f" = {d.get('value')}"
    if kind in ("string", "bytes"):
        return f" of length {d.get('length')}, starting {d.get('head')!r}"
    if kind in ("list", "tuple", "set", "frozenset", "dict"):
        return f" of length {d.get('length')}, first items {d.get('items')}"
    values = f"dtype {d.get('dtype')}, first values {d.get('examples')}"
    if kind in ("series", "index"):
        return f" of length {d.get('length')}, {values}"
    if kind == "array":
        return f" of shape {tuple(d.get('shape') or ())}, {values}"
    if kind == "module":
        return f" {d.get('module')}"
    if kind in ("function", "class"):
        return f" {d.get('signature')}"
    if kind == "object":
        return f" {d.get('repr')}"
    return f" ({d.get('reason', 'not described')})"
