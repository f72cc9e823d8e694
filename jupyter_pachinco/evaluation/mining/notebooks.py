"""Mining real notebooks into ARCADE turns: the pure logic (no execution, no files).

- ``read_cells`` / ``find_turns``: a turn is a markdown *intent* followed by the code cell that
  answers it (ARCADE's "Existing Tasks" were mined this way). When the markdown cells right
  above a code cell hold step headings ("### Step 5. How many teams took part?"), the intent is
  their text from the first step heading on; otherwise it is the last markdown cell. A code
  cell with no markdown right above it, or with only comments, stays context.
- ``clean_intent``: markdown into a plain one-line intent: heading marks, step numbering
  ("Step 5.", "Ex 2 -", "3)"), emphasis, images, HTML tags and link markup are removed (a
  link keeps its text).
- ``data_urls`` / ``rewrite_urls``: URLs in string literals, and the same code with local paths.
- ``split_by_notebook``: a deterministic train/test split of notebook names (never of turns).
- ``classify_reference``: a keyword classifier of reference code into kinds of task.
- ``explained_steps``: a reference as the ``explained`` style's steps (comments become step
  explanations; uncommented code is split into one step per statement).
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...prompting import Step
from ...prompting.steps import split_into_steps


@dataclass(frozen=True)
class NotebookCell:
    """One cell of a notebook file: its position, type and source text."""

    index: int
    cell_type: str
    source: str


@dataclass(frozen=True)
class TurnSpec:
    """A turn found in a notebook: the intent, its markdown cells and the answering code cell."""

    intent: str
    intent_cells: tuple[int, ...]
    code_cell: int
    raw_intent: str


def read_cells(notebook: Mapping[str, Any]) -> list[NotebookCell]:
    """The cells of a notebook document (nbformat 4 JSON); a list source is joined."""
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, Mapping):
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        cells.append(NotebookCell(index, str(cell.get("cell_type", "")), text))
    return cells


_STEP_HEADING = re.compile(r"^\s*#*\s*[*_]*\s*step\s*\d+", re.IGNORECASE | re.MULTILINE)


def find_turns(cells: Sequence[NotebookCell]) -> list[TurnSpec]:
    """Every intent -> code turn, in notebook order (see the module docstring)."""
    turns: list[TurnSpec] = []
    markdown: list[NotebookCell] = []
    for cell in cells:
        if cell.cell_type == "markdown":
            markdown.append(cell)
            continue
        if cell.cell_type != "code":
            continue
        if markdown and has_code(cell.source):
            turn = _turn_for(markdown, cell)
            if turn is not None:
                turns.append(turn)
        markdown = []
    return turns


def _turn_for(markdown: list[NotebookCell], code: NotebookCell) -> TurnSpec | None:
    stepped = [cell for cell in markdown if _STEP_HEADING.search(cell.source)]
    if stepped:
        first = markdown.index(stepped[0])
        chosen = markdown[first:]
        texts = [_from_first_step(chosen[0].source), *(cell.source for cell in chosen[1:])]
    else:
        chosen = markdown[-1:]
        texts = [chosen[0].source]
    raw = "\n\n".join(text.strip() for text in texts)
    intent = clean_intent(raw)
    if not intent:
        return None
    return TurnSpec(intent, tuple(cell.index for cell in chosen), code.index, raw)


def _from_first_step(source: str) -> str:
    match = _STEP_HEADING.search(source)
    return source if match is None else source[match.start() :]


def has_code(source: str) -> bool:
    """Whether a cell holds a line that is neither blank nor a comment."""
    return any(line.strip() and not line.strip().startswith("#") for line in source.split("\n"))


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]]*)\]\[[^\]]*\]")
_BARE_URL = re.compile(r"<?https?://\S+?>?(?=[\s)]|$)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_HEADING = re.compile(r"^\s*#+\s*")
_NUMBERING = re.compile(
    r"^(?:(?:step|ex(?:ercise)?|question|task|q)\s*\d+[a-z]?\s*[.:)\-\u2013\u2014]?|\d+[.)])\s*",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")


def clean_intent(markdown: str) -> str:
    """Markdown into a plain, one-line intent (see the module docstring); "" when nothing
    is left."""
    text = _IMAGE.sub("", markdown)
    text = _LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    lines = []
    for line in text.split("\n"):
        line = _HEADING.sub("", line)
        line = _EMPHASIS.sub(r"\2", line).strip().strip("*_").strip()
        line = _NUMBERING.sub("", line).strip()
        if line:
            lines.append(line)
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


_URL_LITERAL = re.compile(r"""(?P<quote>['"])(?P<url>(?:https?|ftp)://[^'"\s]+)(?P=quote)""")


def data_urls(code: str) -> list[str]:
    """URLs written as string literals in ``code``, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _URL_LITERAL.finditer(code):
        seen.setdefault(match["url"], None)
    return list(seen)


def rewrite_urls(code: str, local: Mapping[str, str]) -> str:
    """``code`` with each URL literal found in ``local`` replaced by its local path."""

    def replace(match: re.Match[str]) -> str:
        path = local.get(match["url"])
        if path is None:
            return match.group(0)
        return match["quote"] + path.replace("\\", "/") + match["quote"]

    return _URL_LITERAL.sub(replace, code)


def split_by_notebook(names: Iterable[str], test_fraction: float, seed: int = 0) -> dict[str, str]:
    """Each notebook name -> ``"train"`` or ``"test"``, deterministically.

    Names are ordered by a hash of ``(seed, name)`` and the first ``round(n * test_fraction)``
    go to test (at least one when ``0 < test_fraction`` and there are two or more notebooks;
    never all of them when ``test_fraction < 1``). The same names and seed always give the
    same split, whatever their order.
    """
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"the test fraction must be in [0, 1], not {test_fraction}")
    unique = sorted(set(names))
    ranked = sorted(unique, key=lambda name: hashlib.sha256(f"{seed}\0{name}".encode()).digest())
    count = round(len(unique) * test_fraction)
    if len(unique) >= 2 and test_fraction > 0:
        count = max(count, 1)
    if test_fraction < 1:
        count = min(count, max(len(unique) - 1, 0))
    test = set(ranked[:count])
    return {name: ("test" if name in test else "train") for name in unique}


KINDS: dict[str, tuple[str, ...]] = {
    "plotting": (".plot", "plt.", "sns.", ".hist(", ".bar(", "boxplot(", "scatter("),
    "merge": ("merge(", "concat(", ".join(", ".append("),
    "grouping": ("groupby(", "pivot_table(", "crosstab(", ".pivot(", ".agg(", "value_counts("),
    "time series": (
        "to_datetime",
        "resample(",
        "datetimeindex",
        ".dt.",
        "date_range(",
        "timestamp",
        "asfreq(",
        "rolling(",
        "to_period(",
        "weekday",
        ".year",
        ".month",
    ),
    "filtering": (".loc[", ".iloc[", ".query(", ".isin(", ".str.contains(", ".nlargest(",
                  ".head(", ".tail(", ".drop(", ".dropna(", ".between("),
}  # fmt: skip
_COMPARISON_INDEX = re.compile(r"\[[^\]\n]*(?:==|!=|>=|<=|<|>)[^\]\n]*\]")


def classify_reference(code: str) -> list[str]:
    """The kinds of task a reference solves, by keywords in its code (``["other"]`` if none).

    Kinds: filtering, grouping, merge, time series, plotting; a turn may have several.
    """
    lowered = code.lower()
    kinds = [kind for kind, words in KINDS.items() if any(word in lowered for word in words)]
    if "filtering" not in kinds and _COMPARISON_INDEX.search(code):
        kinds.append("filtering")
    return sorted(kinds) or ["other"]


def explained_steps(code: str, intent: str) -> list[Step]:
    """The reference as explained steps: its comments become step explanations; code without
    comments becomes one step per top-level statement, explained by what it keeps (an
    assignment), what it imports, or (the last expression) by the intent itself."""
    try:
        ast.parse(code)
    except SyntaxError:
        return [Step("", code.strip())]
    steps = split_into_steps(code)
    if any(step.explanation for step in steps):
        return steps
    statements = _statements(code)
    last = len(statements) - 1
    return [
        Step(_describe(node, intent if i == last else ""), text)
        for i, (node, text) in enumerate(statements)
    ]


def _statements(code: str) -> list[tuple[ast.stmt, str]]:
    lines = code.split("\n")
    tree = ast.parse(code)
    out = []
    for node in tree.body:
        end = node.end_lineno if node.end_lineno is not None else node.lineno
        out.append((node, "\n".join(lines[node.lineno - 1 : end]).strip()))
    return out


def _describe(node: ast.stmt, intent: str) -> str:
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = ", ".join(alias.asname or alias.name for alias in node.names)
        return f"Import {names}"
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return f"Compute {', '.join(ast.unparse(target) for target in targets)}"
    if intent:
        return intent.rstrip(" ?.!") if isinstance(node, ast.Expr) else intent
    return ""


def explained_text(steps: Sequence[Step]) -> str:
    """Steps written as the ``explained`` style writes a solution (without its header)."""
    parts = []
    for number, step in enumerate(steps, start=1):
        marker = f"# Step {number}: {step.explanation}".rstrip()
        parts.append(f"{marker}\n{step.code}")
    return "\n".join(parts)
