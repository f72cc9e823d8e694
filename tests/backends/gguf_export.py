"""Write the tiny Llama model as a float32 GGUF file that llama.cpp can serve, offline.

A thin wrapper over the product's exporter (`jupyter_pachinco.training.gguf_export`), so the
tests serve exactly what ``train export`` writes.
Usage: ``python -m tests.backends.gguf_export MODEL_DIR OUT.gguf``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_pachinco.training.gguf_export import export_gguf as export_model


def export_gguf(model_dir: Path | str, out_path: Path | str) -> Path:
    """Write `model_dir` (a saved tiny Llama with its tokenizer) to `out_path` as float32 GGUF."""
    return export_model(Path(model_dir), Path(out_path), "f32")


if __name__ == "__main__":
    print(export_gguf(sys.argv[1], sys.argv[2]))
