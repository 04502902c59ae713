"""Cluster questions: pods (restarts, states), warning events and diagnosis, per service."""

from __future__ import annotations

import re
from typing import Any

from opslens.agent.response import KubeEvidence, PodRecord
from opslens.agent.steps import adapters
from opslens.agent.steps.run import Run
from opslens.agent.toolbox import CallOutcome, ToolCall
from opslens_mcp.contract.kubernetes import (
    DiagnoseResult,
    ListEventsResult,
    ListPodsResult,
    WorkloadResult,
)

# Pod states people ask for by name, as kubectl shows them.
POD_STATES = {
    "CrashLoopBackOff": re.compile(r"crash\s*loop|크래시\s*루프", re.IGNORECASE),
    "OOMKilled": re.compile(r"\boom|out of memory|메모리 부족", re.IGNORECASE),
    "ImagePullBackOff": re.compile(r"image\s*pull|errimagepull|이미지", re.IGNORECASE),
    "Pending": re.compile(r"\bpending\b|대기 중|펜딩", re.IGNORECASE),
}
PODS_NAMED = 5


def pod_state_asked(question: str) -> str | None:
    return next((state for state, words in POD_STATES.items() if words.search(question)), None)


def _namespace(run: Run) -> dict[str, Any]:
    return {"namespace": run.plan.namespace} if run.plan.namespace else {}


async def gather_kubernetes(run: Run) -> None:
    """Pods of the services (or all), restarts in the window, warning events, findings."""
    plan = run.plan
    state = pod_state_asked(run.question)
    window_now = {"now": plan.end.isoformat()}
    calls = [
        ToolCall(
            "kubernetes",
            "list_events",
            {**_namespace(run), "type": "Warning", "since": plan.start.isoformat(), **window_now},
            "warning events",
        ),
        ToolCall(
            "kubernetes",
            "diagnose",
            {**_namespace(run), "since": plan.start.isoformat(), **window_now},
            "cluster diagnosis",
        ),
    ]
    for service in plan.services:
        calls.append(
            ToolCall(
                "kubernetes",
                "workload_for_service",
                {"service": service, **_namespace(run)},
                "pods of {service}",
                {"service": service},
            )
        )
    if not plan.services:
        pod_params: dict[str, Any] = {**_namespace(run), "order_by": "restarts", **window_now}
        if state:
            pod_params["status"] = state
        elif plan.metric == "restarts":
            pod_params["restarted_since"] = plan.start.isoformat()
        calls.append(ToolCall("kubernetes", "list_pods", pod_params, "pods"))
    outcomes = await run.call_all(calls)
    events, diagnosis, *pod_calls = outcomes
    evidence = KubeEvidence()
    for outcome in pod_calls:
        if outcome.ok:
            evidence.pods.extend(_pods_of(outcome))
    if events.ok:
        evidence.events = adapters.event_records(events.typed(ListEventsResult).events)
    if diagnosis.ok:
        evidence.findings = adapters.finding_records(diagnosis.typed(DiagnoseResult).findings)
    if plan.services:  # the cluster-wide answers, narrowed to the services asked about
        names = {pod.name for pod in evidence.pods}
        evidence.events = [e for e in evidence.events if _concerns(e.object, plan.services, names)]
        evidence.findings = [
            f for f in evidence.findings if _concerns(f.object, plan.services, names)
        ]
    run.evidence.k8s = evidence
    say_pods(run, evidence.pods, state)
    _say_events(run, evidence)


def _concerns(object_ref: str, services: list[str], pod_names: set[str]) -> bool:
    """Whether ``Kind/name`` is one of the services' pods or workloads (a Deployment named as
    the service, its ReplicaSets and pods named after it)."""
    name = object_ref.split("/", 1)[-1]
    return name in pod_names or any(
        name == service or name.startswith(f"{service}-") for service in services
    )


def _pods_of(outcome: CallOutcome) -> list[PodRecord]:
    if outcome.call.tool == "list_pods":
        return adapters.pod_records(outcome.typed(ListPodsResult).pods)
    return adapters.pod_records(adapters.workload_pods(outcome.typed(WorkloadResult), unowned=True))


def say_pods(run: Run, pods: list[PodRecord], state: str | None) -> None:
    """What the pods show: those in ``state`` if one was asked about, else their restarts."""
    if state:
        matching = [pod for pod in pods if pod.status == state]
        if matching:
            names = ", ".join(pod.name for pod in matching[:PODS_NAMED])
            run.say("k8s.pods_in_state", count=len(matching), state=state, pods=names)
        else:
            run.say("k8s.no_pods_in_state", state=state)
        return
    restarted = sorted((pod for pod in pods if pod.restarts), key=lambda pod: -pod.restarts)
    for pod in restarted[:PODS_NAMED]:
        run.say(
            "k8s.pod_restarts",
            pod=pod.name,
            restarts=pod.restarts,
            reason=pod.last_termination_reason or "?",
        )
    if not restarted and (run.plan.metric == "restarts" or run.plan.services):
        run.say("k8s.no_restarts", services=run.plan.services)


def _say_events(run: Run, evidence: KubeEvidence) -> None:
    if not evidence.events:
        run.say("k8s.no_events", services=run.plan.services)
    else:
        reasons: dict[str, int] = {}
        for event in evidence.events:
            reasons[event.reason] = reasons.get(event.reason, 0) + event.count
        text = ", ".join(
            f"{reason} x{count}" for reason, count in sorted(reasons.items(), key=lambda i: -i[1])
        )
        run.say("k8s.events", count=sum(reasons.values()), reasons=text)
    for finding in evidence.findings[:3]:
        run.say(
            "k8s.finding",
            severity=finding.severity,
            title=f"{finding.title} {finding.object}",
            problem=finding.title,
            explanation=finding.explanation,
        )
