"""The ``%%pachinco`` and ``%pachinco`` magics: the assistant inside the user's kernel.

- `magics`: the IPython magics class, and the extension's load and unload hooks;
- `options`: the magic's options and line commands, parsed without I/O;
- `kernel_state`: what the magic reads from the kernel (cells run so far, the error to fix);
- `printing`: what it prints (prompts, the effective settings without secrets, the history);
- `runner`: configuration files and the generation thread beside the kernel's event loop;
- `trials`: candidates trial-run in forks of this very kernel, and the choice among them.
"""

from __future__ import annotations

from .magics import PachincoMagics, load_ipython_extension, unload_ipython_extension

__all__ = ["PachincoMagics", "load_ipython_extension", "unload_ipython_extension"]
