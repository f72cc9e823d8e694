"""The ARCADE evaluation harness: loading, scoring by execution, metrics and reports.

- `dataset`: dataset and predictions files; `generate`, `generate_cli`: ``eval generate``;
- `options`: `ScoringOptions`; `scoring`: ``eval score`` by execution, with `arcade_run` (one
  program run as the official evaluator runs it), `judging` (targets and verdicts),
  `postprocess` (first-cell extraction) and `summary` (the ``R.json`` report);
- `metrics`: pass@k, accuracy@k, maj@1; `report`, `breakdown`: HTML and per-kind reports;
- `cli`: ``jupyter-pachinco eval``; `progress`, `errors`;
- `mining`: ``eval mine``, real notebooks into a benchmark.

Modules are imported where they are used (``jupyter_pachinco.evaluation.scoring`` and so on),
so that importing the command line does not load pandas.
"""
