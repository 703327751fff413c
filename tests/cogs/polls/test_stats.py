"""NPS and CSAT against hand-computed values (cogs/polls/stats.py states the formulas)."""

from __future__ import annotations

import math

import pytest

from cogs.polls.models import SurveyKind
from cogs.polls.stats import csat, nps, wilson


def test_nps_of_no_answers_has_no_score_and_no_margin() -> None:
    score = nps([])
    assert (score.n, score.value, score.low, score.high, score.margin) == (0, None, None, None, None)
    assert score.groups == (0, 0, 0) and score.kind is SurveyKind.NPS


def test_nps_of_one_answer_has_a_score_but_no_margin() -> None:
    for answer, value in ((10, 100.0), (8, 0.0), (3, -100.0)):
        score = nps([answer])
        assert (score.n, score.value, score.margin) == (1, value, None)


def test_nps_of_ten_answers_matches_the_hand_computation() -> None:
    # 5 promoters (9, 9, 10, 10, 9), 3 passives (7, 8, 8), 2 detractors (6, 0).
    score = nps([9, 9, 10, 10, 9, 7, 8, 8, 6, 0])
    assert score.groups == (5, 3, 2)
    assert score.value == pytest.approx(30.0)  # 50 % − 20 %
    # Scores +1 ×5, 0 ×3, −1 ×2; mean 0.3. Σ(x − 0.3)² = 5·0.49 + 3·0.09 + 2·1.69 = 6.1; s² = 6.1 / 9.
    margin = 100 * 1.96 * math.sqrt((6.1 / 9) / 10)
    assert score.margin == pytest.approx(margin) and margin == pytest.approx(51.03, abs=0.01)
    assert (score.low, score.high) == (pytest.approx(30 - margin), pytest.approx(30 + margin))


def test_nps_of_unanimous_promoters_is_100_with_no_spread() -> None:
    score = nps([9, 10, 10])
    assert (score.value, score.margin) == (100.0, 0.0)


def test_nps_margin_matches_the_proportions_form() -> None:
    answers = [10] * 40 + [7] * 35 + [2] * 25
    p, d, n = 0.40, 0.25, 100
    expected = 100 * 1.96 * math.sqrt(n / (n - 1) * (p + d - (p - d) ** 2) / n)
    assert nps(answers).value == pytest.approx(15.0) and nps(answers).margin == pytest.approx(expected)


def test_csat_of_no_answers_has_no_score() -> None:
    score = csat([])
    assert (score.n, score.value, score.low, score.high) == (0, None, None, None)


def test_csat_of_one_satisfied_answer_is_100_percent_with_the_wilson_interval() -> None:
    score = csat([5])
    # n = 1, p̂ = 1, z = 1.96: centre (1 + 1.9208) / 4.8416 = 0.60330, half 1.96·√(0.9604)/4.8416 = 0.39672.
    assert score.value == 1.0 and score.groups == (1, 0, 0)
    assert score.low == pytest.approx(0.20654, abs=1e-5) and score.high == pytest.approx(1.0)


def test_csat_of_ten_answers_matches_the_hand_computation() -> None:
    score = csat([5, 5, 4, 4, 4, 4, 3, 2, 1, 5])  # 7 of 10 are 4 or 5
    assert score.value == pytest.approx(0.7) and score.groups == (7, 1, 2)
    z = 1.96
    centre = (0.7 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.7 * 0.3 / 10 + z * z / 400) / (1 + z * z / 10)
    assert score.low == pytest.approx(centre - half) and score.high == pytest.approx(centre + half)
    assert (round(score.low, 3), round(score.high, 3)) == (0.397, 0.892)


def test_wilson_stays_inside_zero_and_one() -> None:
    low, high = wilson(0, 3)
    assert low == 0.0 and 0 < high < 1
