"""The metric and the log level a question asks for, from keyword tables in both languages.

Metric phrases are read first and consumed, so "error rate" / "에러율" is a metric and not an
error-level log question. A latency without a percentile is ``latency_p95`` only when the
question is about metrics (for traces it is the filter, not a metric). When several levels are
named ("warnings and errors") the least severe is kept, so a minimum-severity filter covers all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opslens.agent.plan import LEVELS, Level, Metric
from opslens.agent.understanding.normalize import Scan, phrases

# (metric, English alternatives, Korean alternatives); regex fragments separated by whitespace.
# Specific phrases first: a percentile beats a bare "latency", an "error rate" beats "error".
METRIC_PHRASES: tuple[tuple[Metric | None, str, str], ...] = (
    (
        "latency_p50",
        r"""
        p50 50(?:th)?\s*(?:percentile|퍼센타일|백분위) median(?:\s+latency)?
        """,
        r"""
        중앙값 중간값
        """,
    ),
    (
        "latency_p90",
        r"""
        p90 90(?:th)?\s*(?:percentile|퍼센타일|백분위)
        """,
        "",
    ),
    (
        "latency_p95",
        r"""
        p95 95(?:th)?\s*(?:percentile|퍼센타일|백분위)
        """,
        "",
    ),
    (
        "latency_p99",
        r"""
        p99 99(?:th)?\s*(?:percentile|퍼센타일|백분위)
        """,
        "",
    ),
    (
        "latency_avg",
        r"""
        (?:average|avg|mean)\s+(?:latency|response\s+times?|duration)
        """,
        r"""
        평균\s*(?:응답\s*(?:시간|속도)|지연\s*(?:시간)?|레이턴시|latency)
        """,
    ),
    (
        "error_rate",
        r"""
        (?:error|failure|fail|5xx|err)\s*(?:rates?|ratios?|percent(?:age)?|%)
        success\s*(?:rates?|ratio) availability
        """,
        r"""
        (?:에러|오류|실패|5xx)\s*(?:율|률|비율|비중|레이트|퍼센트) 성공\s*(?:율|률) 가용성
        """,
    ),
    (
        "request_rate",
        r"""
        (?:request|req|call)s?\s*(?:rates?|per\s+(?:second|minute|sec|min)) rps qps tps req/s
        throughput traffic how\s+many\s+requests
        """,
        r"""
        트래픽 처리량 (?:요청|호출)\s*(?:수|량|률|율|건수)
        """,
    ),
    (
        "cpu",
        r"""
        cpu processor cores?\s+usage
        """,
        r"""
        씨피유 프로세서
        """,
    ),
    (
        "memory",
        r"""
        memory mem ram heap rss working\s+set
        """,
        r"""
        메모리
        """,
    ),
    (
        "network",
        r"""
        network bandwidth bytes\s+(?:in|out|sent|received)
        """,
        r"""
        네트워크 대역폭
        """,
    ),
    (
        "restarts",
        r"""
        restart(?:s|ed|ing)?(?:\s+counts?)? restart\s+count
        """,
        r"""
        재시작 리스타트 재기동
        """,
    ),
    (
        None,
        r"""
        latency latencies response\s+times? duration
        """,
        r"""
        응답\s*(?:시간|속도) 지연\s*시간 레이턴시
        """,
    ),
)

LEVEL_PHRASES: tuple[tuple[Level, str, str], ...] = (
    (
        "error",
        r"""
        errors? errored erroring err exceptions? fatal critical crit fail(?:ed|ures?|ing|s)? 5xx
        panics?
        """,
        r"""
        에러 오류 실패 예외 익셉션 치명 크리티컬
        """,
    ),
    (
        "warn",
        r"""
        warn(?:ing|ings|s)?
        """,
        r"""
        경고 워닝 주의
        """,
    ),
    (
        "info",
        r"""
        info(?:rmational)?(?:\s+level)?
        """,
        r"""
        인포 정보\s*(?:레벨|로그)
        """,
    ),
    (
        "debug",
        r"""
        debug
        """,
        r"""
        디버그
        """,
    ),
)

_METRICS = tuple((metric, re.compile(phrases(en, ko))) for metric, en, ko in METRIC_PHRASES)
_LEVELS = tuple((level, re.compile(phrases(en, ko))) for level, en, ko in LEVEL_PHRASES)


@dataclass(frozen=True)
class MetricMention:
    """The first specific metric named, all of them in order, and whether a bare latency was."""

    metric: Metric | None
    named: tuple[Metric, ...]
    bare_latency: bool


def find_metric(scan: Scan) -> MetricMention:
    """Metrics named in the question (consumed), in order of mention."""
    found: list[tuple[int, Metric]] = []
    bare_latency = False
    for metric, pattern in _METRICS:
        for match in scan.take_all(pattern):
            if metric is None:
                bare_latency = True
            else:
                found.append((match.start(), metric))
    named = tuple(dict.fromkeys(metric for _, metric in sorted(found)))
    return MetricMention(named[0] if named else None, named, bare_latency)


def find_levels(scan: Scan) -> list[Level]:
    """Levels named in the question (not consumed: they also tell the intent)."""
    named = {level for level, pattern in _LEVELS if scan.find(pattern)}
    return [level for level in LEVELS if level in named]


def least_severe(levels: list[Level]) -> Level | None:
    order = ("debug", "info", "warn", "error")
    return min(levels, key=order.index) if levels else None
