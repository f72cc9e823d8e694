"""extract_first_cell_block (FORMAT.md E1): the answer is the first cell with a line of code."""

from __future__ import annotations

from jupyter_pachinco.evaluation.postprocess import extract_first_cell, split_cells


def test_text_without_headers_is_one_cell() -> None:
    assert extract_first_cell("x = 1\nx") == "x = 1\nx"


def test_stops_at_the_next_cell_header() -> None:
    text = "df.head()\n\n\n# In[ ]:\n\n\nprint('more')\n"
    assert extract_first_cell(text) == "df.head()"


def test_skips_cells_of_only_comments_and_magics() -> None:
    text = "# Step 1: think\n%matplotlib inline\n\n# In[ ]:\n\n\nresult = df.sum()\n# In[ ]:\nz"
    assert extract_first_cell(text) == "result = df.sum()"


def test_all_comment_text_is_the_empty_program() -> None:
    assert extract_first_cell("# nothing\n# In[ ]:\n# more") == ""


def test_only_the_literal_header_splits_cells() -> None:
    assert split_cells("a\n# In[12]:\nb\n# In[ ]:\nc") == ["a\n# In[12]:\nb\n", "\nc"]
