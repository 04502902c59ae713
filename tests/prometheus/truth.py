"""Expected values, computed from the samples a :class:`History` wrote.

Windows end on a sample and are a whole number of steps long, so a sample sits on each
boundary and Prometheus' ``rate()`` needs no extrapolation: it is the counter's increase
(with resets counted as Prometheus counts them) divided by the window. Quantiles follow
Prometheus' linear interpolation inside the bucket (``bucketQuantile`` in promql/quantile.go).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable

from opslens_eval.prometheus.history import History, Samples


def window_samples(samples: Samples, start: int, end: int) -> Samples:
    """Samples in the closed interval [start, end] (Prometheus 2.x range selection)."""
    return [(t, v) for t, v in samples if start <= t <= end]


def counter_increase(samples: Samples) -> float:
    """The increase of a counter over its samples; a drop is a reset from zero."""
    increase = 0.0
    for (_, before), (_, after) in itertools.pairwise(samples):
        increase += after - before if after >= before else after
    return increase


def summed_increase(history: History, metric: str, start: int, end: int, **match: str) -> float:
    return sum(
        counter_increase(window_samples(samples, start, end))
        for _, samples in history.select(metric, **match)
    )


def value_at(samples: Samples, t: int) -> float:
    return next(v for time, v in samples if time == t)


def bucket_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile over (upper bound, cumulative count) pairs."""
    ordered = sorted(buckets)
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return math.nan
    observations = ordered[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    index = next(
        (i for i, (_, count) in enumerate(ordered[:-1]) if count >= rank), len(ordered) - 1
    )
    if index == len(ordered) - 1:
        return ordered[-2][0]
    if index == 0 and ordered[0][0] <= 0:
        return ordered[0][0]
    bucket_start, bucket_end = 0.0, ordered[index][0]
    count = ordered[index][1]
    if index > 0:
        bucket_start = ordered[index - 1][0]
        count -= ordered[index - 1][1]
        rank -= ordered[index - 1][1]
    return bucket_start + (bucket_end - bucket_start) * (rank / count)


def red_truth(
    history: History, service: str, namespace: str, start: int, end: int
) -> dict[str, float]:
    """Request rate, error ratio and latency quantiles (ms) of an Istio service, server side."""
    match = {
        "destination_service_name": service,
        "destination_service_namespace": namespace,
        "reporter": "destination",
    }
    window = end - start
    total = summed_increase(history, "istio_requests_total", start, end, **match)
    errors = sum(
        counter_increase(window_samples(samples, start, end))
        for labels, samples in history.select("istio_requests_total", **match)
        if labels["response_code"].startswith("5")
    )
    buckets = histogram_buckets(
        history, "istio_request_duration_milliseconds_bucket", start, end, **match
    )
    truth = {"request_rate_per_s": total / window, "error_ratio": errors / total}
    for name, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        truth[name] = bucket_quantile(q, buckets.items())
    return truth


def histogram_buckets(
    history: History, metric: str, start: int, end: int, **match: str
) -> dict[float, float]:
    """Bucket increases summed over the matching series, by upper bound."""
    buckets: dict[float, float] = defaultdict(float)
    for labels, samples in history.select(metric, **match):
        buckets[float(labels["le"])] += counter_increase(window_samples(samples, start, end))
    return buckets
