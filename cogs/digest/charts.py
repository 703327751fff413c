"""The digest's charts as PNG images, drawn headless with matplotlib (Agg, imported on first use: the bot starts
without it). Labels are in the reader's language; figures are built with the object API (no pyplot state), so
charts may be drawn in a worker thread."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from bot.core.i18n import Day, Text, t_
from bot.core.outbound import Attachment
from cogs.analytics.metrics.models import Cohort, WeekPoint
from cogs.digest.models import Funnel

EMBER, ASH, MOSS, SKY = "#E8590C", "#868E96", "#2B8A3E", "#1C7ED6"
DPI = 110

GROWTH = "digest-growth.png"
COHORTS = "digest-cohorts.png"
FUNNEL = "digest-funnel.png"
STATS = "stats.png"


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    figure.patch.set_facecolor("white")
    return figure


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _tr(text: Text, locale: str) -> str:
    return text.render(locale)


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#E9ECEF", linewidth=0.8)
    ax.set_axisbelow(True)


def growth(series: Sequence[WeekPoint], locale: str) -> bytes:
    """Active members per week (line) over joins and leaves per week (bars), 13 weeks."""
    figure = _figure(7.5, 4.2)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    labels = [Day(p.week, "MMMd").render(locale) for p in series]
    x = list(range(len(series)))
    top.plot(x, [p.active for p in series], color=EMBER, marker="o", linewidth=2.2)
    top.fill_between(x, [p.active for p in series], color=EMBER, alpha=0.08)
    top.set_title(_tr(t_("Active members per week"), locale), loc="left", fontsize=11, fontweight="bold")
    top.set_ylim(bottom=0)
    _style(top)
    bottom.bar([i - 0.2 for i in x], [p.joins for p in series], width=0.4, color=MOSS, label=_tr(t_("joined"), locale))
    bottom.bar([i + 0.2 for i in x], [-p.leaves for p in series], width=0.4, color=ASH, label=_tr(t_("left"), locale))
    bottom.axhline(0, color="#495057", linewidth=0.8)
    bottom.set_title(_tr(t_("Joined and left per week"), locale), loc="left", fontsize=10)
    bottom.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)
    _style(bottom)
    bottom.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    figure.tight_layout()
    return _png(figure)


def cohorts(rows: Sequence[Cohort], locale: str) -> bytes:
    """Retention heat map: join week (rows) × weeks since joining (columns), share active."""
    figure = _figure(7.5, 0.5 + 0.42 * max(len(rows), 1) + 0.8)
    ax = figure.subplots()
    width = max((len(c.active) for c in rows), default=1)
    grid = [[c.retention[k] if k < len(c.retention) else float("nan") for k in range(width)] for c in rows]
    ax.imshow(grid or [[float("nan")]], cmap="Oranges", vmin=0, vmax=1, aspect="auto")
    for r, cohort in enumerate(rows):
        for k, share in enumerate(cohort.retention):
            ax.text(k, r, f"{round(share * 100)}", ha="center", va="center", fontsize=8,
                    color="white" if share > 0.55 else "#212529")  # fmt: skip
    ax.set_yticks(range(len(rows)), [f"{Day(c.week, 'MMMd').render(locale)} ({c.size})" for c in rows], fontsize=8)
    ax.set_xticks(range(width), [str(k) for k in range(width)], fontsize=8)
    ax.set_xlabel(_tr(t_("weeks since joining"), locale), fontsize=9)
    ax.set_title(
        _tr(t_("Share of each week's newcomers active later (%)"), locale), loc="left", fontsize=11, fontweight="bold"
    )
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def funnel(data: Funnel, locale: str) -> bytes:
    figure = _figure(7.5, 0.6 + 0.45 * len(data.steps))
    ax = figure.subplots()
    labels = [_tr(s.label, locale) for s in data.steps]
    values = [s.members for s in data.steps]
    y = list(range(len(values)))[::-1]
    ax.barh(y, values, color=SKY)
    for yi, value in zip(y, values, strict=True):
        ax.text(value, yi, f" {value}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_title(_tr(t_("Newcomer journey"), locale), loc="left", fontsize=11, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def small(series: Sequence[WeekPoint], locale: str) -> bytes:
    """/stats: active members over 13 weeks, small."""
    figure = _figure(5.0, 2.2)
    ax = figure.subplots()
    x = list(range(len(series)))
    ax.plot(x, [p.active for p in series], color=EMBER, marker="o", linewidth=2)
    ax.set_ylim(bottom=0)
    ax.set_xticks(x, [Day(p.week, "MMMd").render(locale) for p in series], rotation=45, ha="right", fontsize=7)
    ax.set_title(_tr(t_("Active members per week"), locale), loc="left", fontsize=10, fontweight="bold")
    _style(ax)
    figure.tight_layout()
    return _png(figure)


def digest_charts(
    series: Sequence[WeekPoint], cohort_rows: Sequence[Cohort], funnel_data: Funnel | None, locale: str
) -> tuple[Attachment, ...]:
    out = [Attachment(GROWTH, growth(series, locale), is_image=True)]
    if cohort_rows:
        out.append(Attachment(COHORTS, cohorts(cohort_rows, locale), is_image=True))
    if funnel_data is not None and funnel_data.steps:
        out.append(Attachment(FUNNEL, funnel(funnel_data, locale), is_image=True))
    return tuple(out)
