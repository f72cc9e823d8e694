"""A tiny offline code model: byte-level BPE tokenizer + 2-layer Llama, trained for seconds.

Nothing is downloaded. The tokenizer is trained on a small generated corpus of pandas code,
the model briefly on the same corpus, so its greedy output looks like pandas code; a chat
template makes chat requests work. The build is deterministic (fixed seeds, one thread while
training). Use it from tests (`build_tiny_model(folder)`) or from the shell, e.g. to point the
product at it as its backend::

    python -m tests.support.tiny_model OUT_DIR
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

# Bump when the recipe changes, so cached builds are not reused across recipes.
RECIPE_VERSION = "1"
END = "<|end|>"
SPECIAL_TOKENS = [END, "<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

_FRAMES = ["df", "sales", "scores", "people", "orders", "stock"]
_COLUMNS = ["price", "name", "age", "city", "score", "year", "total", "country", "count"]
_STEPS = [
    "{f}['{a}'].mean()",
    "{f}.groupby('{a}')['{b}'].sum()",
    "{f}[{f}['{a}'] > 10]",
    "{f}.sort_values('{a}', ascending=False).head(5)",
    "{f}['{a}'].value_counts()",
    "{f}.dropna(subset=['{a}'])",
    "{f}[['{a}', '{b}']].describe()",
    "{f}.groupby(['{a}', '{b}']).size().reset_index(name='count')",
    "{f}['{b}'] = {f}['{a}'] * 2",
    "{f}.pivot_table(index='{a}', values='{b}', aggfunc='mean')",
]


def _cell(frame: str, first: str, second: str, rng: random.Random) -> str:
    steps = rng.sample(_STEPS, 3)
    lines = [step.format(f=frame, a=first, b=second) for step in steps]
    return "# In[ ]:\n\n\n" + "\n".join(lines) + "\n\n\n"


def corpus(documents: int = 400, seed: int = 0) -> Iterator[str]:
    """Small notebooks and chats about pandas, generated deterministically."""
    rng = random.Random(seed)
    for number in range(documents):
        frame = rng.choice(_FRAMES)
        first, second = rng.sample(_COLUMNS, 2)
        header = (
            f"import pandas as pd\n{frame} = pd.read_csv('{frame}.csv')\n"
            f"# Columns in {frame}: {first}, {second}\n\n\n"
        )
        if number % 4 == 3:
            question = f"How do I summarize {second} by {first} in {frame}?"
            answer = _cell(frame, first, second, rng).replace("# In[ ]:\n\n\n", "")
            yield f"<|user|>\n{question}{END}\n<|assistant|>\n{answer.strip()}{END}\n"
        else:
            cells = "".join(_cell(frame, first, second, rng) for _ in range(2))
            yield header + cells + END


def _train_tokenizer(texts: list[str]) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=END,
        bos_token=END,
        pad_token=END,
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def _train_model(tokenizer: object, texts: list[str], steps: int) -> object:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    end_id = tokenizer.convert_tokens_to_ids(END)  # type: ignore[attr-defined]
    config = LlamaConfig(
        vocab_size=len(tokenizer),  # type: ignore[arg-type]
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        bos_token_id=end_id,
        eos_token_id=end_id,
        pad_token_id=end_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    ids = [t for text in texts for t in tokenizer(text)["input_ids"]]  # type: ignore[operator]
    data = torch.tensor(ids, dtype=torch.long)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    window, batch = 64, 16
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(data) - window - 1, (batch,), generator=generator)
        inputs = torch.stack([data[s : s + window] for s in starts.tolist()])
        loss = model(input_ids=inputs, labels=inputs).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    model.generation_config.eos_token_id = end_id
    model.generation_config.pad_token_id = end_id
    return model


def build_tiny_model(out_dir: Path | str, steps: int = 300) -> Path:
    """Build the tiny model into `out_dir` (reused when that folder already holds this recipe)."""
    import torch

    out = Path(out_dir)
    marker = out / "tiny_model.json"
    recipe = {"recipe": RECIPE_VERSION, "steps": steps}
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return out
    torch.set_flush_denormal(True)
    texts = list(corpus())
    threads = torch.get_num_threads()
    # One thread: the same weights on every run of one machine; other CPUs (SIMD, BLAS) round
    # differently, so no test may depend on the exact weights or their exact greedy text.
    torch.set_num_threads(1)
    try:
        tokenizer = _train_tokenizer(texts)
        model = _train_model(tokenizer, texts, steps)
    finally:
        torch.set_num_threads(threads)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)  # type: ignore[attr-defined]
    model.save_pretrained(out)  # type: ignore[attr-defined]
    marker.write_text(json.dumps(recipe))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.support.tiny_model OUT_DIR", file=sys.stderr)
        return 2
    print(build_tiny_model(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
