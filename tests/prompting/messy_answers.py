"""Messy answers in the habits of several model families, with the exact expected result.

Each case: the model's text, the expected steps as (explanation, code) pairs, and optionally
the expected full code and prose. The problem behind them all is the coffee-shop notebook's:
"Which barista sold the most cups on the weekend days?"
"""

from __future__ import annotations

from dataclasses import dataclass

W = 'weekend = sales[sales["day"].isin(["Sat", "Sun"])]'
C = 'cups = weekend.groupby("barista")["cups"].sum()'
A = "cups.idxmax()"
ONE_LINE = 'sales[sales["day"].isin(["Sat", "Sun"])].groupby("barista")["cups"].sum().idxmax()'
E1, E2, E3 = (
    "Keep the weekend days",
    "Add up the cups of each barista",
    "Take the barista with the most cups",
)
EXPLAINED = f"# Step 1: {E1}\n{W}\n# Step 2: {E2}\n{C}\n# Step 3: {E3}\n{A}"
STEPS = [(E1, W), (E2, C), (E3, A)]
PLAIN = f"{W}\n{C}\n{A}"
NEXT_CELL = "\n\n\n# In[ ]:\n\n\n# Problem: Which day had the highest revenue?\n\n\n# In[ ]:\n\n\n"


@dataclass(frozen=True)
class Messy:
    name: str
    text: str
    steps: list[tuple[str, str]]
    code: str | None = None
    prose: str | None = None


