"""The ARCADE evaluation harness: loading, scoring by execution, metrics and reports.

Modules are imported where they are used (``jupyter_pachinco.evaluation.scoring`` and so on),
so that importing the command line does not load pandas.
"""
