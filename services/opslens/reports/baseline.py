"""Robust baselines and anomaly runs: median and MAD, seasonal when history allows.

A baseline says, per point, what is normal (the median) and how far values usually stray
(1.4826 x MAD, a standard deviation that outliers cannot inflate, floored so that a flat
series does not make every wiggle anomalous). A point's score is its distance from the median
in units of ``K_SIGMA`` robust deviations, so a score above 1.0 means anomalous. A run is a
stretch of anomalous points long enough to matter.

Example::

    base = robust_baseline([10, 11, 9, 10, 12], Floor(relative=0.1))
    scores = point_scores([10, 30], base.medians(2), base.scales(2), "up")  # [0.0, 3.9...]
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MAD_TO_SIGMA = 1.4826
K_SIGMA = 4.0
"""Robust deviations a value must stray to be anomalous (about 1 in 16,000 for a normal noise)."""
MIN_BASELINE_POINTS = 10

Direction = Literal["up", "down", "both"]


@dataclass(frozen=True)
class Floor:
    """The smallest deviation scale a measure may have: relative to its median and absolute."""

    relative: float = 0.0
    absolute: float = 0.0
    poisson: bool = False

    def apply(self, median: float, scale: float) -> float:
        floored = max(scale, self.relative * abs(median), self.absolute)
        if self.poisson:  # counts: at least the Poisson noise of the median
            floored = max(floored, max(median, 1.0) ** 0.5)
        return floored


@dataclass(frozen=True)
class Baseline:
    """Normal values per point (one pair for all points unless seasonal)."""

    median: float | list[float]
    scale: float | list[float]
    points: int

    def medians(self, n: int) -> list[float]:
        return self.median if isinstance(self.median, list) else [self.median] * n

    def scales(self, n: int) -> list[float]:
        return self.scale if isinstance(self.scale, list) else [self.scale] * n


def _clean(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def robust_baseline(
    values: Sequence[float | None], floor: Floor, min_points: int = MIN_BASELINE_POINTS
) -> Baseline | None:
    """Median and floored robust deviation of ``values``; None with too few numbers."""
    numbers = _clean(values)
    if len(numbers) < min_points:
        return None
    median = statistics.median(numbers)
    mad = statistics.median(abs(v - median) for v in numbers)
    return Baseline(median, floor.apply(median, MAD_TO_SIGMA * mad), len(numbers))


def seasonal_baseline(
    history: Sequence[Sequence[float | None]], floor: Floor, min_days: int = 2
) -> Baseline | None:
    """Per point: median and MAD of the same moment on earlier days (``history[day][point]``).

    Each day contributes the point and its two neighbours, so one odd sample does not decide.
    """
    days = [day for day in history if len(_clean(day)) > 0]
    if len(days) < min_days:
        return None
    n = min(len(day) for day in days)
    medians: list[float] = []
    scales: list[float] = []
    for i in range(n):
        near = [v for day in days for v in day[max(0, i - 1) : i + 2] if v is not None]
        if not near:
            near = [0.0]
        median = statistics.median(near)
        mad = statistics.median(abs(v - median) for v in near)
        medians.append(median)
        scales.append(floor.apply(median, MAD_TO_SIGMA * mad))
    return Baseline(medians, scales, sum(len(_clean(day)) for day in days))


def point_scores(
    values: Sequence[float | None],
    medians: Sequence[float],
    scales: Sequence[float],
    direction: Direction,
    k: float = K_SIGMA,
) -> list[float]:
    """Score of each point: deviation in the watched direction / (k x scale); 0 when missing."""
    scores = []
    for value, median, scale in zip(values, medians, scales, strict=False):
        if value is None or scale <= 0:
            scores.append(0.0)
            continue
        deviation = value - median
        if direction == "up":
            deviation = max(deviation, 0.0)
        elif direction == "down":
            deviation = max(-deviation, 0.0)
        scores.append(abs(deviation) / (k * scale))
    return scores


@dataclass(frozen=True)
class Run:
    """Consecutive anomalous points ``first..last`` (indices) and where the score peaked."""

    first: int
    last: int
    peak: int
    peak_score: float


def anomalous_runs(scores: Sequence[float], min_points: int = 3, max_gap: int = 2) -> list[Run]:
    """Stretches of scores above 1.0 at least ``min_points`` long; gaps of up to ``max_gap``
    points inside a stretch are bridged (one quiet sample does not end an incident)."""
    runs: list[Run] = []
    first = last = -1
    for i, score in enumerate(scores):
        if score <= 1.0:
            continue
        if first >= 0 and i - last <= max_gap + 1:
            last = i
            continue
        if first >= 0:
            runs.append(_run(scores, first, last))
        first = last = i
    if first >= 0:
        runs.append(_run(scores, first, last))
    return [run for run in runs if _above(scores, run) >= min_points]


def _run(scores: Sequence[float], first: int, last: int) -> Run:
    peak = max(range(first, last + 1), key=lambda i: scores[i])
    return Run(first, last, peak, scores[peak])


def _above(scores: Sequence[float], run: Run) -> int:
    return sum(1 for i in range(run.first, run.last + 1) if scores[i] > 1.0)
