"""The acceptance task, shared by the server, magic and harness tests: three steps, the second
of which first raises, scripted for the real-protocol model server (tests/support/fake_openai.py).

Requests are told apart by the text of their last user message (`Rule`s, first match wins):
the repair of step 2 (it carries the failing code and its traceback), each step, and, by
default, the plan.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.support.fake_openai import Behaviour, Rule

SETUP = (
    "import pandas as pd\n"
    "fares = pd.DataFrame({'pclass': [1, 3, 1, 2], 'fare': [71.0, 7.0, 50.0, 20.0],"
    " 'people': [1, 2, 2, 1]})"
)
TASK = "mean fare per person in each passenger class, highest first"

PLAN = (
    "1. Work out the fare each person paid: the fare divided by the party's size.\n",
    "2. Average that per-person fare within each passenger class.\n",
    "3. Sort the averages from highest to lowest.\n",
)
STEP_1 = (
    "Divide.\n",
    "```python\n",
    "fares['per_person'] = fares['fare'] / fares['people']\n",
    "```\n",
)
# The first answer for step 2 misspells the new column: a KeyError on the scratch copy.
STEP_2_WRONG = (
    "Group.\n",
    "```python\n",
    "means = fares.groupby('pclass')['per_persn'].mean()\n",
    "means\n",
    "```\n",
)
STEP_2_FIXED = (
    "Fixed.\n",
    "```python\n",
    "means = fares.groupby('pclass')['per_person'].mean()\n",
    "means\n",
    "```\n",
)
STEP_3 = ("Sort.\n", "```python\n", "means.sort_values(ascending=False)\n", "```\n")

REPAIR_MARK = "Your last code for step 2 failed"
#: The final value, as ``Series.to_dict()``: class 1 (35.5 + 25) / 2, class 2 20, class 3 3.5.
FINAL = {1: 48.0, 2: 20.0, 3: 3.5}


def rules() -> tuple[Rule, ...]:
    def answer(words: tuple[str, ...]) -> tuple[Behaviour, ...]:
        return (Behaviour(words=words),)

    return (
        Rule(REPAIR_MARK, answer(STEP_2_FIXED)),
        Rule("Write the code for step 3 only", answer(STEP_3)),
        Rule("Write the code for step 2 only", answer(STEP_2_WRONG)),
        Rule("Write the code for step 1 only", answer(STEP_1)),
    )


def plan_script() -> list[Behaviour]:
    """The default script: every request no rule matches is the plan's."""
    return [Behaviour(words=PLAN)]


def descendants(pid: int) -> list[int]:
    """Every live process whose parent chain leads to ``pid`` (zombies included)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    waiting = list(children.get(pid, []))
    while waiting:
        child = waiting.pop()
        found.append(child)
        waiting.extend(children.get(child, []))
    return found


def process_exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


#: A digest of each user variable, computed in the kernel (a user expression: no history).
DIGESTS = (
    "(lambda h, p: {k: h.sha256(p.dumps(v)).hexdigest() for k, v in globals().items()"
    " if not k.startswith('_') and k not in ('In', 'Out', 'get_ipython', 'exit', 'quit')"
    " and type(v).__name__ != 'module' and not callable(v)})"
    "(__import__('hashlib'), __import__('pickle'))"
)


def code_cells(cells: list[dict[str, Any]]) -> list[str]:
    return [cell["source"] for cell in cells if cell["cell_type"] == "code"]
