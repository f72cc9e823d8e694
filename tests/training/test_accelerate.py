"""The same entry point under ``accelerate launch``: two CPU processes (gloo), one adapter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.timeout(900)
def test_two_processes_under_accelerate_launch_finish_with_one_adapter(
    tiny_model_dir: Path, completion_examples: Path, tmp_path: Path
) -> None:
    output = tmp_path / "run"
    command = [
        str(Path(sys.executable).with_name("accelerate")),
        "launch",
        # torchrun's launcher; on a machine without CUDA each process trains on CPU over gloo
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "jupyter_pachinco.training",
        "--base",
        str(tiny_model_dir),
        "--examples",
        str(completion_examples),
        "--output",
        str(output),
        "--batch-size",
        "2",
        "--max-steps",
        "2",
        "--save-steps",
        "2",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=840, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert sorted(
        p.relative_to(output).as_posix() for p in output.rglob("adapter_model.safetensors")
    ) == [
        "adapter_model.safetensors",
        "checkpoint-2/adapter_model.safetensors",
    ]
    # each of the two processes saved its random state in the checkpoint
    assert sorted(p.name for p in (output / "checkpoint-2").glob("rng_state*.pth")) == [
        "rng_state_0.pth",
        "rng_state_1.pth",
    ]
