"""What the scripted model answers in the browser tests, chosen by the request's problem line.

Each browser test asks its own intent; the rule whose text occurs in the request's last user
message answers it (the chat prompt ends with ``Problem: <intent>``; a fix request carries the
failing code and its error). The answers are written in the format the explained style asks
for, and streamed in small pieces like a real model's. The intents are repeated in
``tests/scripted.ts``, where the browser tests read them.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.agent import task as agent_task  # noqa: E402
from tests.support.fake_openai import Behaviour, Rule  # noqa: E402


def pieces(text: str, size: int = 12) -> tuple[str, ...]:
    """The text in streamed pieces of `size` characters."""
    return tuple(text[start : start + size] for start in range(0, len(text), size))


def explained(*steps: tuple[str, str]) -> str:
    """An answer in the explained style's format: one fenced block, each step's code after
    its ``# Step k:`` comment (see ``PROMPT_STYLES["explained"].chat_answer``)."""
    body = "".join(f"# Step {k}: {say}\n{code}\n" for k, (say, code) in enumerate(steps, 1))
    return f"```python\n{body}```\n"


def answer(text: str, *, delay_s: float = 0.0) -> tuple[Behaviour, ...]:
    return (Behaviour(words=pieces(text), delay_s=delay_s),)


# The quickstart notebook's first suggestion, answered correctly (the README's screenshots).
QUICKSTART_INTENT = "average fare per passenger class, as a percentage of the overall average"
QUICKSTART_ANSWER = explained(
    (
        "Average the fare within each passenger class",
        'class_fare = passengers.groupby("pclass")["fare"].mean()',
    ),
    (
        "Divide by the overall average fare, as a percentage",
        '(class_fare / passengers["fare"].mean() * 100).round(1)',
    ),
)

# `notebookWith` in tests/helpers.ts: orders with price [3.0, 5.0, 10.0], city [Paris, Lyon, Paris].
CITY_AVERAGE = explained(
    ("Group the orders by city", "by_city = orders.groupby('city')['price']"),
    ("Average the price in each group", "by_city.mean()"),
)
TOTAL = explained(("Add up the prices", "orders['price'].sum()"))

# Four candidates for one request: two agree (Paris), one differs (Lyon), one raises.
RANKED_STEPS = (
    ("Take the city of the dearest order", "orders.loc[orders['price'].idxmax(), 'city']"),
    ("Sort by price and take the last city", "orders.sort_values('price')['city'].iloc[-1]"),
    ("Take the first city in alphabetical order", "orders['city'].min()"),
    ("Use the cost column", "orders['cost'].idxmax()"),
)
RANKED = (Behaviour(choices=tuple(pieces(explained(step)) for step in RANKED_STEPS)),)

# An answer whose code raises (no column `prices`), and its correction.
BROKEN = explained(("Add the tax to each price", "orders['prices'] * 1.2"))
FIXED = explained(("Add the tax to each price (the column is `price`)", "orders['price'] * 1.2"))

SLOW = "```python\n# Step 1: Count the orders slowly\n" + "".join(
    f"word{k} = {k}\n" for k in range(400)
)

XSS_ANSWER = (
    "### Step 1: Look at the data <img src=x onerror=\"window.__xss='img'\"> first\n\n"
    "```python\nfirst = orders.head()\n```\n\n"
    "### Step 2: Count the rows <script>window.__xss='script'</script>\n\n"
    "```python\nlen(first)\n```\n\n"
    "That is all.\n"
)

# A reasoning model: its thinking (with a draft that is not the answer) in the server's
# reasoning field, then the answer.
THINKING = (
    "The user wants the mean price. A first draft:\n"
    "```python\ndraft_total = orders['price'].sum()\n```\n"
    "No: that is the total. The mean is what they asked for."
)
THOUGHTFUL = (
    Behaviour(
        words=pieces(explained(("Average the prices", "orders['price'].mean()"))),
        reasoning=pieces(THINKING),
    ),
)

NO_RULE = "This request matched no scripted rule: no code here."

# The model picker's test: each scripted server says which one it is.
WHICH_MODEL_INTENT = "which model answers"
FIRST_SERVER = explained(("Say which server answers", "'the first scripted server'"))
SECOND_SERVER = explained(("Say which server answers", "'the second scripted server'"))

# A long answer streamed for a while (the narrow sidebar's header and input stay put), with a
# long line of code (it scrolls sideways instead of wrapping).
LONG_ANSWER = explained(
    *(
        (
            f"Look at step {k} of the orders",
            f"step_{k} = orders.assign(price_with_tax=orders['price'] * 1.2, "
            "city_upper=orders['city'].str.upper())",
        )
        for k in range(1, 16)
    ),
    ("Show the last step", "step_15"),
)

# "Solve this markdown cell" with the sidebar closed: slow enough to watch its progress.
GENTLE_TOTAL = explained(
    ("Take the prices", "prices = orders['price']"),
    ("Add them up", "prices.sum()"),
)

# The agent's acceptance task of tests/agent/ (task.py), through `%%pachinco --agent` in the
# browser (the README's picture of a run): a plan of three steps, the code of each, and the
# repair of step 2, whose first answer misspells a column. Every request of the run also says
# "Problem: <task>", so the steps and the repair come before the plan, each told apart by the
# line that asks for that step's code (or by the traceback that only the repair carries).
AGENT_INTENT = agent_task.TASK
AGENT_REPAIR = "KeyError: 'Column not found: per_persn'"


