"""Static detection of candidates that would act outside their process, and the run-time guard."""

from __future__ import annotations

import pytest

from jupyter_pachinco.execution.forks import Limits
from jupyter_pachinco.execution.kernel_trials import trial_run, written_names
from jupyter_pachinco.execution.side_effects import find_side_effects


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("open('out.txt', 'w').write('x')", "writes or deletes files"),
        ("with open(name, mode) as f:\n    pass", "writes or deletes files"),
        ("import os\nos.remove('data.csv')", "writes or deletes files"),
        ("from pathlib import Path\nPath('x').unlink()", "writes or deletes files"),
        ("out_path.rename('y')", "writes or deletes files"),
        ("df.to_csv('out.csv')", "writes or deletes files"),
        ("df.to_parquet(buffer)", "writes or deletes files"),
        ("import shutil\nshutil.rmtree('d')", "writes or deletes files"),
        ("import os\nwhile True:\n    os.fork()", "starts processes"),
        ("import subprocess\nsubprocess.run(['ls'])", "starts processes"),
        ("from os import system\nsystem('ls')", "starts processes"),
        ("!ls\nimport os\nos.system('ls')", "starts processes"),
        ("import requests\nrequests.get(url)", "opens network connections"),
        ("pd.read_csv('https://example.org/a.csv')", "opens network connections"),
        ("eval(text)", "runs code it builds at run time"),
    ],
)
def test_side_effects_are_found(code: str, reason: str) -> None:
    assert any(found.startswith(reason) for found in find_side_effects(code))


@pytest.mark.parametrize(
    "code",
    [
        "df.rename(columns={'a': 'b'})",
        "df['name'].str.replace('a', 'b')",
        "df.replace(0, 1)",
        "df.to_csv()",
        "df.to_json(orient='records')",
        "pd.read_csv('data.csv')",
        "open('data.csv').read()",
        "df.eval('a + b')",
        "import re\nre.compile('x')",
        "df.groupby('a').agg(total=('b', 'sum'))",
        "def broken(:",
    ],
)
def test_ordinary_pandas_code_is_left_alone(code: str) -> None:
    assert find_side_effects(code) == []


def test_written_names_are_the_answer_of_cells_without_an_expression() -> None:
    code = "df['a'] = 0\nother.drop(columns=['b'], inplace=True)\nx: int = 1\ntotal += 2\nf(y)"
    assert written_names(code) == ["df", "other", "x", "total"]


def test_hidden_side_effects_are_refused_at_run_time(tmp_path: object) -> None:
    import os

    namespace = {"os": os, "folder": str(tmp_path)}
    codes = [
        "getattr(os, 'sys' + 'tem')('true')",
        "import builtins\ngetattr(builtins, 'op' + 'en')(folder + '/w.txt', 'w')",
        "getattr(os, 'mk' + 'dir')(folder + '/d')",
        "import importlib\n"
        "importlib.import_module('soc' + 'ket').create_connection(('localhost', 9))",
        "len(os.listdir(folder))",
    ]
    runs = trial_run(namespace, codes, Limits(wall_time_s=10.0, memory_bytes=1024**3))
    assert [run.status for run in runs] == ["error", "error", "error", "error", "ok"]
    assert all("a trial run may not do this" in (run.error or "") for run in runs[:4])
    assert runs[4].preview == "0"
    assert os.listdir(str(tmp_path)) == []
