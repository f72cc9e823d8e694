"""SmolLM2-135M-Instruct, the same GGUF weights in llama.cpp and in transformers (dequantized).

Each engine runs in its own subprocess (``--engine llamacpp|transformers``), so that its peak
resident memory is its own; the parent (`measure_engines`) collects the figures. Per engine:
time to first token, decode tokens/s (tokens after the first, over the time after the first),
peak RSS, and greedy decoding with and without prompt-lookup decoding on prompts whose answer
copies from the context (whether the outputs are identical is reported with the speed).
`measure_relay` times ``POST /pachinco/generate`` of a real Jupyter server on the llama.cpp
backend against the same prompt through the backend alone, per token.

Used by ``bench_backends.py``; run alone for the engine figures only:
``.venv/bin/python benchmarks/bench_gguf.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_pachinco.backends import ChatMessage, GenerationRequest, TextDelta
from jupyter_pachinco.backends.protocol import Backend
from tests.support.smollm2 import smollm2_gguf

QUESTION = (
    ChatMessage(
        "user",
        "Write a pandas function that loads sales.csv, drops rows without a city, and returns "
        "the mean total per city, sorted from largest to smallest. Explain each step.",
    ),
)
DECODE_TOKENS = 128
# Answers that copy from the prompt: the code asked for repeats the code given, renamed.
COPY_PROMPTS = [
    (
        ChatMessage(
            "user",
            "Here is my code:\n```python\nimport pandas as pd\n"
            f"{f} = pd.read_csv('{f}.csv')\n{f} = {f}.dropna(subset=['{a}'])\n"
            f"summary = {f}.groupby('{a}')['{b}'].agg(['mean', 'sum', 'count'])\n"
            f"summary = summary.sort_values('mean', ascending=False)\n"
            f"summary.to_csv('{f}_summary.csv')\n```\n"
            "Repeat this code exactly, in one python block, with no other text.",
        ),
    )
    for f, a, b in [("sales", "city", "total"), ("people", "country", "age")]
]
COPY_TOKENS = 96


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


async def _timed(backend: Backend, request: GenerationRequest) -> tuple[float, float, int, str]:
    """Seconds to the first token, seconds after it, completion tokens, text."""
    started = time.perf_counter()
    first: float | None = None
    generation = backend.generate(request)
    async for event in generation:
        if isinstance(event, TextDelta) and first is None:
            first = time.perf_counter()
    ended = time.perf_counter()
    tokens = generation.usages[0].completion_tokens or 0
    first = first if first is not None else ended
    return first - started, ended - first, tokens, generation.texts[0]


def _build(engine: str, gguf: Path, folder: Path, lookup: bool) -> Backend:
    if engine == "llamacpp":
        from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend(str(gguf), n_ctx=2048, prompt_lookup=lookup)
    from jupyter_pachinco.backends.transformers_backend import TransformersBackend

    return TransformersBackend(str(folder), device="cpu", dtype="float32", prompt_lookup=lookup)


def dequantize(gguf: Path, folder: Path) -> Path:
    """The GGUF's weights as a transformers folder (transformers' own GGUF reader)."""
    if not (folder / "config.json").exists():
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    return folder


async def _engine_figures(engine: str, gguf: Path, folder: Path, rounds: int) -> dict[str, Any]:
    plain = _build(engine, gguf, folder, lookup=False)
    request = GenerationRequest(messages=QUESTION, max_new_tokens=DECODE_TOKENS)
    await _timed(plain, GenerationRequest(messages=QUESTION, max_new_tokens=4))  # load, warm
    firsts, rates = [], []
    for _ in range(rounds):
        first, rest, tokens, _ = await _timed(plain, request)
        firsts.append(first)
        rates.append((tokens - 1) / rest)
    figures: dict[str, Any] = {
        "ttft_ms": round(statistics.median(firsts) * 1000, 1),
        "tokens_per_s": round(statistics.median(rates), 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    lookup = _build(engine, gguf, folder, lookup=True)
    await _timed(lookup, GenerationRequest(messages=QUESTION, max_new_tokens=4))
    seconds = {"plain": 0.0, "lookup": 0.0}
    tokens = {"plain": 0, "lookup": 0}
    identical = True
    for messages in COPY_PROMPTS:
        copy = GenerationRequest(messages=messages, max_new_tokens=COPY_TOKENS)
        texts = {}
        for name, backend in (("plain", plain), ("lookup", lookup)):
            first, rest, count, texts[name] = await _timed(backend, copy)
            seconds[name] += first + rest
            tokens[name] += count
        identical = identical and texts["plain"] == texts["lookup"]
    plain_rate = tokens["plain"] / seconds["plain"]
    lookup_rate = tokens["lookup"] / seconds["lookup"]
    figures["copy_plain_tokens_per_s"] = round(plain_rate, 1)
    figures["copy_lookup_tokens_per_s"] = round(lookup_rate, 1)
    figures["lookup_speedup"] = round(lookup_rate / plain_rate, 2)
    # llama.cpp evaluates drafted tokens in one batch, whose float sums can differ from one
    # token at a time: a near-tie may then flip. Reported, not hidden.
    figures["lookup_identical_output"] = identical
    return figures


def measure_engine_in_subprocess(engine: str, folder: Path, rounds: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--engine", engine, "--folder", str(folder)]
    command += ["--rounds", str(rounds)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {engine} run failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure_engines(rounds: int, scratch: Path) -> dict[str, dict[str, Any]]:
    """Both engines' figures, each measured in its own process on the same SmolLM2 weights."""
    folder = dequantize(smollm2_gguf(), scratch / "smollm2-dequantized")
    return {
        engine: measure_engine_in_subprocess(engine, folder, rounds)
        for engine in ("llamacpp", "transformers")
    }


