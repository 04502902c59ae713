"""Logs questions: the matching lines, their count, which services dominate, top templates."""

from __future__ import annotations

from typing import Any

from opslens.agent.response import LogEvidence, PatternRecord, ServiceCount
from opslens.agent.steps import adapters
from opslens.agent.steps.fleet import threshold_text
from opslens.agent.steps.run import Run
from opslens.agent.steps.status import say_status_share
from opslens.agent.toolbox import ToolCall
from opslens_mcp.contract.opensearch import (
    CountLogsResult,
    LogPatternsResult,
    SearchLogsResult,
    TopValuesResult,
)

RECORDS_SHOWN = 50
SERVICES_SHOWN = 5  # in the answer's per-service ranking, unless the question asks for N
# The same application lines usually reach both pipelines (Vector and the OTel collector):
# counting both would double every number, so one source answers and the other is the fallback.
LOG_SOURCES = ("containers", "otel")


def log_filters(
    run: Run, *, level: str | None = None, source: str = LOG_SOURCES[0]
) -> dict[str, Any]:
    """The plan's log filters as ``search_logs`` arguments (values only; the tool escapes)."""
    plan = run.plan
    params: dict[str, Any] = {**run.window(), "sources": [source]}
    if plan.services:
        params["service"] = plan.services
    if plan.namespace:
        params["namespace"] = [plan.namespace]
    if plan.pod:
        params["pod"] = [plan.pod]
    chosen = level or plan.level
    if chosen:
        params["level"] = [chosen]
    if plan.text:
        params["text"] = plan.text
    if plan.trace_id:
        params["trace_id"] = [plan.trace_id]
    return params


def say_unfiltered(run: Run, what: str, *, status_filtered: bool = False) -> None:
    """Log lines carry no HTTP status or route the tools can filter on, the mesh's metrics no
    route: say so, once, rather than answer as if they had been filtered."""
    said = {fact.key for fact in run.facts}
    if run.plan.status and not status_filtered and "status.not_filtered" not in said:
        run.say("status.not_filtered", what=what, status=run.plan.status)
    if run.plan.operation and "operation.not_filtered" not in said:
        run.say("operation.not_filtered", what=what, operation=run.plan.operation)


async def log_source(run: Run, level: str | None = None) -> str:
    """The first source that has matching lines (``containers`` unless only OTel logs do)."""
    for source in LOG_SOURCES[:-1]:
        count = await run.call(
            "opensearch",
            "count_logs",
            log_filters(run, level=level, source=source),
            "{source} log lines",
            {"source": source},
        )
        if count.ok and count.typed(CountLogsResult).total:
            return source
    return LOG_SOURCES[-1]


def say_by_service(run: Run, counts: list[ServiceCount]) -> None:
    """Lines per service, most first (fewest first when asked), or those past the limit."""
    plan = run.plan
    ranked = sorted(counts, key=lambda item: item.count, reverse=plan.order != "asc")
    limit = plan.threshold if plan.threshold and plan.threshold.unit == "count" else None
    if limit is not None:
        passing = [item for item in ranked if limit.passes(item.count)]
        said = threshold_text(limit, run.language)
        if passing:
            ranking = ", ".join(f"{item.service} {item.count}" for item in passing[: plan.top])
            run.say("logs.by_service_passing", limit=said, ranking=ranking, level=plan.level)
        else:
            run.say("logs.none_passing", limit=said, level=plan.level)
        return
    if ranked:
        shown = ranked[: plan.top or SERVICES_SHOWN]
        run.say("logs.by_service", ranking=", ".join(f"{i.service} {i.count}" for i in shown))


async def gather_logs(run: Run) -> None:
    """Lines, per-service counts (when no service was named) and the top message templates."""
    say_unfiltered(run, "logs")
    if run.plan.status:
        await say_status_share(run)
    filters = log_filters(run, source=await log_source(run))
    calls = [
        ToolCall("opensearch", "search_logs", {**filters, "limit": RECORDS_SHOWN}, "log lines"),
        ToolCall("opensearch", "log_patterns", {**filters}, "log message templates"),
    ]
    if not run.plan.services:
        calls.append(
            ToolCall(
                "opensearch",
                "top_values",
                {**filters, "field": "service", "limit": 20},
                "log lines per service",
            )
        )
    outcomes = await run.call_all(calls)
    search, patterns = outcomes[0], outcomes[1]
    evidence = LogEvidence()
    if search.ok:
        found = search.typed(SearchLogsResult)
        evidence.records = adapters.log_records(found)
        evidence.total = found.total
        evidence.truncated = found.has_more
        key = "logs.count" if evidence.total else "logs.none"
        run.say(key, count=evidence.total, services=run.plan.services, level=run.plan.level)
    if len(outcomes) > 2 and outcomes[2].ok:
        evidence.by_service = [
            ServiceCount(service=item.value, count=item.count)
            for item in outcomes[2].typed(TopValuesResult).values
        ]
        say_by_service(run, evidence.by_service)
    if patterns.ok:
        evidence.patterns = [
            PatternRecord(template=item.template, count=item.count, example=item.example)
            for item in patterns.typed(LogPatternsResult).patterns[:10]
        ]
        if evidence.patterns and evidence.total:
            top = evidence.patterns[0]
            run.say("logs.top_pattern", count=top.count, template=top.template)
    run.evidence.logs = evidence
