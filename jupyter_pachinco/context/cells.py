"""Notebook cells as model context: a structured form for chat prompts and ARCADE's text form.

The text form follows ARCADE (nbconvert's Python export): every cell is preceded by ``# In[ ]:``
and two blank lines and followed by two blank lines; markdown (and raw) cells become comment
lines with a ``# `` prefix; a prompt ends with a fresh ``# In[ ]:`` header for the model to
continue. Magics (``%%bash``, ``!pip``) are kept verbatim, as a notebook reader sees them.

Cells come from nbformat v4 notebooks that may be damaged or hand-made, so every field is read
defensively: a missing or invalid field gives an empty value, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypedDict

from .safe_text import comment_lines

CellType = Literal["code", "markdown", "raw"]

# The cell header of a notebook exported as a Python script (nbconvert), as ARCADE writes it.
CELL_MARKER = "# In[ ]:"
CELL_HEADER = CELL_MARKER + "\n"
TRUNCATION_MARKER = "# [... cell truncated: {chars} more characters not shown ...]"
OUTPUT_TRUNCATION_MARKER = "[... output truncated ...]"
MAX_OUTPUT_CHARS = 500


class ContextCell(TypedDict):
    """One notebook cell as the model sees it.

    ``outputs`` holds short text outputs only (streams, ``text/plain`` results, error names),
    never images or other binary data; ``cell_magic`` names a cell magic such as ``bash``.
    """

    cell_type: CellType
    source: str
    outputs: list[str]
    cell_magic: str | None


def structure_cells(
    cells: Iterable[object],
    *,
    include_outputs: bool = False,
    max_output_chars: int = MAX_OUTPUT_CHARS,
) -> list[ContextCell]:
    """Normalize nbformat v4 cells into ``ContextCell`` dicts, dropping empty cells.

    Anything that is not a mapping is dropped; an unknown ``cell_type`` is treated as raw.
    """
    structured: list[ContextCell] = []
    for cell in cells:
        if not isinstance(cell, Mapping):
            continue
        source = source_text(cell.get("source"))
        if not source.strip():
            continue
        outputs = _text_outputs(cell.get("outputs"), max_output_chars) if include_outputs else []
        cell_type = _cell_type(cell.get("cell_type"))
        structured.append(
            {
                "cell_type": cell_type,
                "source": source,
                "outputs": outputs if cell_type == "code" else [],
                "cell_magic": _cell_magic(source) if cell_type == "code" else None,
            }
        )
    return structured


def linearize_cells(
    cells: Iterable[object],
    *,
    include_outputs: bool = False,
    end_with_header: bool = True,
    max_output_chars: int = MAX_OUTPUT_CHARS,
) -> str:
    """Cells (nbformat dicts or ``ContextCell``s) as ARCADE prompt text.

    With ``end_with_header`` the text ends with a fresh ``# In[ ]:`` header, as a completion
    prompt does; outputs, when included, follow their code as ``# Output:`` comment lines.
    """
    structured = structure_cells(
        cells, include_outputs=include_outputs, max_output_chars=max_output_chars
    )
    text = "".join(format_cell(cell) for cell in structured)
    return text + CELL_HEADER if end_with_header else text


def format_cell(cell: ContextCell) -> str:
    """One cell in ARCADE's text form, header and trailing blank lines included."""
    body = cell["source"].rstrip()
    if cell["cell_type"] != "code":
        body = comment_lines(body)
    if cell["outputs"]:
        body += "\n\n# Output:\n" + comment_lines("\n".join(cell["outputs"]).rstrip())
    return f"{CELL_HEADER}\n\n{body}\n\n\n"


def truncate_source(source: str, max_chars: int) -> str:
    """At most ``max_chars`` of ``source``, cut after a whole line where there is one, then a
    visible marker line saying how much was left out."""
    text = source.rstrip()
    if len(text) <= max_chars:
        return text
    kept = text[: max(max_chars, 0)]
    line_end = kept.rfind("\n")
    if line_end > 0:
        kept = kept[:line_end]
    marker = TRUNCATION_MARKER.format(chars=len(text) - len(kept))
    return f"{kept.rstrip()}\n{marker}" if kept.strip() else marker


def source_text(source: object) -> str:
    """nbformat allows a string or a list of strings; anything else counts as empty."""
    if isinstance(source, str):
        return source
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return ""


def _cell_type(value: object) -> CellType:
    if value == "code" or value == "markdown":
        return value
    return "raw"


def _cell_magic(source: str) -> str | None:
    first = source.lstrip().split("\n", 1)[0]
    if first.startswith("%%") and len(first) > 2:
        return first[2:].split()[0] if first[2:].split() else None
    return None


def _text_outputs(outputs: object, max_chars: int) -> list[str]:
    if not isinstance(outputs, list):
        return []
    texts = [text for text in (_output_text(output) for output in outputs) if text]
    joined = "\n".join(texts)
    if len(joined) <= max_chars:
        return texts
    return [joined[:max_chars].rstrip() + "\n" + OUTPUT_TRUNCATION_MARKER]


def _output_text(output: object) -> str:
    if not isinstance(output, Mapping):
        return ""
    kind = output.get("output_type")
    if kind == "stream":
        return source_text(output.get("text")).rstrip("\n")
    if kind in ("execute_result", "display_data"):
        data = output.get("data")
        if isinstance(data, Mapping):
            return source_text(data.get("text/plain")).rstrip("\n")
    if kind == "error":
        return f"{_plain(output.get('ename'))}: {_plain(output.get('evalue'))}"
    return ""


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else ""
