"""Figures as comparable values: ARCADE's figure turns (FORMAT.md E5) and our stricter test.

A figure is compared as the pixels of the current pyplot figure saved as PNG with
``bbox_inches='tight'`` at the default dpi. matplotlib and Pillow are imported only when a
figure is rendered, so this module loads without them.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass

#: E5: substrings of the reference code that make a turn a figure turn (official rule).
FIGURE_MARKERS = (".plot", ".bar(", ".hist(", "sns.", "plt.", "boxplot(")

#: What the official evaluator runs before a figure turn's program.
CLOSE_FIGURES_PREFIX = 'import matplotlib.pyplot as __plt__\n__plt__.close("all")\n'
PYPLOT_NAME = "__plt__"

# Calls that draw (strict mode): methods of DataFrame.plot, Axes, pyplot and seaborn.
_DRAWING_CALLS = frozenset(
    [
        "plot",
        "bar",
        "barh",
        "hist",
        "hist2d",
        "scatter",
        "boxplot",
        "pie",
        "area",
        "kde",
        "density",
        "line",
        "hexbin",
        "imshow",
        "matshow",
        "heatmap",
        "countplot",
        "barplot",
        "lineplot",
        "scatterplot",
        "histplot",
        "violinplot",
        "kdeplot",
        "pairplot",
        "displot",
        "catplot",
        "relplot",
        "lmplot",
        "regplot",
        "stripplot",
        "swarmplot",
        "pointplot",
        "stackplot",
        "step",
        "errorbar",
        "fill_between",
        "violinplot",
    ]
)
_PLOTTING_MODULES = frozenset({"plt", "sns", "pyplot", "seaborn"})


@dataclass(frozen=True)
class FigureImage:
    """The decoded pixels of a rendered figure; equal iff size, mode and pixels are equal."""

    width: int
    height: int
    mode: str
    pixels: bytes

    @property
    def blank(self) -> bool:
        """Every pixel the same (an empty figure)."""
        step = len(self.mode) or 1
        first = self.pixels[:step]
        return self.pixels == first * (len(self.pixels) // step)


def is_figure_turn(reference_code: str) -> bool:
    """E5 (official): a plain substring test on the reference text."""
    return any(marker in reference_code for marker in FIGURE_MARKERS)


def draws_a_figure(code: str) -> bool:
    """Strict mode: the code calls a drawing function (an AST test, not a substring)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if node.func.attr in _DRAWING_CALLS:
            return True
        if isinstance(owner, ast.Name) and owner.id in _PLOTTING_MODULES:
            return True
    return False


def render_current_figure() -> FigureImage:
    """The current pyplot figure as pixels (pyplot makes a blank one if none is open).

    If saving fails the official evaluator uses a 10x10 black RGB image; so do we.
    """
    try:
        import matplotlib.pyplot as plt
        from PIL import Image

        buffer = io.BytesIO()
        plt.savefig(buffer, bbox_inches="tight")
        buffer.seek(0)
        with Image.open(buffer) as image:
            image.load()
            return FigureImage(image.size[0], image.size[1], image.mode, image.tobytes())
    except Exception:  # any drawing error: the official placeholder
        return FigureImage(10, 10, "RGB", bytes(10 * 10 * 3))


def current_figure_has_axes() -> bool:
    """Whether pyplot has an open figure with at least one axes (strict: a drawn figure)."""
    try:
        import matplotlib.pyplot as plt

        return bool(plt.get_fignums()) and bool(plt.gcf().axes)
    except Exception:
        return False
