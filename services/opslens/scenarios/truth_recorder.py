"""Counts what the generator writes, as it writes it, into a :class:`GroundTruth`."""

from __future__ import annotations

from typing import Any

from opslens.scenarios.clock import to_datetime
from opslens.scenarios.cluster import Cluster
from opslens.scenarios.events import EventRecord
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.istio import LE_LABELS, MeshMinute
from opslens.scenarios.model import DependencyDown, Fault, MemoryLeak, Scenario
from opslens.scenarios.topology import Topology
from opslens.scenarios.traffic import Request
from opslens.scenarios.truth import (
    LEVELS,
    SINKS,
    EventTruth,
    FailedTrace,
    FaultTruth,
    GroundTruth,
    PodTruth,
    ServiceSeries,
)


class TruthRecorder:
    def __init__(self, scenario: Scenario, topology: Topology, now_ms: int) -> None:
        self.scenario, self.topology, self.now_ms = scenario, topology, now_ms
        self.minutes = scenario.history_ms // 60_000
        n = self.minutes
        self.series = {
            s.name: ServiceSeries(
                requests=[0] * n,
                errors=[0] * n,
                latency_sum_ms=[0.0] * n,
                latency_buckets=[[0] * len(LE_LABELS) for _ in range(n)],
                logs={sink: {level: [0] * n for level in LEVELS} for sink in SINKS},
                spans=[0] * n,
                trace_durations_ns=[],
            )
            for s in scenario.services
        }
        self.root_durations: list[tuple[int, int]] = []
        self.failed: list[FailedTrace] = []
        self.documents: dict[str, int] = {}

    def mesh(self, minute: int, mesh: MeshMinute) -> None:
        for destination, code, edge in mesh.by_destination():
            series = self.series[destination]
            series.requests[minute] += edge.count
            if code >= 500:
                series.errors[minute] += edge.count
            series.latency_sum_ms[minute] += edge.server_ms
            buckets = series.latency_buckets[minute]
            for i, value in enumerate(edge.cumulative()):
                buckets[i] += value

    def log(self, minute: int, sink: str, service: str, level: str) -> None:
        self.series[service].logs[sink][level][minute] += 1

    def trace(self, request: Request, trace_id: str, spans: list[dict[str, Any]]) -> None:
        minute = request.minute
        longest: dict[str, int] = {}
        errors: dict[str, None] = {}
        for span in spans:
            service = span["serviceName"]
            self.series[service].spans[minute] += 1
            longest[service] = max(longest.get(service, 0), span["durationInNanos"])
            if span["status.code"] == 2:
                errors[service] = None
        for service, ns in longest.items():
            self.series[service].trace_durations_ns.append((minute, ns))
        self.root_durations.append((minute, spans[0]["durationInNanos"]))
        if errors:
            origin = request.origin()
            dependency = None
            if origin is not None and origin.failure == "connection":
                dependency = origin.node.name
            self.failed.append(
                FailedTrace(
                    trace_id=trace_id,
                    minute=minute,
                    root_service=request.root.node.name,
                    root_operation=request.root.node.route,
                    request_failed=request.failed,
                    origin_service=origin.blame if origin else None,
                    origin_dependency=dependency,
                    error_services=list(errors),
                )
            )

    def documents_written(self, index: str, count: int) -> None:
        self.documents[index] = self.documents.get(index, 0) + count

    def finish(
        self, cluster: Cluster, plan: FaultPlan, events: list[EventRecord], indices: dict[str, str]
    ) -> GroundTruth:
        scenario, now = self.scenario, self.now_ms
        return GroundTruth(
            scenario=scenario.name,
            namespace=scenario.namespace,
            seed=scenario.seed,
            now=to_datetime(now),
            start=to_datetime(now - scenario.history_ms),
            minutes=self.minutes,
            metrics_step_s=scenario.step_ms // 1000,
            services=[s.name for s in scenario.services],
            calls=self.topology.edges(),
            indices=indices,
            documents=dict(sorted(self.documents.items())),
            bucket_le=list(LE_LABELS),
            faults=[self._fault(a.fault, a.start_ms, a.end_ms, cluster) for a in plan.windows()],
            series=self.series,
            root_durations_ns=self.root_durations,
            failed_traces=self.failed,
            pods=[
                PodTruth(
                    name=pod.name,
                    service=pod.service,
                    node=pod.node,
                    exists=pod.exists(now),
                    restarts=pod.restart_count(now),
                    last_termination_reason=pod.last_termination(now),
                    state="CrashLoopBackOff" if pod.crashing else "Running",
                    ready=pod.ready(now),
                    restart_times=[to_datetime(t) for t in pod.restarts if t <= now],
                )
                for pod in cluster.all_pods()
            ],
            events=[
                EventTruth(
                    namespace=e.namespace,
                    object_kind=e.object_kind,
                    object_name=e.object_name,
                    reason=e.reason,
                    message=e.message,
                    type=e.type,
                    count=e.count,
                    first=to_datetime(e.first_ms),
                    last=to_datetime(e.last_ms),
                )
                for e in events
            ],
        )

    def _fault(self, fault: Fault, start: int, end: int, cluster: Cluster) -> FaultTruth:
        target = fault.target
        callers = self._upstream(target)
        return FaultTruth(
            type=fault.type,
            root_cause_service=target,
            dependency=fault.dependency if isinstance(fault, DependencyDown) else None,
            pod=cluster.pods[target][fault.pod].name if isinstance(fault, MemoryLeak) else None,
            start=to_datetime(start),
            end=to_datetime(end),
            affected_services=[target, *callers],
            note=fault.note,
        )

    def _upstream(self, service: str) -> list[str]:
        """Services that call ``service`` directly or through others."""
        edges = self.topology.edges()
        found: list[str] = []
        frontier = [service]
        while frontier:
            current = frontier.pop()
            for caller, callee in edges:
                if callee == current and caller not in found and caller != service:
                    found.append(caller)
                    frontier.append(caller)
        return found
