"""Compare what two numeric paths decode, with a tolerance instead of exact text.

Two engines (transformers and llama.cpp), or one engine down two paths (prompt lookup and plain
decoding, a batch and one row, a cached prefix and a fresh one), sum their floats in different
orders, and the order depends on the CPU and the BLAS they were built for. Where the model's
top two next tokens are closer than that rounding, the paths may pick different ones, and
from there on their texts part. Greedy texts therefore agree *up to a near-tie*, not exactly.

`check_greedy_texts` walks a reference model's own next-token log-probabilities along the texts
(teacher forcing): at every step each text must continue with a token whose log-probability
is within `tol` of the reference's best. The texts must stay equal while the reference's
margin is larger than `tol`; where they part, it must be at a near-tie. A text that takes a
clearly worse token (a broken export, prompt lookup that accepts unverified drafts, a missing
merge) fails, naming the step, both tokens and the margin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# How far apart two paths' log-probabilities may be: f32 transformers and f32 llama.cpp were
# up to 4e-3 apart on one AMD EPYC, llama.cpp's f16 KV cache adds its own rounding; a broken
# path (an export without its merge, unrotated rows) is several units apart.
TOLERANCE = 0.05

# Log-probabilities of the next token after these ids: shape [vocabulary], natural log.
NextLogprobs = Callable[[Sequence[int]], "np.ndarray"]
# The text one more token adds after these ids (decode(ids + [t]) minus decode(ids)).
Piece = Callable[[Sequence[int], int], str]


@dataclass(frozen=True)
class Agreement:
    """How far the texts were followed: `steps` tokens equal, then `parted_at_near_tie`."""

    steps: int
    parted_at_near_tie: bool
    smallest_margin: float


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of `logits` (any leading shape, vocabulary last), in float64."""
    wide = np.asarray(logits, dtype=np.float64)
    shifted = wide - wide.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _continuing(
    remainder: str, ids: Sequence[int], tokens: Sequence[int], piece: Piece
) -> int | None:
    """The token (of `tokens`, best first) whose piece starts `remainder`: longest piece wins."""
    best: tuple[int, int] | None = None
    for token in tokens:
        text = piece(ids, token)
        if text and remainder.startswith(text) and (best is None or len(text) > best[1]):
            best = (token, len(text))
    return None if best is None else best[0]


def check_greedy_texts(
    prompt_ids: Sequence[int],
    texts: Sequence[str],
    next_logprobs: NextLogprobs,
    piece: Piece,
    end_ids: Sequence[int] = (),
    tol: float = TOLERANCE,
) -> Agreement:
    """Check that every text in `texts` is a greedy decode of the reference, up to `tol`.

    `prompt_ids`: the prompt as the reference's token ids. `end_ids`: tokens that end a text
    (EOS, end of turn); a text may also end where its token budget ran out. Raises
    AssertionError when a text continues with a token that is not within `tol` of the
    reference's best, or when texts part while the reference's margin exceeds `tol`.
    """
    ids = list(prompt_ids)
    produced = ""
    smallest = float("inf")
    steps = 0
    while any(len(text) > len(produced) for text in texts):
        logprobs = next_logprobs(ids)
        order = np.argsort(-logprobs)
        best = int(order[0])
        runner_up = float(logprobs[best] - logprobs[int(order[1])])
        smallest = min(smallest, runner_up)
        near = [int(t) for t in order[:64] if logprobs[best] - logprobs[int(t)] <= tol]
        chosen: list[int | None] = []
        for text in texts:
            remainder = text[len(produced) :]
            if not remainder:
                chosen.append(None)  # ended: by its budget, or by an end token (checked below)
                continue
            token = _continuing(remainder, ids, near, piece)
            if token is None and any(piece(ids, t).startswith(remainder) for t in near):
                chosen.append(None)  # cut inside a token (by a stop string)
                continue
            if token is None:
                wanted = _continuing(remainder, ids, [int(t) for t in order[:512]], piece)
                margin = float(logprobs[best] - logprobs[wanted]) if wanted is not None else None
                raise AssertionError(
                    f"step {steps}: a text continues with {remainder[:20]!r} (token {wanted}, "
                    f"{margin} below the best) where the reference's best is token {best} "
                    f"({piece(ids, best)!r}); tolerance {tol}; texts so far agree on "
                    f"{produced!r}"
                )
            chosen.append(token)
        going = [token for token in chosen if token is not None]
        if any(token is None for token in chosen) and going:
            ending = [t for t in end_ids if logprobs[best] - logprobs[t] <= tol]
            if ending:
                return Agreement(steps, True, smallest)
            # One text ran out of budget earlier than another: nothing more to compare.
            return Agreement(steps, False, smallest)
        if len(set(going)) > 1:
            assert runner_up <= tol, f"texts part at step {steps} with margin {runner_up}"
            return Agreement(steps, True, smallest)
        ids.append(going[0])
        produced += piece(ids[:-1], going[0])
        steps += 1
    return Agreement(steps, False, smallest)


def hf_reference(model: object) -> NextLogprobs:
    """Next-token log-probabilities of a transformers causal LM, float64, no sampling."""
    import torch

    def next_logprobs(ids: Sequence[int]) -> np.ndarray:
        with torch.inference_mode():
            logits = model(torch.tensor([list(ids)])).logits[0, -1]  # type: ignore[operator]
        return log_softmax(logits.to(torch.float64).numpy())

    return next_logprobs


def hf_piece(tokenizer: object) -> Piece:
    """The text a transformers tokenizer adds for one more token."""

    def piece(ids: Sequence[int], token: int) -> str:
        decode = tokenizer.decode  # type: ignore[attr-defined]
        before: str = decode(list(ids), skip_special_tokens=True)
        after: str = decode([*ids, token], skip_special_tokens=True)
        return after[len(before) :]

    return piece


def llama_reference(
    llama: object, prompt_length: int = 0, repeat_penalty: float = 1.0, last_n: int = 64
) -> tuple[NextLogprobs, Piece]:
    """Next-token log-probabilities and pieces of a llama-cpp-python `Llama` made with
    ``logits_all=True`` (without it llama-cpp-python keeps no logits).

    `repeat_penalty` is llama.cpp's: each distinct token among the last `last_n` generated ones
    (those after `prompt_length`) has its logit divided by the penalty when positive and
    multiplied by it when negative. llama-cpp-python's server applies 1.1 unless asked not to.
    """

    def next_logprobs(ids: Sequence[int]) -> np.ndarray:
        llama.reset()  # type: ignore[attr-defined]
        llama.eval(list(ids))  # type: ignore[attr-defined]
        logits = np.array(llama.scores[llama.n_tokens - 1], dtype=np.float64)  # type: ignore[attr-defined]
        for token in set(list(ids)[prompt_length:][-last_n:]):
            value = logits[token]
            logits[token] = value / repeat_penalty if value > 0 else value * repeat_penalty
        return log_softmax(logits)

    def piece(ids: Sequence[int], token: int) -> str:
        detokenize = llama.detokenize  # type: ignore[attr-defined]
        before: bytes = detokenize(list(ids))
        after: bytes = detokenize([*ids, token])
        if not after.startswith(before):
            return after.decode("utf-8", "ignore")
        return after[len(before) :].decode("utf-8", "ignore")

    return next_logprobs, piece
