"""Fine-tune a code LM on mined notebook examples and export it as GGUF.

``jupyter-pachinco train`` (TRL's `SFTTrainer` with a PEFT LoRA adapter, or full fine-tuning)
and ``jupyter-pachinco train export`` (merge the adapter, write a GGUF file for llama.cpp).
The heavy libraries (torch, transformers, trl, peft, gguf) come with the ``[train]`` extra and
are imported inside the functions that need them.
"""

from __future__ import annotations

from .errors import TrainingError

__all__ = ["TrainingError"]
