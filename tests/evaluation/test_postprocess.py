"""extract_first_cell_block: the answer is the first cell with a line of code."""

from __future__ import annotations

from jupyter_pachinco.evaluation.postprocess import extract_first_cell, split_cells


def test_text_without_headers_is_one_cell() -> None:
    assert extract_first_cell("x = 1\nx") == "x = 1\nx"


def test_stops_at_the_next_cell_header() -> None:
    text = "df.head()\n\n\n# In[ ]:\n\n\nprint('more')\n"
    assert extract_first_cell(text) == "df.head()"


def test_skips_cells_of_only_comments_and_magics() -> None:
    text = "# Step 1: think\n%matplotlib inline\n\n# In[ ]:\n\n\nresult = df.sum()\n# In[5]:\nz"
    assert extract_first_cell(text) == "result = df.sum()"


def test_all_comment_text_keeps_its_first_cell() -> None:
    assert extract_first_cell("# nothing\n# In[ ]:\n# more") == "# nothing"


def test_numbered_headers_split_cells() -> None:
    assert split_cells("a\n# In[12]:\nb\n#In[ ]:\nc") == ["a", "b", "c"]
