"""Known series for the Prometheus tests: an hour of a small mesh with two faults injected.

Istio request metrics, OpenTelemetry HTTP metrics, cAdvisor, kube-state-metrics and
node-exporter series, generated from a seeded random stream: an error burst on
payment-service, a latency fault on product-service, and an inventory-service pod leaking
memory until it is OOMKilled twice. Label values are unique to these tests (namespace
``promtest``), so the session's shared Prometheus may hold other data beside them.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

from opslens_eval.prometheus.history import STEP_S, History

NAMESPACE = "promtest"
OTHER_NAMESPACE = "promtest-other"
SPAN_S = 3600
ISTIO_BUCKETS_MS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
OTEL_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
POD_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class Service:
    name: str
    namespace: str
    caller: str
    rps: float
    median_ms: float
    error_ratio: float = 0.005


@dataclass(frozen=True)
class Fault:
    """From ``start`` to ``end`` (offsets in seconds before the history's end)."""

    service: str
    start_before_end: int
    end_before_end: int
    error_ratio: float | None = None
    latency_factor: float = 1.0

    def active(self, t: int, end: int) -> bool:
        return end - self.start_before_end < t <= end - self.end_before_end


SERVICES = (
    Service("frontend", NAMESPACE, "istio-ingressgateway", 12.0, 40.0),
    Service("product-service", NAMESPACE, "frontend", 8.0, 30.0),
    Service("payment-service", NAMESPACE, "order-service", 4.0, 60.0),
    Service("inventory-service", NAMESPACE, "product-service", 6.0, 15.0),
    Service("주문서비스", NAMESPACE, "frontend", 2.0, 50.0),
    Service("payment-service", OTHER_NAMESPACE, "order-service", 3.0, 20.0, 0.2),
)
OTEL_SERVICE = Service("checkout-otel", NAMESPACE, "frontend", 5.0, 120.0, 0.02)
FAULTS = (
    Fault("payment-service", 30 * 60, 15 * 60, error_ratio=0.35),
    Fault("product-service", 55 * 60, 40 * 60, latency_factor=15.0),
)
ERROR_FAULT, LATENCY_FAULT = FAULTS
WORKLOADS = ("frontend", "product-service", "payment-service", "inventory-service")
LEAKING_WORKLOAD = "inventory-service"
NODES = ("promtest-node-1", "promtest-node-2", "promtest-node-3")


def _poisson(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def _latency(rng: random.Random, median: float) -> float:
    return rng.lognormvariate(math.log(median), 0.6)


def _request_step(rng: random.Random, service: Service, t: int, end: int) -> dict[str, list[float]]:
    """Latencies of this step's requests by response code."""
    error_ratio, factor = service.error_ratio, 1.0
    for fault in FAULTS:
        if (
            fault.service == service.name
            and service.namespace == NAMESPACE
            and fault.active(t, end)
        ):
            error_ratio = fault.error_ratio if fault.error_ratio is not None else error_ratio
            factor = fault.latency_factor
    by_code: dict[str, list[float]] = {"200": [], "404": [], "503": []}
    for _ in range(_poisson(rng, service.rps * STEP_S)):
        draw = rng.random()
        code = "503" if draw < error_ratio else "404" if draw < error_ratio + 0.02 else "200"
        by_code[code].append(_latency(rng, service.median_ms * factor))
    return by_code


def _add_histogram(
    history: History,
    family: str,
    labels: dict[str, str],
    buckets: tuple[float, ...],
    totals: dict[str, float],
    observations: list[float],
    t: int,
) -> None:
    key = tuple(sorted(labels.items()))
    counts = [0] * (len(buckets) + 1)
    for value in observations:
        counts[bisect.bisect_left(buckets, value)] += 1
    cumulative = 0
    for upper, count in zip([*map(_bound, buckets), "+Inf"], counts, strict=True):
        cumulative += count
        name = f"{key}{upper}"
        totals[name] = totals.get(name, 0) + cumulative
        history.add(
            family, "histogram", f"{family}_bucket", {**labels, "le": upper}, t, totals[name]
        )
    for suffix, value in (("_count", len(observations)), ("_sum", sum(observations))):
        totals[f"{key}{suffix}"] = totals.get(f"{key}{suffix}", 0) + value
        history.add(family, "histogram", family + suffix, labels, t, totals[f"{key}{suffix}"])


def _bound(value: float) -> str:
    return f"{value:g}"


def _istio_labels(service: Service, reporter: str, code: str) -> dict[str, str]:
    return {
        "reporter": reporter,
        "source_workload": service.caller,
        "source_workload_namespace": service.namespace,
        "destination_workload": service.name,
        "destination_workload_namespace": service.namespace,
        "destination_service_name": service.name,
        "destination_service_namespace": service.namespace,
        "request_protocol": "http",
        "response_code": code,
    }


def _otel_labels(service: Service, code: str) -> dict[str, str]:
    return {
        "service_name": service.name,
        "k8s_namespace_name": service.namespace,
        "http_request_method": "POST",
        "http_route": "/api/checkout",
        "http_response_status_code": "500" if code == "503" else code,
    }


def add_requests(
    history: History, rng: random.Random, services: tuple[Service, ...] = SERVICES
) -> None:
    """Istio series for every service (both reporters) and the OTel service's histogram."""
    totals: dict[str, float] = {}
    for t in history.times():
        for service in services:
            for code, latencies in _request_step(rng, service, t, history.end).items():
                for reporter, extra in (("destination", 0), ("source", rng.randint(0, 3))):
                    labels = _istio_labels(service, reporter, code)
                    name = f"{labels}"
                    totals[name] = totals.get(name, 0) + len(latencies) + extra
                    history.counter("istio_requests_total", labels, t, totals[name])
                labels = _istio_labels(service, "destination", code)
                _add_histogram(
                    history,
                    "istio_request_duration_milliseconds",
                    labels,
                    ISTIO_BUCKETS_MS,
                    totals,
                    latencies,
                    t,
                )
        for code, latencies in _request_step(rng, OTEL_SERVICE, t, history.end).items():
            seconds = [value / 1000 for value in latencies]
            labels = _otel_labels(OTEL_SERVICE, code)
            _add_histogram(
                history,
                "http_server_request_duration_seconds",
                labels,
                OTEL_BUCKETS_S,
                totals,
                seconds,
                t,
            )


def pod_names(rng: random.Random) -> dict[str, list[str]]:
    """Two pods per workload, named as a Deployment names them."""

    def pod(workload: str) -> str:
        template = "".join(rng.choice(POD_HASH_ALPHABET) for _ in range(10))
        return f"{workload}-{template}-{''.join(rng.choice(POD_HASH_ALPHABET) for _ in range(5))}"

    return {workload: [pod(workload), pod(workload)] for workload in WORKLOADS}


def add_workloads(history: History, rng: random.Random) -> dict[str, list[str]]:
    """cAdvisor and kube-state-metrics series; one inventory pod leaks memory, OOMKilled twice."""
    pods = pod_names(rng)
    leaking = pods[LEAKING_WORKLOAD][0]
    ooms = {history.end - 45 * 60, history.end - 20 * 60}
    for w_index, (workload, names) in enumerate(pods.items()):
        for p_index, pod in enumerate(names):
            node = NODES[(w_index + p_index) % len(NODES)]
            limit = (512 if workload == LEAKING_WORKLOAD else 1024) * MEBIBYTE
            _add_pod(history, rng, workload, pod, node, limit, ooms if pod == leaking else set())
    return pods


def _add_pod(
    history: History,
    rng: random.Random,
    workload: str,
    pod: str,
    node: str,
    limit: float,
    ooms: set[int],
) -> None:
    base = {"namespace": NAMESPACE, "pod": pod}
    cadvisor = {**base, "node": node, "job": "kubelet", "metrics_path": "/metrics/cadvisor"}
    ksm = {**base, "container": workload, "job": "kube-state-metrics"}
    containers = {workload: 0.25, "istio-proxy": 0.05, "POD": 0.001}
    cpu = {name: 0.0 for name in containers}
    throttled = {name: 0.0 for name in containers}
    restarts, reason = 0, None
    memory: float = 200 * MEBIBYTE
    for t in history.times():
        if t in ooms:
            restarts, reason, memory, cpu[workload] = restarts + 1, "OOMKilled", 200 * MEBIBYTE, 0.0
        elif ooms:
            memory = min(memory + 8 * MEBIBYTE, limit)
        usage = {}
        for name, cores in containers.items():
            cpu[name] += max(0.0, rng.gauss(cores, cores / 5)) * STEP_S
            throttled[name] += rng.randint(0, 3) if name == workload else 0
            usage[name] = (
                memory if name == workload else 60 * MEBIBYTE if name == "istio-proxy" else MEBIBYTE
            ) + rng.randint(0, MEBIBYTE)
        periods = (t - history.start) // STEP_S * STEP_S * 10
        totals = {"": (sum(cpu.values()), sum(usage.values()), sum(throttled.values()))}
        totals.update({name: (cpu[name], usage[name], throttled[name]) for name in containers})
        for container, (cpu_s, memory_b, throttled_n) in totals.items():
            labels = {**cadvisor, "container": container}
            history.counter("container_cpu_usage_seconds_total", labels, t, cpu_s)
            history.gauge("container_memory_working_set_bytes", labels, t, memory_b)
            history.counter("container_cpu_cfs_throttled_periods_total", labels, t, throttled_n)
            history.counter("container_cpu_cfs_periods_total", labels, t, periods)
        history.counter("kube_pod_container_status_restarts_total", ksm, t, restarts)
        if reason:
            history.gauge(
                "kube_pod_container_status_last_terminated_reason", {**ksm, "reason": reason}, t, 1
            )
        for resource, unit, value in (("memory", "byte", limit), ("cpu", "core", 1.0)):
            history.gauge(
                "kube_pod_container_resource_limits",
                {**ksm, "resource": resource, "unit": unit},
                t,
                value,
            )


def add_nodes(history: History, rng: random.Random) -> None:
    """node-exporter CPU seconds for two CPUs per node, each node with its own load."""
    seconds: dict[str, float] = {}
    for t in history.times():
        for index, node in enumerate(NODES):
            busy = 0.2 + 0.25 * index
            for cpu in ("0", "1"):
                share = min(1.0, max(0.0, rng.gauss(busy, 0.05)))
                for mode, part in (
                    ("idle", 1 - share),
                    ("user", share * 0.7),
                    ("system", share * 0.3),
                ):
                    labels = {
                        "instance": f"{node}:9100",
                        "job": "node-exporter",
                        "cpu": cpu,
                        "mode": mode,
                    }
                    name = f"{labels}"
                    seconds[name] = seconds.get(name, 0.0) + part * STEP_S
                    history.counter("node_cpu_seconds_total", labels, t, seconds[name])


def build_history(
    end: int, seed: int = 7, services: tuple[Service, ...] = SERVICES, span_s: int = SPAN_S
) -> tuple[History, dict[str, list[str]]]:
    """The history ending at ``end`` (a multiple of the step), and the pods by workload.

    The tests use the defaults; the bench passes a larger mesh and a shorter span.
    """
    assert end % STEP_S == 0, "the end must fall on a sample"
    history = History(start=end - span_s, end=end)
    rng = random.Random(seed)
    add_requests(history, rng, services)
    pods = add_workloads(history, rng)
    add_nodes(history, rng)
    return history, pods
