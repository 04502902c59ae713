"""Status tools: scrape ``targets`` (health, last error), ``alerts`` and ``rules``."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.params import Name, StrictParams
from opslens_mcp.prometheus.tools_discovery import ApiCall, api_call


class TargetsParams(StrictParams):
    state: Literal["active", "dropped", "any"] = Field(
        default="active", description="active: scraped now; dropped: removed by relabelling."
    )
    job: Name | None = Field(default=None, description="Only this scrape job.")
    health: Literal["up", "down", "unknown"] | None = Field(
        default=None, description="Only targets in this health; down shows what is broken."
    )
    limit: int = Field(default=100, ge=1, le=5000, description="Most targets returned.")


class Target(BaseModel):
    job: str
    instance: str | None
    health: str | None = Field(description="up, down or unknown (dropped targets: null).")
    last_error: str | None
    last_scrape: datetime | None
    last_scrape_duration_s: float | None
    scrape_url: str | None
    labels: dict[str, str]


class Targets(BaseModel):
    targets: list[Target] = Field(description="Down targets first, then by job and instance.")
    health_counts: dict[str, int] = Field(description="Targets per health, after filters.")
    total: int
    has_more: bool
    request: ApiCall


class AlertsParams(StrictParams):
    state: Literal["firing", "pending"] | None = Field(default=None, description="Filter.")
    name: Name | None = Field(default=None, description="Only this alertname.")
    limit: int = Field(default=100, ge=1, le=5000, description="Most alerts returned.")


class Alert(BaseModel):
    name: str
    state: str
    labels: dict[str, str]
    annotations: dict[str, str]
    active_at: datetime | None
    value: str | None


class Alerts(BaseModel):
    alerts: list[Alert] = Field(description="Firing first, then by name.")
    total: int
    has_more: bool
    request: ApiCall


class RulesParams(StrictParams):
    type: Literal["alert", "record"] | None = Field(default=None, description="Filter.")
    name_contains: str | None = Field(default=None, max_length=200, description="Filter.")
    limit: int = Field(default=100, ge=1, le=5000, description="Most rules returned.")


class Rule(BaseModel):
    group: str
    file: str | None
    name: str
    type: str = Field(description="alerting or recording.")
    query: str = Field(description="The rule's PromQL.")
    health: str | None
    last_error: str | None
    state: str | None = Field(description="Alerting rules: inactive, pending or firing.")
    duration_s: float | None = Field(description="Alerting rules: the `for` duration.")
    labels: dict[str, str]
    annotations: dict[str, str]
    active_alerts: int
    last_evaluation: datetime | None


class Rules(BaseModel):
    rules: list[Rule]
    total: int
    has_more: bool
    request: ApiCall


def _time(text: Any) -> datetime | None:
    """Prometheus' RFC 3339 times; its zero time means 'never'."""
    if not text or str(text).startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(str(text))


def _target(raw: dict[str, Any]) -> Target:
    labels = raw.get("labels") or raw.get("discoveredLabels") or {}
    return Target(
        job=labels.get("job") or raw.get("scrapePool") or "",
        instance=labels.get("instance") or labels.get("__address__"),
        health=raw.get("health"),
        last_error=raw.get("lastError") or None,
        last_scrape=_time(raw.get("lastScrape")),
        last_scrape_duration_s=raw.get("lastScrapeDuration"),
        scrape_url=raw.get("scrapeUrl"),
        labels=labels,
    )


def _rule(group: dict[str, Any], raw: dict[str, Any]) -> Rule:
    return Rule(
        group=group.get("name", ""),
        file=group.get("file"),
        name=raw.get("name", ""),
        type=raw.get("type", ""),
        query=raw.get("query", ""),
        health=raw.get("health"),
        last_error=raw.get("lastError") or None,
        state=raw.get("state"),
        duration_s=raw.get("duration"),
        labels=raw.get("labels") or {},
        annotations=raw.get("annotations") or {},
        active_alerts=len(raw.get("alerts") or []),
        last_evaluation=_time(raw.get("lastEvaluation")),
    )


def register_status_tools(registry: ToolRegistry, client: PrometheusClient) -> None:
    """Add ``targets``, ``alerts`` and ``rules`` to ``registry``."""

    @registry.tool(
        description="Scrape targets with their health (up/down), last error and last scrape. "
        "When metrics are missing, check here first: a down target explains the gap."
    )
    async def targets(params: TargetsParams) -> Targets:
        query = {"state": params.state}
        data = await client.api("targets", query)
        raw = [*(data.get("activeTargets") or []), *(data.get("droppedTargets") or [])]
        found = [
            target
            for target in map(_target, raw)
            if (params.job is None or target.job == params.job)
            and (params.health is None or target.health == params.health)
        ]
        found.sort(key=lambda t: (t.health != "down", t.job, t.instance or ""))
        return Targets(
            targets=found[: params.limit],
            health_counts=dict(Counter(target.health or "dropped" for target in found)),
            total=len(found),
            has_more=len(found) > params.limit,
            request=api_call("targets", query),
        )

    @registry.tool(
        description="Alerts Prometheus is firing or about to fire (pending), with labels, "
        "annotations and since when. 'Is anything wrong' starts here."
    )
    async def alerts(params: AlertsParams) -> Alerts:
        data = await client.api("alerts")
        found = [
            Alert(
                name=raw.get("labels", {}).get("alertname", ""),
                state=raw.get("state", ""),
                labels=raw.get("labels") or {},
                annotations=raw.get("annotations") or {},
                active_at=_time(raw.get("activeAt")),
                value=raw.get("value"),
            )
            for raw in data.get("alerts") or []
        ]
        found = [
            alert
            for alert in found
            if (params.state is None or alert.state == params.state)
            and (params.name is None or alert.name == params.name)
        ]
        found.sort(key=lambda alert: (alert.state != "firing", alert.name))
        return Alerts(
            alerts=found[: params.limit],
            total=len(found),
            has_more=len(found) > params.limit,
            request=api_call("alerts", {}),
        )

    @registry.tool(
        description="Alerting and recording rules with their PromQL, health, last error and "
        "state. Use it to see what an alert measures, or why it is not firing."
    )
    async def rules(params: RulesParams) -> Rules:
        query = {"type": params.type} if params.type else {}
        data = await client.api("rules", query)
        wanted = (params.name_contains or "").lower()
        found = [
            _rule(group, raw)
            for group in data.get("groups") or []
            for raw in group.get("rules") or []
            if wanted in str(raw.get("name", "")).lower()
        ]
        return Rules(
            rules=found[: params.limit],
            total=len(found),
            has_more=len(found) > params.limit,
            request=api_call("rules", query),
        )
