"""Counting the bars in a results chart PNG: runs of non-white pixels down one column of the plot area."""

from __future__ import annotations

import io

from PIL import Image

from cogs.polls.chart import DPI, LEFT


def bars_in(png: bytes) -> int:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    rgb = image.convert("RGB")
    width, height = rgb.size
    x = int(width * LEFT) + 4  # just right of where every bar (and its track) starts
    runs, inside = 0, False
    for y in range(int(DPI * 1.0), height - int(DPI * 0.45)):  # between the title and the footer
        r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
        coloured = r + g + b < 3 * 245
        if coloured and not inside:
            runs += 1
        inside = coloured
    return runs
