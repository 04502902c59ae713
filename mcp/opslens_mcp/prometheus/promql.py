r"""Pure PromQL builders: quoting, selectors, and the RED, resource and comparison expressions.

Every value that comes from a user goes through :func:`quote` (a PromQL string literal) or
:func:`regex_quote` (a literal inside an RE2 regex), so it can only ever be matched against,
never change the structure of the query. Label and metric names are validated, not quoted.

Example::

    >>> selector("up", [Matcher("job", 'a"} or vector(1) #')])
    'up{job="a\\"} or vector(1) #"}'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from opslens_mcp.prometheus.profiles import (
    RequestProfile,
    ResourceProfile,
    check_label_name,
    check_metric_name,
)

MatchOp = Literal["=", "!=", "=~", "!~"]
Aggregation = Literal["sum", "avg", "max", "min", "count"]
RangeFunction = Literal[
    "rate", "increase", "avg_over_time", "max_over_time", "min_over_time", "last"
]
_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")
_SURROGATE = re.compile("[\ud800-\udfff]")
_COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")


def quote(value: str) -> str:
    """``value`` as a double-quoted PromQL string literal (Korean and other text kept as is)."""
    # JSON string escapes (\" \\ \n \t \uXXXX ...) are all valid PromQL escapes.
    return json.dumps(_SURROGATE.sub("\ufffd", value), ensure_ascii=False)


def regex_quote(value: str) -> str:
    """``value`` as a literal inside an RE2 regex (it matches only itself)."""
    return _RE2_SPECIAL.sub(r"\\\1", value)


@dataclass(frozen=True)
class Matcher:
    """One label matcher; the value is always quoted."""

    label: str
    value: str
    op: MatchOp = "="

    def render(self) -> str:
        return f"{check_label_name(self.label)}{self.op}{quote(self.value)}"


def selector(metric: str, matchers: Iterable[Matcher] = ()) -> str:
    """``metric{matchers}`` (just ``metric`` without matchers); the name is validated."""
    rendered = ", ".join(matcher.render() for matcher in matchers)
    return f"{check_metric_name(metric)}{{{rendered}}}" if rendered else check_metric_name(metric)


def equality_matchers(labels: dict[str, str] | None) -> list[Matcher]:
    return [Matcher(label, value) for label, value in (labels or {}).items()]


def regex_matchers(labels: dict[str, str] | None) -> list[Matcher]:
    return [Matcher(label, value, "=~") for label, value in (labels or {}).items()]


def by_clause(labels: Sequence[str]) -> str:
    return ", ".join(check_label_name(label) for label in labels)


def sum_rate(series: str, window: str, by: Sequence[str], offset: str | None = None) -> str:
    """``sum by (by) (rate(series[window]))``, ``offset`` back in time when given."""
    shift = f" offset {offset}" if offset else ""
    return f"sum by ({by_clause(by)}) (rate({series}[{window}]{shift}))"


# --- RED ------------------------------------------------------------------------------------


def request_matchers(
    profile: RequestProfile, service: str | None, namespace: str | None
) -> list[Matcher]:
    """The profile's fixed filters plus the service and namespace the caller asked about."""
    matchers = equality_matchers(profile.filters)
    if namespace is not None and profile.namespace_label:
        matchers.append(Matcher(profile.namespace_label, namespace))
    if service is not None:
        matchers.append(Matcher(profile.service_label, service))
    return matchers


def request_rate(
    profile: RequestProfile, matchers: list[Matcher], window: str, offset: str | None = None
) -> str:
    """Requests per second by service."""
    series = selector(profile.requests_metric, matchers)
    return sum_rate(series, window, profile.group_labels, offset)


def status_regex(status: str) -> str:
    """The status label's regex of an HTTP status (``503``) or class (``5xx`` -> ``5..``)."""
    return status.lower().replace("x", ".")


def status_rate(
    profile: RequestProfile,
    matchers: list[Matcher],
    window: str,
    regex: str,
    offset: str | None = None,
) -> str:
    """Requests per second answered with a status matching ``regex``, by service."""
    answered = [*matchers, Matcher(profile.status_label, regex, "=~")]
    series = selector(profile.requests_metric, answered)
    return sum_rate(series, window, profile.group_labels, offset)


def status_ratio(
    profile: RequestProfile,
    matchers: list[Matcher],
    window: str,
    regex: str,
    offset: str | None = None,
) -> str:
    """Share of requests answered with a status matching ``regex``; 0 (not missing) for a
    service that never answered so."""
    answered = status_rate(profile, matchers, window, regex, offset)
    total = request_rate(profile, matchers, window, offset)
    return f"({answered} or {total} * 0) / {total}"


