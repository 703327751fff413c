"""Survey scores with their uncertainty, by hand (a few lines; no statistics package needed).

NPS: each answer scores +1 (9–10, promoter), 0 (7–8, passive) or −1 (0–6, detractor); NPS = 100 × the mean
score = % promoters − % detractors. Its margin of error (95 %) is 1.96 × the standard error of that mean,
100 × 1.96 × s / √n, where s² = Σ(xᵢ − x̄)² / (n − 1) is the sample variance of the per-answer scores
(= n/(n−1) × (p + d − (p − d)²) for promoter and detractor shares p and d). No answers: no score; one
answer: a score but no margin (one answer says nothing about the spread).

CSAT: the share of answers that are 4 or 5, with the Wilson score interval (95 %, z = 1.96), which stays
inside 0…1 and is sensible for small n: centre (p̂ + z²/2n) / (1 + z²/n), half-width
z √(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from cogs.polls.models import Score, SurveyKind

Z95 = 1.96


def nps(scores: Iterable[int]) -> Score:
    values = list(scores)
    promoters = sum(s >= 9 for s in values)
    detractors = sum(s <= 6 for s in values)
    passives = len(values) - promoters - detractors
    n = len(values)
    if n == 0:
        return Score(SurveyKind.NPS, 0, None, None, None, (0, 0, 0))
    mean = (promoters - detractors) / n
    value = 100 * mean
    if n < 2:
        return Score(SurveyKind.NPS, n, value, None, None, (promoters, passives, detractors))
    points = [1] * promoters + [0] * passives + [-1] * detractors
    variance = sum((x - mean) ** 2 for x in points) / (n - 1)
    margin = 100 * Z95 * math.sqrt(variance / n)
    return Score(SurveyKind.NPS, n, value, value - margin, value + margin, (promoters, passives, detractors))


def csat(scores: Iterable[int]) -> Score:
    values = list(scores)
    satisfied = sum(s >= 4 for s in values)
    unsatisfied = sum(s <= 2 for s in values)
    neutral = len(values) - satisfied - unsatisfied
    n = len(values)
    if n == 0:
        return Score(SurveyKind.CSAT, 0, None, None, None, (0, 0, 0))
    low, high = wilson(satisfied, n)
    return Score(SurveyKind.CSAT, n, satisfied / n, low, high, (satisfied, neutral, unsatisfied))


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def score(kind: SurveyKind, scores: Iterable[int]) -> Score:
    return nps(scores) if kind is SurveyKind.NPS else csat(scores)
