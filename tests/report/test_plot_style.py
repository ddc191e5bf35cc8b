"""PNG figures are written with a palette: a report embeds every figure."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from reglab.report.plots.style import PNG_COLORS, figure_bytes, new_figure


def test_png_figures_are_palette_images_that_keep_the_drawing():
    figure = new_figure(4.0, 3.0)
    axes = figure.add_subplot()
    for index in range(10):
        axes.plot(np.arange(50), np.sin(np.arange(50) / 5 + index), label=f"run {index}")
    axes.legend()
    data = figure_bytes(figure, "png")
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "P"
        assert len(image.getcolors(PNG_COLORS)) <= PNG_COLORS
        pixels = np.asarray(image.convert("RGB"))
    assert tuple(pixels[0, 0]) == (255, 255, 255)  # the background stays white
    rgba = io.BytesIO()
    figure.savefig(rgba, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    with Image.open(rgba) as full:
        reference = np.asarray(full.convert("RGB"))
    assert pixels.shape == reference.shape
    # The same picture: only antialiased edges move, by a few levels on average.
    assert np.abs(pixels.astype(int) - reference.astype(int)).mean() < 2.0
    assert len(data) < 0.6 * len(rgba.getvalue())
