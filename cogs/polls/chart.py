"""The results chart: one horizontal bar per answer on a light track, the leader(s) highlighted, a label
beside each bar (count and share, already written in the poll's language and number format). PNG bytes.

matplotlib (Agg, headless, no pyplot state) is imported on first use only, so it costs nothing at start-up;
rendering takes ~0.2 s, so callers run it in a worker thread (`asyncio.to_thread`)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from functools import cache

BAR = "#4C72B0"
LEADER = "#DD8452"
TRACK = "#E6E6E6"
LEFT, RIGHT = 0.34, 0.80  # the plot area, as figure fractions: answers to the left, numbers to the right
WIDTH_IN, DPI = 8.0, 100
FONT = "DejaVu Sans"  # ships with matplotlib: Latin, Cyrillic and more, on every machine


@cache
def _glyphs() -> frozenset[int]:
    from matplotlib import font_manager, ft2font

    return frozenset(ft2font.FT2Font(font_manager.findfont(FONT)).get_charmap())


def drawable(text: str) -> str:
    """Drop characters the font cannot draw (emoji): matplotlib would warn and draw boxes."""
    glyphs = _glyphs()
    kept = "".join(ch for ch in text if ch.isspace() or ord(ch) in glyphs)
    return " ".join(kept.split())


def _wrap(text: str, width: int, lines: int) -> str:
    wrapped = textwrap.wrap(drawable(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…")]
    return "\n".join(wrapped)


def bar_chart(
    title: str,
    answers: Sequence[str],
    shares: Sequence[float],
    leaders: Sequence[int],
    labels: Sequence[str],
    footer: str = "",
) -> bytes:
    """A PNG with one bar per answer, in answer order from the top."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = len(answers)
    height = 1.5 + 0.55 * rows
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(figure)
    top = 1 - 1.0 / height
    bottom = 0.45 / height
    figure.subplots_adjust(left=LEFT, right=RIGHT, top=top, bottom=bottom)
    axes = figure.add_subplot()
    positions = list(range(rows))
    axes.barh(positions, [1.0] * rows, height=0.62, color=TRACK)
    colours = [LEADER if i in set(leaders) else BAR for i in positions]
    axes.barh(positions, [min(1.0, s) for s in shares], height=0.62, color=colours)
    axes.set_xlim(0, 1)
    axes.set_ylim(rows - 0.5, -0.5)  # the first answer on top
    axes.set_yticks(positions, [_wrap(a, 30, 2) for a in answers], fontsize=10, family=FONT)
    axes.tick_params(axis="y", length=0, pad=8)
    axes.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    for i, label in enumerate(labels):
        axes.text(1.03, i, drawable(label), va="center", ha="left", fontsize=10, family=FONT, clip_on=False,
                  fontweight="bold" if i in set(leaders) else "normal")  # fmt: skip
    figure.suptitle(_wrap(title, 70, 2), x=0.03, ha="left", fontsize=12, fontweight="bold", family=FONT)
    if footer:
        figure.text(0.03, 0.12 / height, drawable(footer), fontsize=9, color="#555555", family=FONT)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
