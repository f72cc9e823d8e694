"""Backend speed, side by side with a baseline measured in the same run.

1. Tokens per second of the in-process transformers backend on the tiny offline model, with
   and without prompt-lookup decoding, on prompts whose answers copy from the context
   (how many greedy answers stayed identical is printed beside the speed).
2. relay_overhead_ms_per_token: what the server's HTTP relay adds per streamed token. A real
   Jupyter server with the extension (a subprocess on 127.0.0.1) answers `POST
   /pachinco/generate` from a local OpenAI-compatible SSE server; the same answer read through
   our OpenAI-compatible backend directly is the baseline. Also printed: what that backend
   stack adds over reading the SSE stream raw with httpx.
3. SmolLM2-135M-Instruct (the real GGUF), the same weights in llama.cpp in process and in
   transformers (dequantized): decode tokens/s, time to first token, peak RSS; prompt-lookup
   decoding on answers that copy from the context; and the relay overhead per token of a
   Jupyter server on the llama.cpp backend (see ``bench_gguf.py``).

Run: ``.venv/bin/python benchmarks/bench_backends.py [--model-dir DIR]``. Ends with one JSON
line ``{"benchmark": "backends", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

# The tiny model and the SSE server live with the tests; make them importable when run as a file.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_gguf import measure_engines, measure_relay
from jupyter_pachinco.backends import ChatMessage, GenerationRequest
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from jupyter_pachinco.backends.transformers_backend import TransformersBackend
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, free_port
from tests.support.smollm2 import smollm2_gguf
from tests.support.tiny_model import build_tiny_model

# Notebook prompts whose natural continuation repeats code already in the context.
_CELL = (
    "# In[ ]:\n\n\n{f}.groupby('{a}')['{b}'].sum()\n"
    "{f}.groupby(['{b}', '{a}']).size().reset_index(name='count')\n"
    "{f}.pivot_table(index='{a}', values='{b}', aggfunc='mean')\n\n\n"
)
PROMPTS = [
    f"import pandas as pd\n{f} = pd.read_csv('{f}.csv')\n# Columns in {f}: {a}, {b}\n\n\n"
    + _CELL.format(f=f, a=a, b=b) * 2
    + "# In[ ]:\n\n\n"
    for f, a, b in [
        ("sales", "city", "total"),
        ("people", "age", "country"),
        ("orders", "year", "price"),
    ]
]
MAX_NEW_TOKENS = 96
STREAM_TOKENS = 2000


async def _tokens_per_second(backend: TransformersBackend, rounds: int) -> tuple[float, list[str]]:
    texts: list[str] = []
    tokens = 0
    started = time.perf_counter()
    for _ in range(rounds):
        texts = []
        for prompt in PROMPTS:
            done = await backend.generate(
                GenerationRequest(prompt=prompt, max_new_tokens=MAX_NEW_TOKENS)
            ).collect()
            texts.append(done.texts[0])
            tokens += done.usages[0].completion_tokens or 0
    return tokens / (time.perf_counter() - started), texts


async def measure_prompt_lookup(model_dir: Path, rounds: int) -> dict[str, float]:
    plain = TransformersBackend(str(model_dir), device="cpu")
    lookup = TransformersBackend(str(model_dir), device="cpu", prompt_lookup=True)
    await _tokens_per_second(plain, 1)  # load and warm up
    await _tokens_per_second(lookup, 1)
    plain_rate, plain_texts = await _tokens_per_second(plain, rounds)
    lookup_rate, lookup_texts = await _tokens_per_second(lookup, rounds)
    # Prompt lookup verifies drafts in one batched pass: other float orders, so a near-tie can
    # flip a token on some CPUs. Say how many answers stayed identical instead of refusing.
    identical = sum(a == b for a, b in zip(plain_texts, lookup_texts, strict=True))
    print(f"prompt lookup kept {identical} of {len(plain_texts)} greedy answers identical")
    return {
        "lookup_identical_answers": identical / len(plain_texts),
        "plain_tokens_per_s": round(plain_rate, 1),
        "lookup_tokens_per_s": round(lookup_rate, 1),
        "lookup_speedup": round(lookup_rate / plain_rate, 2),
    }


async def _raw_seconds(base_url: str) -> float:
    payload = {"model": "m", "prompt": "x", "stream": True, "max_tokens": STREAM_TOKENS}
    started = time.perf_counter()
    texts = []
    async with (
        httpx.AsyncClient() as client,
        client.stream("POST", f"{base_url}/completions", json=payload) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                for choice in json.loads(line[6:])["choices"]:
                    texts.append(choice["text"])
    assert len(texts) == STREAM_TOKENS
    return time.perf_counter() - started


async def _backend_seconds(backend: OpenAIBackend) -> float:
    request = GenerationRequest(prompt="x", max_new_tokens=STREAM_TOKENS)
    started = time.perf_counter()
    done = await backend.generate(request).collect()
    assert len(done.texts[0]) == STREAM_TOKENS
    return time.perf_counter() - started


@contextmanager
def jupyter_server(
    model_server_url: str, root: Path, settings: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """A real Jupyter server with the extension, answering from ``model_server_url`` (or as
    the ``PACHINCO_*`` environment ``settings`` say)."""
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        **(
            settings
            or {
                "PACHINCO_BACKEND": "openai",
                "PACHINCO_BASE_URL": model_server_url,
                "PACHINCO_MODEL": "m",
            }
        ),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
    }
    command = [sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}"]
    command += ["--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"]
    command += ["--ServerApp.open_browser=False", "--ServerApp.allow_root=True"]
    command += [f"--ServerApp.root_dir={root}", "--ServerApp.log_level=WARN"]
    with subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL) as process:
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, token, process)
            yield url, token
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(url: str, token: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            headers = {"Authorization": f"token {token}"}
            if httpx.get(f"{url}/pachinco/status", headers=headers).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the Jupyter server did not start")


async def _relay_seconds(url: str, token: str) -> float:
    body = {
        "request_id": str(uuid.uuid4()),
        "intent": "repeat x",
        "options": {"max_new_tokens": STREAM_TOKENS},
    }
    deltas, started = 0, time.perf_counter()
    async with (
        httpx.AsyncClient(timeout=120) as client,
        client.stream(
            "POST",
            f"{url}/pachinco/generate",
            json=body,
            headers={"Authorization": f"token {token}"},
        ) as response,
    ):
        async for line in response.aiter_lines():
            event = json.loads(line)
            deltas += event["type"] == "delta"
            if event["type"] == "error":
                raise SystemExit(f"the relay failed: {event['message']}")
    assert deltas == STREAM_TOKENS, deltas
    return time.perf_counter() - started


async def _chat_backend_seconds(backend: OpenAIBackend) -> float:
    request = GenerationRequest(
        messages=(ChatMessage("user", "repeat x"),), max_new_tokens=STREAM_TOKENS
    )
    started = time.perf_counter()
    done = await backend.generate(request).collect()
    assert len(done.texts[0]) == STREAM_TOKENS
    return time.perf_counter() - started


async def measure_relay_overhead(rounds: int) -> dict[str, float]:
    words = tuple("x" for _ in range(STREAM_TOKENS))
    async with FakeOpenAIServer([Behaviour(words=words)]) as server:
        backend = OpenAIBackend(server.base_url, "m")
        raw, ours, chat, relayed = [], [], [], []
        # Waiting for the server to start blocks this loop; nothing asks the model meanwhile.
        with (
            tempfile.TemporaryDirectory() as root,
            jupyter_server(server.base_url, Path(root)) as (url, token),
        ):
            for _ in range(rounds + 1):  # the first round warms every path up
                raw.append(await _raw_seconds(server.base_url))
                ours.append(await _backend_seconds(backend))
                chat.append(await _chat_backend_seconds(backend))
                relayed.append(await _relay_seconds(url, token))
        await backend.aclose()

    def per_token(samples: list[float]) -> float:
        return statistics.median(samples[1:]) * 1000 / STREAM_TOKENS

    return {
        "raw_sse_ms_per_token": round(per_token(raw), 4),
        "backend_ms_per_token": round(per_token(ours), 4),
        "chat_backend_ms_per_token": round(per_token(chat), 4),
        "relay_ms_per_token": round(per_token(relayed), 4),
        "relay_overhead_ms_per_token": round(per_token(relayed) - per_token(chat), 4),
    }


def measure_smollm2(rounds: int) -> dict[str, float]:
    """llama.cpp vs transformers on the same SmolLM2 weights, and the relay on llama.cpp."""
    engines = measure_engines(rounds)
    gguf = {"PACHINCO_MODEL": str(smollm2_gguf()), "PACHINCO_BACKEND": "", "PACHINCO_BASE_URL": ""}
    with (
        tempfile.TemporaryDirectory() as root,
        jupyter_server("", Path(root), gguf) as (url, token),
    ):
        relay = asyncio.run(measure_relay(url, token, rounds))
    fast, slow = engines["llamacpp"], engines["transformers"]
    print(f"{'SmolLM2-135M Q4_1':<34}{'llama.cpp':>12}{'transformers':>14}")
    for name in ("tokens_per_s", "ttft_ms", "peak_rss_mb", "lookup_speedup"):
        print(f"{name:<34}{fast[name]:>12}{slow[name]:>14}")
    print(
        f"{'lookup identical greedy output':<34}{fast['lookup_identical_output']!s:>12}"
        f"{slow['lookup_identical_output']!s:>14}"
    )
    print(
        f"{'relay_overhead_ms_per_token':<34}{relay['relay_overhead_ms_per_token']:>12}  "
        f"POST /pachinco/generate {relay['llamacpp_relay_ms_per_token']} ms/token vs the "
        f"llama.cpp backend alone {relay['llamacpp_alone_ms_per_token']} ms/token (same prompt)"
    )
    return {
        "llamacpp_tokens_per_s": fast["tokens_per_s"],
        "transformers_tokens_per_s": slow["tokens_per_s"],
        "llamacpp_speedup": round(fast["tokens_per_s"] / slow["tokens_per_s"], 2),
        "llamacpp_ttft_ms": fast["ttft_ms"],
        "transformers_ttft_ms": slow["ttft_ms"],
        "llamacpp_peak_rss_mb": fast["peak_rss_mb"],
        "transformers_peak_rss_mb": slow["peak_rss_mb"],
        # Prompt lookup on SmolLM2 with transformers, whose greedy output it keeps identical.
        "lookup_speedup": slow["lookup_speedup"],
        "llamacpp_lookup_speedup": fast["lookup_speedup"],
        "relay_overhead_ms_per_token": relay["relay_overhead_ms_per_token"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, help="a tiny model folder (built if absent)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--smollm2-only", action="store_true", help="only part 3 (the SmolLM2 figures)"
    )
    args = parser.parse_args()
    if args.smollm2_only:
        smollm2 = measure_smollm2(args.rounds)
        print(json.dumps({"benchmark": "backends", "figures": smollm2}))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = build_tiny_model(args.model_dir or Path(scratch) / "tiny")
        lookup = asyncio.run(measure_prompt_lookup(model_dir, args.rounds))
    relay = asyncio.run(measure_relay_overhead(args.rounds))
    print(f"{'figure':<34}{'value':>12}  baseline (same run)")
    print(f"{'plain_tokens_per_s':<34}{lookup['plain_tokens_per_s']:>12}  (is the baseline)")
    print(
        f"{'lookup_tokens_per_s':<34}{lookup['lookup_tokens_per_s']:>12}  "
        f"vs plain {lookup['plain_tokens_per_s']}, "
        f"{lookup['lookup_identical_answers']:.0%} of greedy answers identical"
    )
    print(f"{'lookup_speedup':<34}{lookup['lookup_speedup']:>12}  x plain")
    print(
        f"{'relay_overhead_ms_per_token':<34}{relay['relay_overhead_ms_per_token']:>12}  "
        f"through POST /pachinco/generate {relay['relay_ms_per_token']} ms/token vs the "
        f"backend alone {relay['chat_backend_ms_per_token']} ms/token (chat, same answer)"
    )
    print(
        f"{'backend stack over raw SSE':<34}"
        f"{round(relay['backend_ms_per_token'] - relay['raw_sse_ms_per_token'], 4):>12}  "
        f"openai backend {relay['backend_ms_per_token']} ms/token vs raw SSE read "
        f"{relay['raw_sse_ms_per_token']} ms/token (completions)"
    )
    figures = {
        "tiny_lookup_speedup": lookup["lookup_speedup"],
        "openai_relay_overhead_ms_per_token": relay["relay_overhead_ms_per_token"],
        **measure_smollm2(args.rounds),
    }
    print(json.dumps({"benchmark": "backends", "figures": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
