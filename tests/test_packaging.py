"""The wheel from `python -m build` works in a fresh virtualenv with no other step."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _fresh_copy_of_tracked_files(target: Path) -> Path:
    """What a clone would hold: the tracked files and nothing built."""
    listed = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_built_wheel_enables_both_extensions_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    source = _fresh_copy_of_tracked_files(tmp_path / "source")
    _run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", source, cwd=source)
    wheels = list((tmp_path / "dist").glob("jupyter_pachinco-*.whl"))
    assert len(wheels) == 1, wheels

    env_dir = tmp_path / "fresh-env"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    _run(bin_dir / "python", "-m", "pip", "install", "-q", wheels[0])

    labextensions = _run(bin_dir / "jupyter", "labextension", "list")
    line = next(ln for ln in labextensions.splitlines() if "jupyter-pachinco" in ln)
    assert "enabled" in line
    assert "OK" in line
    assert "(python, jupyter_pachinco)" in line

    server_extensions = _run(bin_dir / "jupyter", "server", "extension", "list")
    line = next(
        ln for ln in server_extensions.splitlines() if ln.strip().startswith("jupyter_pachinco")
    )
    assert "enabled" in line
