"""ARCADE's ``extract_first_cell_block`` post-processing of model output.

A completion model continues the notebook past its answer, writing more ``# In[ ]:`` cells.
The answer is the first cell holding a line that is neither blank, a comment nor a ``%``
magic; cells made only of comments (an explanation, a restated problem) are skipped.
"""

from __future__ import annotations

import re

_CELL_HEADER = re.compile(r"^\s*#\s*In\[[^\]]*\]:\s*$")


def split_cells(text: str) -> list[str]:
    """The text between ``# In[ ]:`` headers, in order (the part before the first one too)."""
    cells: list[list[str]] = [[]]
    for line in text.split("\n"):
        if _CELL_HEADER.match(line):
            cells.append([])
        else:
            cells[-1].append(line)
    return ["\n".join(lines).strip("\n") for lines in cells]


def is_code_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "%"))


def extract_first_cell(text: str) -> str:
    """The answer cell of a completion: the first cell with a line of code in it."""
    cells = split_cells(text)
    for cell in cells:
        if any(is_code_line(line) for line in cell.split("\n")):
            return cell
    return cells[0]
