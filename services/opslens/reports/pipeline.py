"""One report run: collect, detect, group, rank, enrich, summarize.

:func:`detect` is the run without the summary (the agent's anomaly check runs it too).

Example::

    async with ReportClients.from_settings(settings) as clients:
        report = await run_report(settings, clients, RunRequest(window="6h"))
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType

from opslens.reports.collect_kube import KubeCollector
from opslens.reports.collect_logs import LogCollector
from opslens.reports.collect_metrics import MetricCollector
from opslens.reports.collect_periods import PeriodCollector
from opslens.reports.collect_traces import TraceCollector
from opslens.reports.detectors import detect_all
from opslens.reports.enrich import add_trace_evidence, incident_templates, trace_example
from opslens.reports.findings_incident import findings_incident
from opslens.reports.incidents import build_incident, group_anomalies, has_impact
from opslens.reports.models import Incident, Report
from opslens.reports.rootcause.ranking import finding_of, rank_findings
from opslens.reports.settings import DetectionSettings, Language, ReportSettings
from opslens.reports.summary import Summarizer
from opslens.reports.telemetry import Blame, Telemetry, Window
from opslens.reports.toolcalls import ToolCaller
from opslens.rpc_client import RpcClient
from opslens_mcp.core.times import parse_duration

MAX_INCIDENTS = 20


@dataclass(frozen=True)
class RunRequest:
    """What to report on: ``window`` before ``end`` (default now), and optionally a known-good
    ``reference`` window for logs and traces when the trailing baseline holds none.
    ``known_problem``: an alert or a person says something is wrong in the window, so what
    moved convincingly makes an incident even when no detector alarmed (see
    :mod:`opslens.reports.findings_incident`). ``blamed``: earlier reports' incidents and
    the services they held (:func:`blames`), kept out of those services' baselines."""

    window: str = "1h"
    end: datetime | None = None
    schedule: str | None = None
    language: Language | None = None
    namespaces: list[str] | None = None
    reference: tuple[datetime, datetime] | None = None
    known_problem: bool = False
    blamed: tuple[Blame, ...] = ()


def blames(reports: Iterable[Report]) -> list[Blame]:
    """Each incident of ``reports`` with every service it holds (those that moved in it and
    its root cause), as a later run's ``blamed``."""
    return [
        Blame(incident.start, incident.end, service)
        for report in reports
        for incident in report.incidents
        for service in sorted({*incident.services, *filter(None, [incident.root_cause])})
    ]


@dataclass
class ReportClients:
    """One RPC client per MCP server, opened once and shared by every run."""

    clients: dict[str, RpcClient] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: ReportSettings) -> ReportClients:
        token = settings.servers_token.get_secret_value() if settings.servers_token else None
        urls = {
            "prometheus": settings.prometheus_url,
            "opensearch": settings.opensearch_url,
            "kubernetes": settings.kubernetes_url,
        }
        return cls(
            {
                name: RpcClient(url, name=name, token=token, timeout_s=settings.tool_timeout_s)
                for name, url in urls.items()
            }
        )

    async def __aenter__(self) -> ReportClients:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))


def resolve_window(settings: DetectionSettings, request: RunRequest) -> Window:
    end = (request.end or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(seconds=parse_duration(request.window))
    baseline_start = start - timedelta(seconds=parse_duration(settings.baseline))
    return Window(start, end, baseline_start, request.reference, request.blamed)


async def collect(settings: DetectionSettings, caller: ToolCaller, window: Window) -> Telemetry:
    """Everything the detectors read, fetched through the MCP servers in parallel."""
    telemetry = Telemetry(window)
    periods = PeriodCollector(caller, settings)
    read, *_ = await asyncio.gather(
        periods.read(telemetry),
        MetricCollector(caller, settings).collect(telemetry),
        LogCollector(caller, settings).collect(telemetry),
        TraceCollector(caller).collect(telemetry),
        KubeCollector(caller, settings).collect(telemetry),
    )
    telemetry.causes = periods.findings(telemetry, read)
    return telemetry


def find_incidents(
    telemetry: Telemetry, settings: DetectionSettings, known_problem: bool = False
) -> list[Incident]:
    """Anomalies grouped into incidents (not ranked yet); most severe incident first. With no
    incident, one of the period findings when they convince (see ``findings_incident``)."""
    services = {s.service for s in telemetry.metrics if s.service}
    slos = {service: settings.slo(service) for service in services | set(telemetry.burn)}
    groups = group_anomalies(detect_all(telemetry, slos))
    incidents = [build_incident(members) for members in groups if has_impact(members)]
    incidents.sort(key=lambda i: (-max(a.score for a in i.anomalies), i.start))
    if not incidents and (found := findings_incident(telemetry, known_problem)) is not None:
        incidents = [found]
    return incidents[:MAX_INCIDENTS]


async def examine(incidents: list[Incident], telemetry: Telemetry, caller: ToolCaller) -> None:
    """Per incident: error types of its failed traces, ranking, log templates, a trace.

    Each incident ranks its anomalies together with what moved in the window against the
    baseline periods (:mod:`opslens.reports.collect_periods`)."""
    await add_trace_evidence(incidents, telemetry, TraceCollector(caller))
    for incident in incidents:
        detected = incident.raised_by == "detectors"  # else its anomalies are the findings
        found = [finding_of(a) for a in incident.anomalies if a.service and detected]
        incident.candidates = rank_findings([*found, *telemetry.causes], telemetry.edges)
        incident.log_templates = incident_templates(incident, telemetry)
    examples = await asyncio.gather(*(trace_example(i, telemetry, caller) for i in incidents))
    for incident, example in zip(incidents, examples, strict=True):
        incident.trace_example = example


async def detect(
    settings: DetectionSettings, caller: ToolCaller, window: Window, known_problem: bool = False
) -> tuple[Telemetry, list[Incident]]:
    """The detection part of a run: collect, detect, group into incidents, rank their causes."""
    telemetry = await collect(settings, caller, window)
    incidents = find_incidents(telemetry, settings, known_problem)
    await examine(incidents, telemetry, caller)
    return telemetry, incidents


async def run_report(
    settings: ReportSettings,
    clients: ReportClients,
    request: RunRequest,
    summarizer: Summarizer | None = None,
) -> Report:
    """Run one report end to end (nothing is stored or delivered here)."""
    started = time.perf_counter()
    if request.namespaces:
        settings = settings.model_copy(update={"namespaces": request.namespaces})
    window = resolve_window(settings, request)
    telemetry, incidents = await detect(
        settings, ToolCaller(clients.clients), window, request.known_problem
    )
    language = request.language or settings.language
    created = datetime.now(UTC)
    report = Report(
        id=_report_id(request.schedule, window.end, created),
        schedule=request.schedule,
        created_at=created,
        window_start=window.start,
        window_end=window.end,
        baseline_start=window.baseline_start,
        namespaces=list(settings.namespaces),
        language=language,
        incidents=incidents,
        summary="",
        summary_source="template",
        signals=telemetry.status,
        duration_ms=0.0,
        edges=sorted(telemetry.edges),
    )
    summarizer = summarizer or Summarizer(None)
    report.summary, report.summary_source = await summarizer.summarize(report)
    report.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return report


def _report_id(schedule: str | None, end: datetime, created: datetime) -> str:
    stamp = end.strftime("%Y%m%dT%H%MZ")
    return f"{schedule or 'adhoc'}-{stamp}-{created.strftime('%H%M%S%f')[:9]}"
