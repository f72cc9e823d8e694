"""Fixtures for the context engine's tests: a tiny tokenizer trained offline, real notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from jupyter_pachinco.context import HuggingFaceTokenCounter

CORPUS = [
    "import pandas as pd\nimport numpy as np\n",
    "df = pd.read_csv('sales.csv')\ndf.head()\n",
    "# In[ ]:\n\n\n# Schema of Dataframes:\n# Columns in df with example values:\n",
    "result = df.groupby('region')['amount'].sum().sort_values(ascending=False)\n",
    "What are the top-5 cities with highest elevation? How many employees are born in 1992?\n",
]


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A byte-level BPE tokenizer, trained in milliseconds and saved the Hugging Face way."""
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
    )
    bpe.train_from_iterator(CORPUS * 20, trainer)
    folder = tmp_path_factory.mktemp("tokenizer")
    PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>").save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def count_tokens(tokenizer_dir: Path) -> HuggingFaceTokenCounter:
    return HuggingFaceTokenCounter.from_path(tokenizer_dir)