def agent_step(number: int) -> str:
    """What a step request of the agent's task ends with: the plan's text of that step."""
    text = agent_task.PLAN[number - 1].split(". ", 1)[1].strip()
    return f"Write the code for step {number} only: {text}"


AGENT_RULES: tuple[Rule, ...] = (
    Rule(AGENT_REPAIR, (Behaviour(words=agent_task.STEP_2_FIXED),)),
    Rule(agent_step(3), (Behaviour(words=agent_task.STEP_3),)),
    Rule(agent_step(2), (Behaviour(words=agent_task.STEP_2_WRONG),)),
    Rule(agent_step(1), (Behaviour(words=agent_task.STEP_1),)),
    Rule(f"Problem: {AGENT_INTENT}", (Behaviour(words=agent_task.PLAN),)),
)

# The agent in the sidebar (agent.spec.ts): the same first two steps (so the same answers and
# the same repair), then a table and a bar chart, and a fifth step that writes a file, which the
# test deletes from the plan before Go (were it asked for, its rule would show in the log).
SIDEBAR_AGENT_INTENT = "mean fare per person in each class, as a table and a chart"
SIDEBAR_AGENT_PLAN = (
    *agent_task.PLAN[:2],
    "3. Put the averages in a table, highest first.\n",
    "4. Draw the averages as a bar chart.\n",
    "5. Save the chart to a file.\n",
)
SIDEBAR_TABLE = (
    "A table.\n",
    "```python\n",
    "table = means.sort_values(ascending=False).reset_index()\n",
    "table\n",
    "```\n",
)
SIDEBAR_CHART = (
    "A chart.\n",
    "```python\n",
    "ax = table.plot.bar(x='pclass', y='per_person', title='Mean fare per person')\n",
    "```\n",
)
SIDEBAR_SAVE = ("Save.\n", "```python\n", "ax.figure.savefig('chart.png')\n", "```\n")
# A run to stop: its second step's model is slow (a piece every half second).
SLOW_AGENT_INTENT = "mean fare per person in each passenger class, without hurry"
SLOW_AGENT_PLAN = (
    agent_task.PLAN[0],
    "2. Average the per-person fare within each class, without hurry.\n",
)


def plan_step(number: int, plan: tuple[str, ...]) -> str:
    """What a step request ends with for step `number` of `plan`."""
    text = plan[number - 1].split(". ", 1)[1].strip()
    return f"Write the code for step {number} only: {text}"


SIDEBAR_AGENT_RULES: tuple[Rule, ...] = (
    Rule(plan_step(3, SIDEBAR_AGENT_PLAN), (Behaviour(words=SIDEBAR_TABLE),)),
    Rule(plan_step(4, SIDEBAR_AGENT_PLAN), (Behaviour(words=SIDEBAR_CHART),)),
    Rule(plan_step(5, SIDEBAR_AGENT_PLAN), (Behaviour(words=SIDEBAR_SAVE),)),
    Rule(
        plan_step(2, SLOW_AGENT_PLAN),
        (Behaviour(words=pieces("".join(agent_task.STEP_2_FIXED), 2), delay_s=0.5),),
    ),
)
#: After every step rule: each step request also says "Problem: <task>".
SIDEBAR_AGENT_PLANS: tuple[Rule, ...] = (
    Rule(f"Problem: {SIDEBAR_AGENT_INTENT}", (Behaviour(words=SIDEBAR_AGENT_PLAN),)),
    Rule(f"Problem: {SLOW_AGENT_INTENT}", (Behaviour(words=SLOW_AGENT_PLAN),)),
)

#: First match wins: the fix rule comes before the intents its prompt may quote.
RULES: tuple[Rule, ...] = (
    *SIDEBAR_AGENT_RULES,
    *AGENT_RULES,
    *SIDEBAR_AGENT_PLANS,
    Rule("KeyError: 'prices'", answer(FIXED)),
    Rule(f"Problem: {QUICKSTART_INTENT}", answer(QUICKSTART_ANSWER)),
    # Paced, so that the browser sees the answer grow (the conversation test checks it).
    Rule("Problem: average price per city", answer(CITY_AVERAGE, delay_s=0.1)),
    Rule("Problem: total price", answer(TOTAL)),
    Rule("Problem: city of the most expensive order", RANKED),
    Rule("Problem: price with tax", answer(BROKEN)),
    Rule("Problem: count the orders slowly", answer(SLOW, delay_s=0.25)),
    Rule("Problem: show the data", answer(XSS_ANSWER)),
    Rule("Problem: mean price, after some thought", THOUGHTFUL),
    Rule(f"Problem: {WHICH_MODEL_INTENT}", answer(FIRST_SERVER)),
    Rule("Problem: a long answer, please", answer(LONG_ANSWER, delay_s=0.05)),
    Rule("Problem: tally the orders gently", answer(GENTLE_TOTAL, delay_s=0.4)),
)

#: The second scripted server, for the model picker: it answers only which one it is.
SECOND_RULES: tuple[Rule, ...] = (Rule(f"Problem: {WHICH_MODEL_INTENT}", answer(SECOND_SERVER)),)

DEFAULT: list[Behaviour] = [Behaviour(words=(NO_RULE,))]
