"""PromQL tools: ``query`` and ``query_range`` (raw PromQL, or a named measure this server
builds from its label conventions), and ``compare_windows``."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.times import format_duration, parse_duration
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.measures import Measure, SubjectLabels, measure_query
from opslens_mcp.prometheus.params import (
    AT_DESCRIPTION,
    END_DESCRIPTION,
    MAX_PROMQL_CHARS,
    START_DESCRIPTION,
    Duration,
    LabelFilters,
    LabelName,
    MetricName,
    Name,
    StrictParams,
    TimeText,
    pinned_at,
    pinned_range,
)
from opslens_mcp.prometheus.profiles import ProfileName
from opslens_mcp.prometheus.series import SeriesSet, tidy, values_by_labels
from opslens_mcp.prometheus.settings import PrometheusSettings
from opslens_mcp.prometheus.times import PROMETHEUS_MAX_POINTS, auto_step, min_step

PromQL = Field(
    min_length=1,
    max_length=MAX_PROMQL_CHARS,
    description="A PromQL expression. Prometheus queries cannot write, so any expression is "
    "allowed; it is sent as is.",
)


class QueryParams(StrictParams):
    promql: str = PromQL
    at: TimeText | None = Field(default=None, description=AT_DESCRIPTION)
    limit: int = Field(
        default=100,
        ge=1,
        le=2000,
        description="Most series returned (the rest are counted, truncated=true). 100 keeps an "
        "answer readable; aggregate with sum by (...) rather than raising it.",
    )


class InstantResult(SeriesSet):
    promql: str = Field(description="The PromQL that ran, exactly; rerun it at `time`.")
    time: datetime = Field(description="Evaluation time.")


class QueryRangeParams(StrictParams):
    promql: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PROMQL_CHARS,
        description="A PromQL expression, sent as is (Prometheus queries cannot write). Give "
        "either this or `measure`.",
    )
    measure: Measure | None = Field(
        default=None,
        description="Instead of PromQL, a measure this server builds with its label "
        "conventions: the RED measures per service (request_rate, error_ratio, latency_p50/"
        "p95/p99 in ms) or the resource measures per pod (cpu_cores, memory_bytes, "
        "restarts_total). `subject` in the result names the labels of service and pod.",
    )
    namespace: Name | None = Field(default=None, description="With `measure`: one namespace.")
    rate_window: Duration = Field(
        default="5m", description="With `measure`: the window of rate() at each point."
    )
    profile: ProfileName | None = Field(
        default=None, description="With a RED `measure`: istio or otel; default from settings."
    )
    start: TimeText = Field(default="now-1h", description=START_DESCRIPTION)
    end: TimeText | None = Field(default=None, description=END_DESCRIPTION)
    step: Duration | None = Field(
        default=None,
        description="Resolution (e.g. 30s, 5m). Default: chosen from `points`, rounded to a "
        "readable step, never finer than Prometheus' 11,000 points per series.",
    )
    points: int = Field(
        default=120,
        ge=2,
        le=PROMETHEUS_MAX_POINTS,
        description="Points per series wanted when the step is automatic: 120 shows a trend "
        "on a chart and stays small for an LLM.",
    )
    limit: int = Field(default=50, ge=1, le=2000, description="Most series returned.")
    max_points: int = Field(
        default=2000,
        ge=1,
        le=500_000,
        description="Total points returned before series are summarized (min/max/avg/last, "
        "summarized=true). 2,000 fits an LLM's context; a chart may ask for more.",
    )

    @model_validator(mode="after")
    def _promql_or_measure(self) -> QueryRangeParams:
        if (self.promql is None) == (self.measure is None):
            raise ValueError("give either promql or measure (one of them)")
        return self


class RangeResult(SeriesSet):
    promql: str = Field(description="The PromQL that ran, exactly; rerun it over the range.")
    start: datetime
    end: datetime
    step: str = Field(description="The step used, as a Prometheus duration.")
    step_seconds: float
    subject: SubjectLabels | None = Field(
        default=None, description="With `measure`: the labels naming each series' subject."
    )


class CompareParams(StrictParams):
    metric: MetricName = Field(description="Metric to compare, e.g. istio_requests_total.")
    labels: LabelFilters = Field(
        default_factory=dict, description="Exact label values to select (quoted safely)."
    )
    label_regex: LabelFilters = Field(
        default_factory=dict, description='RE2 regexes per label, e.g. {"response_code": "5.."}.'
    )
    function: promql.RangeFunction | None = Field(
        default=None,
        description="Applied over the window. Default: rate for counters (_total, _count, "
        "_sum, _bucket), avg_over_time otherwise; last takes the value at the window's end.",
    )
    aggregation: promql.Aggregation = Field(default="sum", description="Across series.")
    by: list[LabelName] = Field(
        default_factory=list, max_length=10, description="Labels to keep (one row per group)."
    )
    window: Duration = Field(default="1h", description="Length of each window.")
    baseline_offset: Duration = Field(
        default="1d",
        description="How far back the baseline window is: 1d = same time yesterday (daily "
        "traffic cycles make it the fairest default), 1w = same time last week.",
    )
    at: TimeText | None = Field(default=None, description=AT_DESCRIPTION)
    limit: int = Field(default=50, ge=1, le=1000, description="Most groups returned.")


class WindowChange(BaseModel):
    labels: dict[str, str]
    current: float | None
    baseline: float | None
    ratio: float | None = Field(description="current / baseline; null if the baseline is 0.")
    change_percent: float | None


class CompareResult(BaseModel):
    promql_current: str
    promql_baseline: str = Field(description="Same expression with `offset`; run at `time`.")
    time: datetime = Field(description="End of the current window; both queries run at it.")
    window: str
    baseline_offset: str
    changes: list[WindowChange] = Field(description="Groups, largest current value first.")
    total_groups: int
    truncated: bool


def range_step(step: str | None, points: int, span_seconds: float) -> float:
    """The step of a range query: given (checked against the limit) or automatic."""
    if step is None:
        return auto_step(span_seconds, points)
    seconds = parse_duration(step)
    if span_seconds / seconds > PROMETHEUS_MAX_POINTS:
        smallest = format_duration(math.ceil(min_step(span_seconds)))
        raise InvalidParams(
            f"step {step} gives more than {PROMETHEUS_MAX_POINTS} points per series over this "
            f"range; use a step of at least {smallest} (or omit it)"
        )
    return seconds


def _ratio(current: float | None, baseline: float | None) -> float | None:
    if current is None or baseline is None or baseline == 0:
        return None
    return current / baseline


def register_query_tools(
    registry: ToolRegistry, client: PrometheusClient, settings: PrometheusSettings
) -> None:
    """Add ``query``, ``query_range`` and ``compare_windows`` to ``registry``."""

    @registry.tool(
        description="Run a PromQL instant query at one time and return tidy series "
        "(labels, timestamp, value). Use it for 'how much right now' questions; prefer "
        "red_summary or resource_usage when they fit, they build the PromQL for you."
    )
    async def query(params: QueryParams) -> InstantResult:
        at = pinned_at(params.at)
        data = await client.query(params.promql, at.timestamp())
        series = tidy(data, limit=params.limit, max_points=params.limit)
        return InstantResult(promql=params.promql, time=at, **dict(series))

    @registry.tool(
        description="Run a PromQL range query and return tidy series (labels, timestamps, "
        "values) for a chart. The step is automatic unless given; large answers come back "
        "summarized per series (min/max/avg/last) with summarized=true. Instead of PromQL, "
        "a `measure` (request_rate, error_ratio, latency_p95, cpu_cores, ...) is built here "
        "with this server's label conventions."
    )
    async def query_range(params: QueryRangeParams) -> RangeResult:
        start, end = pinned_range(params.start, params.end)
        step = range_step(params.step, params.points, (end - start).total_seconds())
        subject = None
        text = params.promql
        if params.measure is not None:
            text, subject = measure_query(
                settings, params.measure, params.namespace, params.rate_window, params.profile
            )
        assert text is not None  # the params hold promql or a measure
        data = await client.query_range(text, start.timestamp(), end.timestamp(), step)
        series = tidy(data, limit=params.limit, max_points=params.max_points)
        return RangeResult(
            promql=text,
            start=start,
            end=end,
            step=format_duration(step),
            step_seconds=step,
            subject=subject,
            **dict(series),
        )

    @registry.tool(
        description="Compare a metric over a recent window with the same window at a baseline "
        "offset (default: same time yesterday): per group, current, baseline and their ratio. "
        "Use it to tell 'unusual' from 'always like this'."
    )
    async def compare_windows(params: CompareParams) -> CompareResult:
        at = pinned_at(params.at)
        function = params.function or promql.default_function(params.metric)
        series = promql.selector(
            params.metric,
            promql.equality_matchers(params.labels) + promql.regex_matchers(params.label_regex),
        )
        shape = (function, params.window, params.aggregation, params.by)
        current_q = promql.windowed(series, *shape)
        baseline_q = promql.windowed(series, *shape, offset=params.baseline_offset)
        answers = await client.query_many(
            {"current": current_q, "baseline": baseline_q}, at.timestamp()
        )
        current = values_by_labels(answers["current"])
        baseline = values_by_labels(answers["baseline"])
        groups = sorted(
            current.keys() | baseline.keys(),
            key=lambda key: -(current.get(key) or 0.0),
        )
        changes = []
        for key in groups[: params.limit]:
            ratio = _ratio(current.get(key), baseline.get(key))
            changes.append(
                WindowChange(
                    labels=dict(key),
                    current=current.get(key),
                    baseline=baseline.get(key),
                    ratio=ratio,
                    change_percent=None if ratio is None else (ratio - 1) * 100,
                )
            )
        return CompareResult(
            promql_current=current_q,
            promql_baseline=baseline_q,
            time=at,
            window=params.window,
            baseline_offset=params.baseline_offset,
            changes=changes,
            total_groups=len(groups),
            truncated=len(groups) > params.limit,
        )
