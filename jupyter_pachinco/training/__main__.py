"""``python -m jupyter_pachinco.training ...``: ``jupyter-pachinco train ...`` for launchers."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