async def _relay_per_token(url: str, token: str, body: dict[str, Any]) -> tuple[float, int]:
    first: float | None = None
    deltas = 0
    async with (
        httpx.AsyncClient(timeout=300) as client,
        client.stream(
            "POST",
            f"{url}/pachinco/generate",
            json={**body, "request_id": str(uuid.uuid4())},
            headers={"Authorization": f"token {token}"},
        ) as response,
    ):
        async for line in response.aiter_lines():
            event = json.loads(line)
            if event["type"] == "delta":
                deltas += 1
                first = first or time.perf_counter()
            elif event["type"] == "error":
                raise SystemExit(f"the relay failed: {event['message']}")
            elif event["type"] == "answer" and first is not None:
                return (time.perf_counter() - first) / max(deltas - 1, 1), deltas
    raise SystemExit("the relay ended without an answer")


async def measure_relay(url: str, token: str, rounds: int) -> dict[str, float]:
    """ms per token through the server vs the llama.cpp backend alone, same prompt, greedy."""
    from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend

    body = {"intent": "mean total per city", "options": {"max_new_tokens": DECODE_TOKENS}}
    headers = {"Authorization": f"token {token}"}
    async with httpx.AsyncClient(timeout=60) as client:
        reply = await client.post(f"{url}/pachinco/prompt", json=body, headers=headers)
    messages = tuple(ChatMessage(m["role"], m["content"]) for m in reply.json()["prompt"])
    alone = LlamaCppBackend(str(smollm2_gguf()), n_ctx=4096)
    request = GenerationRequest(messages=messages, max_new_tokens=DECODE_TOKENS)
    await _timed(alone, request)
    await _relay_per_token(url, token, body)  # warm up both
    relayed, direct = [], []
    for _ in range(rounds):
        _, rest, tokens, _ = await _timed(alone, request)
        direct.append(rest / max(tokens - 1, 1))
        per_token, _ = await _relay_per_token(url, token, body)
        relayed.append(per_token)
    relay_ms = statistics.median(relayed) * 1000
    direct_ms = statistics.median(direct) * 1000
    return {
        "llamacpp_relay_ms_per_token": round(relay_ms, 3),
        "llamacpp_alone_ms_per_token": round(direct_ms, 3),
        "relay_overhead_ms_per_token": round(relay_ms - direct_ms, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["llamacpp", "transformers"])
    parser.add_argument("--folder", type=Path, help="the dequantized transformers folder")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.engine:  # the child: one engine, one JSON line
        figures = asyncio.run(
            _engine_figures(args.engine, smollm2_gguf(), args.folder, args.rounds)
        )
        print(json.dumps(figures))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps(measure_engines(args.rounds, Path(scratch))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