def error_ratio(
    profile: RequestProfile, matchers: list[Matcher], window: str, offset: str | None = None
) -> str:
    """Share of requests with an error status, 0 (not missing) for services without errors."""
    return status_ratio(profile, matchers, window, profile.error_status_regex, offset)


def latency_quantile(
    profile: RequestProfile,
    matchers: list[Matcher],
    window: str,
    quantile: float,
    offset: str | None = None,
) -> str:
    """The ``quantile`` latency in milliseconds, interpolated from the histogram buckets."""
    buckets = selector(f"{profile.duration_histogram}_bucket", matchers)
    summed = sum_rate(buckets, window, [*profile.group_labels, "le"], offset)
    expression = f"histogram_quantile({quantile:g}, {summed})"
    if profile.duration_unit_ms != 1:
        expression = f"{expression} * {profile.duration_unit_ms:g}"
    return expression


# --- resources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadScope:
    """Which pods a resource query covers; every field narrows it."""

    namespace: str | None = None
    service: str | None = None
    pod: str | None = None


def pod_matchers(profile: ResourceProfile, scope: WorkloadScope) -> list[Matcher]:
    matchers = []
    if scope.namespace is not None:
        matchers.append(Matcher(profile.namespace_label, scope.namespace))
    if scope.pod is not None:
        matchers.append(Matcher(profile.pod_label, scope.pod))
    elif scope.service is not None:
        pattern = profile.pod_name_pattern.replace("<service>", regex_quote(scope.service))
        matchers.append(Matcher(profile.pod_label, pattern, "=~"))
    return matchers


def container_matchers(profile: ResourceProfile, scope: WorkloadScope) -> list[Matcher]:
    """Pods of the scope, real containers only (cAdvisor adds a pod total and the pause one)."""
    return [
        *pod_matchers(profile, scope),
        Matcher(profile.container_label, "", "!="),
        Matcher(profile.container_label, "POD", "!="),
    ]


def resource_expressions(
    profile: ResourceProfile, scope: WorkloadScope, window: str, by: Sequence[str]
) -> dict[str, str]:
    """CPU cores, memory bytes, limits, throttling and restarts per ``by`` group."""
    containers = container_matchers(profile, scope)
    pods = pod_matchers(profile, scope)
    group = by_clause(by)

    def limit(resource: str) -> str:
        series = selector(profile.limits_metric, [*pods, Matcher("resource", resource)])
        return f"sum by ({group}) ({series})"

    restarts = selector(profile.restarts_metric, pods)
    throttled = sum_rate(selector(profile.throttled_periods_metric, containers), window, by)
    periods = sum_rate(selector(profile.cfs_periods_metric, containers), window, by)
    return {
        "cpu_cores": sum_rate(selector(profile.cpu_usage_metric, containers), window, by),
        "cpu_limit_cores": limit("cpu"),
        "cpu_throttled_ratio": f"{throttled} / {periods}",
        "memory_bytes": f"sum by ({group}) ({selector(profile.memory_metric, containers)})",
        "memory_limit_bytes": limit("memory"),
        "restarts_total": f"sum by ({group}) ({restarts})",
        "restarts_in_window": (
            f"sum by ({group}) (max_over_time({restarts}[{window}]) - "
            f"min_over_time({restarts}[{window}]))"
        ),
    }


def last_terminated_reasons(profile: ResourceProfile, scope: WorkloadScope) -> str:
    """The reason each container last terminated (OOMKilled, Error, ...), one series per reason."""
    series = selector(profile.last_terminated_metric, pod_matchers(profile, scope))
    labels = [profile.namespace_label, profile.pod_label, profile.container_label, "reason"]
    return f"max by ({by_clause(labels)}) ({series}) == 1"


def node_cpu_busy_percent(profile: ResourceProfile, window: str) -> str:
    """Busy CPU per node in percent (100 minus idle), the node-exporter idiom."""
    idle = selector(profile.node_cpu_metric, [Matcher("mode", "idle")])
    return f"100 * (1 - avg by ({by_clause([profile.node_label])}) (rate({idle}[{window}])))"


# --- comparisons ----------------------------------------------------------------------------


def default_function(metric: str) -> RangeFunction:
    """``rate`` for counters (by their conventional suffix), ``avg_over_time`` for gauges."""
    return "rate" if metric.endswith(_COUNTER_SUFFIXES) else "avg_over_time"


def windowed(
    series: str,
    function: RangeFunction,
    window: str,
    aggregation: Aggregation,
    by: Sequence[str],
    offset: str | None = None,
) -> str:
    """``aggregation by (by) (function(series[window] offset offset))``."""
    shift = f" offset {offset}" if offset else ""
    inner = f"{series}{shift}" if function == "last" else f"{function}({series}[{window}]{shift})"
    return f"{aggregation} by ({by_clause(by)}) ({inner})"
