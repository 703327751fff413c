"""The results chart: a PNG with one bar per answer, whatever the text (Cyrillic, emoji), and matplotlib loaded
only when a chart is drawn, so start-up does not pay for it."""

from __future__ import annotations

import subprocess
import sys

from cogs.polls.chart import bar_chart, drawable
from tests.cogs.polls.chart_bars import bars_in


def test_one_bar_per_answer_even_without_votes() -> None:
    answers = [f"Вариант {i} 🎉" for i in range(10)]
    png = bar_chart("Где встретимся? 🗓", answers, [0.0] * 10, [], ["0 (0 %)"] * 10, "Опрос #1 · 0 голосов")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and bars_in(png) == 10


def test_a_full_bar_and_two_leaders_still_count_as_their_own_bars() -> None:
    png = bar_chart("Q", ["A", "B", "C"], [1.0, 1.0, 0.5], [0, 1], ["2 (100%)", "2 (100%)", "1 (50%)"])
    assert bars_in(png) == 3


def test_characters_the_font_lacks_are_dropped_not_drawn_as_boxes() -> None:
    assert drawable("Pizza 🍕 party") == "Pizza party" and drawable("Kahvila 🥐 Äänekoski") == "Kahvila Äänekoski"


def test_starting_hearth_does_not_load_matplotlib() -> None:
    code = "import sys, bot.app, bot.telegram.application, bot.discord.client; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
