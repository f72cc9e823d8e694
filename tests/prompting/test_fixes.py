"""Fix requests: the failing code and its traceback become the intent the model gets."""

from __future__ import annotations

from jupyter_pachinco.prompting.fixes import fix_intent

TRACEBACK = (
    "\x1b[0;31mKeyError\x1b[0m                                  Traceback\n"
    "Cell In[3], line 1\n----> 1 sales['amout'].sum()\nKeyError: 'amout'"
)


def test_the_intent_holds_the_code_and_the_traceback_without_colours() -> None:
    intent = fix_intent("sales['amout'].sum()", TRACEBACK)
    assert "sales['amout'].sum()" in intent
    assert "KeyError: 'amout'" in intent
    assert "\x1b" not in intent
