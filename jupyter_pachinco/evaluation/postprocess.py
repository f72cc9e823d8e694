"""ARCADE's ``extract_first_cell_block`` post-processing of model output (FORMAT.md E1).

A completion model continues the notebook past its answer, writing more ``# In[ ]:`` cells.
The text is split on the literal ``# In[ ]:`` (a numbered ``# In[3]:`` header does not split,
as in the official evaluator); the answer is the first piece holding a line that, stripped, is
non-empty and starts with neither ``#`` nor ``%``, with its outer whitespace stripped. With no
such piece the answer is the empty program. Nothing else is removed: a ``%magic`` line inside
the kept piece stays, and is a syntax error when the answer runs.
"""

from __future__ import annotations

from ..context.cells import CELL_MARKER as CELL_DELIMITER
from ..prompting.answer_text import is_code_line


def split_cells(text: str) -> list[str]:
    """The pieces of ``text`` between literal ``# In[ ]:`` delimiters, in order."""
    return text.split(CELL_DELIMITER)


def extract_first_cell(text: str) -> str:
    """E1: the first piece with a line of code, stripped; ``""`` when there is none."""
    for cell in split_cells(text):
        if any(is_code_line(line) for line in cell.strip().split("\n")):
            return cell.strip()
    return ""
