"""``eval mine``: real notebooks into an ARCADE benchmark, training examples and a report.

- `notebooks`: the pure logic: turns found in cells, intents cleaned, data URLs, the split by
  notebook, kinds of task, references as explained steps;
- `run`: one notebook's data, work folder and execution (in `child`, a subprocess with a
  per-cell time limit: ``python -m jupyter_pachinco.evaluation.mining.child``);
- `episode`: one notebook's kept turns as an ARCADE episode, and the turns excluded;
- `exclusions`: why a turn is excluded: one ordered list of named checks, each with a typed
  `Reason`;
- `check`: the last gate, keeping only turns that ``eval score`` itself can judge;
- `examples`: training examples from the kept turns (``--examples``);
- `summary`: ``mining_report.json``, its printed summary and the prompts' inputs;
- `cli`: the ``jupyter-pachinco eval mine`` command line.

Nothing is imported here: the command line and the child process load only what they use.
"""