CASES = [
    # --- completion models continuing the answer cell (PaLM/PaChiNCo, CodeGen, StarCoder) ---
    Messy(
        "explained continuation runs into the next cell",
        EXPLAINED + NEXT_CELL + f"# Solution: Let's solve this problem step-by-step.\n{W}\n",
        STEPS,
        code=EXPLAINED,
        prose="",
    ),
    Messy("vanilla continuation", ONE_LINE + NEXT_CELL, [("", ONE_LINE)], code=ONE_LINE),
    Messy("stepwise continuation without comments", PLAIN + "\n", [("", PLAIN)], code=PLAIN),
    Messy(
        "first cell is only comments, the answer is the next one",
        "# Note: weekend means Saturday and Sunday here.\n\n\n# In[ ]:\n\n\n" + EXPLAINED,
        STEPS,
        code=EXPLAINED,
    ),
    Messy(
        "the same cell repeated",
        PLAIN + "\n\n\n# In[12]:\n\n\n" + PLAIN + "\n\n\n# In[13]:\n\n\n" + PLAIN,
        [("", PLAIN)],
        code=PLAIN,
    ),
    Messy(
        "truncated in the middle of a string",
        f'# Step 1: {E1}\n{W}\n# Step 2: {E2}\ncups = weekend.groupby("bar',
        [(E1, W)],
        code=f"# Step 1: {E1}\n{W}",
        prose="",
    ),
    Messy(
        "truncated inside a call spread over lines",
        f"# Step 1: {E1}\n{W}\n# Step 2: {E2}\ncups = weekend.pivot_table(\n"
        '    index="barista",\n    values=',
        [(E1, W)],
        code=f"# Step 1: {E1}\n{W}",
    ),
    Messy(
        "truncated in the middle of a step comment",
        f"# Step 1: {E1}\n{W}\n# Step 2: {E2}\n{C}\n# Step 3: Take the",
        [(E1, W), (E2, C)],
    ),
    Messy(
        "truncated after a for header",
        f"# Step 1: {E1}\n{W}\n# Step 2: Count by hand\ntotals = {{}}\n"
        "for _, row in weekend.iterrows():",
        [(E1, W), ("Count by hand", "totals = {}")],
    ),
    Messy("Windows newlines", EXPLAINED.replace("\n", "\r\n") + "\r\n", STEPS, code=EXPLAINED),
    Messy("old Mac newlines", EXPLAINED.replace("\n", "\r"), STEPS, code=EXPLAINED),
    Messy(
        "a line magic and a shell escape before the code",
        "%matplotlib inline\n!pip install pandas\n" + EXPLAINED,
        STEPS,
        code=EXPLAINED,
    ),
    Messy(
        "step comments in several spellings",
        f"# Step 1 - {E1}\n{W}\n# STEP 2. {E2}\n{C}\n# **Step 3:** {E3}\n{A}",
        STEPS,
    ),
    Messy(
        "numbered comments",
        f"# 1. {E1}\n{W}\n# 2) {E2}\n{C}\n# 3. {E3}\n{A}",
        STEPS,
    ),
    Messy(
        "plain comments above statements",
        f"# keep weekend rows\n{W}\n# total cups per barista, then the top one\n{C}\n{A}",
        [("keep weekend rows", W), ("total cups per barista, then the top one", f"{C}\n{A}")],
    ),
    Messy(
        "an explanation wrapped over two comment lines",
        f"# Step 1: Keep the rows of the weekend days, Saturday and\n# Sunday, when most cups"
        f" are sold.\n# (the shop is busiest then)\n{W}\n# Step 2: {E2}\n{C}\n# Step 3: {E3}\n{A}",
        [
            (
                "Keep the rows of the weekend days, Saturday and Sunday, when most cups are sold.",
                f"# (the shop is busiest then)\n{W}",
            ),
            (E2, C),
            (E3, A),
        ],
    ),
    Messy(
        "a step marker inside a loop is not a step",
        "# Step 1: Count cups by hand\ntotals = {}\nfor _, row in sales.iterrows():\n"
        "    # Step 1b: add this row\n"
        '    totals[row["barista"]] = totals.get(row["barista"], 0) + row["cups"]\n'
        "# Step 2: Take the top barista\nmax(totals, key=totals.get)",
        [
            (
                "Count cups by hand",
                "totals = {}\nfor _, row in sales.iterrows():\n    # Step 1b: add this row\n"
                '    totals[row["barista"]] = totals.get(row["barista"], 0) + row["cups"]',
            ),
            ("Take the top barista", "max(totals, key=totals.get)"),
        ],
    ),
    Messy(
        "a decorated helper",
        "# Step 1: Define a cached helper\nimport functools\n@functools.cache\ndef cups_of(name):\n"
        '    return int(sales.loc[sales["barista"] == name, "cups"].sum())\n'
        '# Step 2: Use it\ncups_of("Ana")',
        [
            (
                "Define a cached helper",
                "import functools\n@functools.cache\ndef cups_of(name):\n"
                '    return int(sales.loc[sales["barista"] == name, "cups"].sum())',
            ),
            ("Use it", 'cups_of("Ana")'),
        ],
    ),
    # --- chat models: fences and chatter (GPT, Claude, Llama, Mistral, Qwen, Gemma) ---
    Messy(
        "fence with prose before and after",
        f"Here's how you can find it:\n\n```python\n{EXPLAINED}\n```\n\n"
        "This returns the name of the barista who sold the most cups.",
        STEPS,
        code=EXPLAINED,
        prose="Here's how you can find it:\n\n"
        "This returns the name of the barista who sold the most cups.",
    ),
    Messy("fence without a language tag", f"```\n{PLAIN}\n```", [("", PLAIN)], code=PLAIN),
    Messy("fence tagged py", f"```py\n{EXPLAINED}\n```", STEPS, prose=""),
    Messy("fence tagged Python with spaces", f"```Python  \n{EXPLAINED}\n```  ", STEPS),
    Messy("tilde fence", f"~~~python\n{EXPLAINED}\n~~~", STEPS),
    Messy(
        "fence never closed (stream cut)",
        f"Sure:\n```python\n# Step 1: {E1}\n{W}\n# Step 2: {E2}\ncups = weekend.groupby(",
        [(E1, W)],
        code=f"# Step 1: {E1}\n{W}",
        prose="Sure:",
    ),
    Messy(
        "header and solution line restated inside the fence",
        "```python\n# In[ ]:\n\n# Solution: Let's solve this problem step-by-step.\n"
        f"{EXPLAINED}\n```",
        STEPS,
        code=EXPLAINED,
    ),
    Messy(
        "numbered list before the code",
        "To find this:\n\n1. Keep only the weekend days.\n2. Sum the cups per barista.\n"
        f"3. Pick the barista with the largest sum.\n\n```python\n{PLAIN}\n```",
        [
            ("Keep only the weekend days.", W),
            ("Sum the cups per barista.", C),
            ("Pick the barista with the largest sum.", A),
        ],
        code=PLAIN,
        prose="To find this:",
    ),
    Messy(
        "bullet list after the code",
        f"```python\n{PLAIN}\n```\n\nExplanation:\n- `weekend` keeps Saturday and Sunday rows.\n"
        "- `cups` sums the cups per barista.\n- `idxmax()` returns the top barista.",
        [
            ("`weekend` keeps Saturday and Sunday rows.", W),
            ("`cups` sums the cups per barista.", C),
            ("`idxmax()` returns the top barista.", A),
        ],
        prose="Explanation:",
    ),
    Messy(
        "a list that does not match the statements stays prose",
        f"1. Filter the weekend.\n2. Find the top barista.\n\n```python\n{PLAIN}\n```",
        [("", PLAIN)],
        prose="1. Filter the weekend.\n2. Find the top barista.",
    ),
    Messy(
        "one block per step under Markdown headings",
        f"### Step 1: {E1}\n```python\n{W}\n```\n\n### Step 2: {E2}\n```python\n{C}\n```\n\n"
        f"### Step 3: {E3}\n```python\n{A}\n```",
        STEPS,
        code=PLAIN,
        prose="",
    ),
    Messy(
        "blocks per step, then everything again",
        f"**Step 1:** {E1}:\n```python\n{W}\n```\n**Step 2: {E2}**\n```python\n{C}\n```\n"
        f"3. {E3}\n```python\n{A}\n```\n\nHere is the complete code:\n```python\n{PLAIN}\n```",
        STEPS,
        code=PLAIN,
        prose="Here is the complete code:",
    ),
    Messy(
        "blocks per step, then everything with an import",
        f"First:\n```python\n{W}\n```\nThen:\n```python\n{C}\n{A}\n```\n\nFull code:\n"
        f"```python\nimport pandas as pd\n\n{PLAIN}\n```",
        [("", f"import pandas as pd\n\n{PLAIN}")],
        code=f"import pandas as pd\n\n{PLAIN}",
        prose="First:\n\nThen:\n\nFull code:",
    ),
    Messy(
        "Markdown bullets with bold headings and indented fences",
        f"- **{E1}:**\n  ```python\n  {W}\n  ```\n- **Sum cups per barista:**\n  ```python\n"
        f"  {C}\n  {A}\n  ```",
        [(E1, W), ("Sum cups per barista", f"{C}\n{A}")],
        code=PLAIN,
    ),
    Messy(
        "the same block twice",
        f"```python\n{PLAIN}\n```\n\nOnce more, the code:\n```python\n{PLAIN}\n```",
        [("", PLAIN)],
        code=PLAIN,
        prose="Once more, the code:",
    ),
    Messy(
        "an alternative after the answer",
        f"```python\n{EXPLAINED}\n```\n\nAlternatively, in one line:\n\n```python\n{ONE_LINE}\n```",
        STEPS,
        code=EXPLAINED,
        prose="Alternatively, in one line:",
    ),
    Messy(
        "an untagged output block",
        f"```python\n{PLAIN}\n```\n\nOutput:\n```\n'Ana'\n```",
        [("", PLAIN)],
        prose="Output:\n\n```\n'Ana'\n```",
    ),
    Messy(
        "a text-tagged output block",
        f"```python\n{PLAIN}\n```\n```text\nAna\n```",
        [("", PLAIN)],
        prose="```text\nAna\n```",
    ),
    Messy(
        "interactive prompts with output",
        f">>> {W}\n>>> {C}\n>>> {A}\n'Ana'\n",
        [("", PLAIN)],
        code=PLAIN,
    ),
    Messy(
        "a stray prompt inside a fence",
        f"```python\n{W}\n>>> {C}\n{A}\n```",
        [("", PLAIN)],
        code=PLAIN,
    ),
    Messy(
        "unfenced code after chatter",
        f"Sure! Here is the code you asked for:\n{PLAIN}",
        [("", PLAIN)],
        code=PLAIN,
        prose="Sure! Here is the code you asked for:",
    ),
    Messy(
        "unfenced code before a closing remark",
        f"{EXPLAINED}\n\nThis gives the barista with the most weekend cups.",
        STEPS,
        code=EXPLAINED,
        prose="This gives the barista with the most weekend cups.",
    ),
    Messy(
        "a thinking section first (reasoning models)",
        f"<think>\nWeekend means Sat and Sun.\n```python\nsales[\n```\n</think>\n\n"
        f"```python\n{EXPLAINED}\n```",
        STEPS,
        prose="",
    ),
    Messy(
        "an end-of-turn token and text after it",
        f"```python\n{PLAIN}\n```<|im_end|>\nuser: thanks",
        [("", PLAIN)],
        prose="",
    ),
    Messy("CodeLlama tags", f"[PYTHON]\n{EXPLAINED}\n[/PYTHON]", STEPS, code=EXPLAINED),
    Messy(
        "an untagged block introduced with 'prints' before any code is code",
        f"This code prints the top barista:\n```\n{PLAIN}\n```",
        [("", PLAIN)],
        prose="This code prints the top barista:",
    ),
    Messy(
        "one block under a step heading takes the heading as its explanation",
        f"Here is how.\n\n### Step 1: Count rows per city\n\n```python\n{PLAIN}\n```",
        [("Count rows per city", PLAIN)],
        code=PLAIN,
        prose="Here is how.",
    ),
    Messy(
        "one block under a plain introduction keeps the introduction as prose",
        f"Here is the code:\n\n```python\n{PLAIN}\n```",
        [("", PLAIN)],
        code=PLAIN,
        prose="Here is the code:",
    ),
    Messy("empty answer", "", [], code="", prose=""),
    Messy(
        "a refusal",
        "I'm sorry, but I can't see your data.",
        [],
        code="",
        prose="I'm sorry, but I can't see your data.",
    ),
]
