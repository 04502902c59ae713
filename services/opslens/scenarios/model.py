"""The scenario file: services, who calls whom, traffic, and the faults to inject.

A scenario is YAML validated by these models. Times are offsets from ``now`` (``-50m``),
durations are ``6h``/``25m``/``90s``. Example::

    name: tiny
    namespace: demo
    history: 2h
    services:
      - name: web
        endpoints:
          - {route: "GET /", rps: 5, calls: [api]}
      - name: api
        endpoints: [{route: "GET /api/items"}]
    faults:
      - {type: error_burst, target: api, start: -30m, duration: 10m}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opslens.scenarios.clock import parse_duration_ms

Language = Literal["java", "go", "node", "python"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Latency(_Strict):
    """A service's own processing time (without its calls), log-normal through p50 and p95."""

    p50: float = Field(gt=0, description="Median in milliseconds.")
    p95: float = Field(gt=0, description="95th percentile in milliseconds.")

    @model_validator(mode="after")
    def _ordered(self) -> Latency:
        if self.p95 < self.p50:
            raise ValueError("p95 must be at least p50")
        return self


class Call(_Strict):
    """One downstream call made while serving an endpoint."""

    to: str = Field(description="The called service.")
    route: str | None = Field(
        default=None,
        description="The callee's endpoint route, or the SQL operation for a database "
        "(e.g. 'SELECT orders'); default: the callee's first endpoint.",
    )
    probability: float = Field(default=1.0, gt=0, le=1, description="Share of requests calling.")
    required: bool = Field(
        default=True,
        description="True: a failed call fails the caller (5xx upstream). False: the caller "
        "logs a warning and answers normally (e.g. a best-effort notification).",
    )


class Endpoint(_Strict):
    route: str = Field(description="Method and templated path, e.g. 'GET /api/orders/{id}'.")
    rps: float = Field(default=0, ge=0, description="Requests/s from outside (ingress); 0: none.")
    latency_ms: Latency | None = Field(default=None, description="Default: the service's.")
    calls: list[Call] = Field(default_factory=list)
    logs: list[str] = Field(
        default_factory=list, description="INFO message templates, one per request."
    )

    @field_validator("calls", mode="before")
    @classmethod
    def _plain_names(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"to": item} if isinstance(item, str) else item for item in value]
        return value


class ErrorMessage(_Strict):
    """What a service logs when it fails on its own: a message and the exception."""

    message: str
    exception: str = Field(description="'Type: detail', e.g. 'java.lang.NullPointerException'.")


class Resources(_Strict):
    cpu_limit_cores: float = Field(default=1.0, gt=0)
    memory_limit_mib: int = Field(default=512, gt=0)
    memory_mib: int = Field(default=220, gt=0, description="Typical working set.")
    cpu_per_request_ms: float = Field(default=3.0, ge=0, description="CPU time per request.")
    cpu_idle_cores: float = Field(default=0.02, ge=0, description="CPU use with no traffic.")


class Service(_Strict):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    kind: Literal["http", "database"] = "http"
    language: Language = "java"
    replicas: int = Field(default=2, ge=1, le=20)
    port: int = 8080
    version: str = "1.4.2"
    latency_ms: Latency = Latency(p50=15, p95=45)
    error_rate: float = Field(default=0.0005, ge=0, le=1, description="Background 5xx share.")
    endpoints: list[Endpoint] = Field(default_factory=list)
    errors: list[ErrorMessage] = Field(
        default_factory=list, description="Own failures; default: the language's catalog."
    )
    otel_logs: bool = Field(default=True, description="Also ships logs through OpenTelemetry.")
    resources: Resources = Resources()
    db_system: str = Field(default="postgresql", description="For kind=database.")


class _Fault(_Strict):
    target: str = Field(description="The service where the fault starts.")
    start: str = Field(description="Offset from now, e.g. '-50m'.")
    duration: str | None = Field(default=None, description="Default: until now.")
    note: str = ""

    def window_ms(self, now_ms: int) -> tuple[int, int]:
        """``(start, end)`` in epoch milliseconds."""
        start = now_ms + parse_duration_ms(self.start)
        end = start + parse_duration_ms(self.duration) if self.duration else now_ms
        return start, min(end, now_ms)


class ErrorBurst(_Fault):
    """The target answers 5xx to a share of requests and logs exceptions with stack traces."""

    type: Literal["error_burst"]
    error_rate: float = Field(default=0.3, gt=0, le=1)
    status: int = Field(default=500, ge=500, le=599)
    error: ErrorMessage | None = None


class LatencyFault(_Fault):
    """The target's own processing slows down; every caller up the path waits with it."""

    type: Literal["latency"]
    p50_ms: float = Field(gt=0)
    p95_ms: float = Field(gt=0)


class DependencyDown(_Fault):
    """The target cannot reach a dependency (database or service): connection errors, 5xx."""

    type: Literal["dependency_down"]
    dependency: str
    error_rate: float = Field(default=0.95, gt=0, le=1)
    timeout_ms: float = Field(default=1000, gt=0, description="Connection wait before failing.")


class MemoryLeak(_Fault):
    """One pod's memory grows to its limit and is OOMKilled, ``kills`` times in the window."""

    type: Literal["memory_leak"]
    pod: int = Field(default=0, ge=0, description="Index of the leaking pod (0-based).")
    kills: int = Field(default=1, ge=1, le=20)


class CrashLoop(_Fault):
    """A rollout whose new pod crashes at start-up and backs off (CrashLoopBackOff)."""

    type: Literal["crashloop"]
    reason: str = "Missing required configuration property 'DATABASE_URL'"
    exit_code: int = 1


class CpuThrottle(_Fault):
    """The target hits its CPU limit: CFS throttling, slower requests."""

    type: Literal["cpu_throttle"]
    latency_factor: float = Field(default=4.0, ge=1)
    throttled_ratio: float = Field(default=0.6, gt=0, lt=1)


Fault = Annotated[
    ErrorBurst | LatencyFault | DependencyDown | MemoryLeak | CrashLoop | CpuThrottle,
    Field(discriminator="type"),
]
FAULT_TYPES = (
    "error_burst",
    "latency",
    "dependency_down",
    "memory_leak",
    "crashloop",
    "cpu_throttle",
)


class Sampling(_Strict):
    traces: float = Field(
        default=0.05, ge=0, le=1, description="Head-sampled share of normal requests."
    )
    info_logs: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share of sampled requests "
        "whose services log an INFO line; ERROR and WARN are always kept.",
    )


class Scenario(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][-a-z0-9]*$")
    description: str = ""
    namespace: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    history: str = "6h"
    seed: int = 1
    nodes: list[str] = Field(default_factory=lambda: ["node-1", "node-2", "node-3"], min_length=1)
    metrics_step: str = Field(default="30s", description="Sample spacing; divides a minute.")
    sampling: Sampling = Sampling()
    services: list[Service] = Field(min_length=1)
    faults: list[Fault] = Field(default_factory=list)

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    @property
    def history_ms(self) -> int:
        return parse_duration_ms(self.history)

    @property
    def step_ms(self) -> int:
        return parse_duration_ms(self.metrics_step)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = [s.name for s in self.services]
        if len(set(names)) != len(names):
            raise ValueError("service names must be unique")
        if 60_000 % self.step_ms or self.history_ms % 60_000 or self.history_ms <= 0:
            raise ValueError("metrics_step must divide a minute; history must be whole minutes")
        for service in self.services:
            if service.kind == "http" and not service.endpoints:
                raise ValueError(f"{service.name}: an http service needs endpoints")
            for endpoint in service.endpoints:
                for call in endpoint.calls:
                    self._check_call(service.name, call)
        if not any(e.rps > 0 for s in self.services for e in s.endpoints):
            raise ValueError("no endpoint has rps > 0: nothing would receive traffic")
        self._check_acyclic()
        for fault in self.faults:
            self._check_fault(fault)
        return self

    def _check_call(self, caller: str, call: Call) -> None:
        if call.to not in {s.name for s in self.services}:
            raise ValueError(f"{caller} calls unknown service {call.to!r}")
        callee = self.service(call.to)
        routes = {e.route for e in callee.endpoints}
        if callee.kind == "http" and call.route is not None and call.route not in routes:
            raise ValueError(f"{caller} calls unknown route {call.to} {call.route!r}")

    def _check_acyclic(self) -> None:
        edges = {s.name: {c.to for e in s.endpoints for c in e.calls} for s in self.services}
        visiting: set[str] = set()
        done: set[str] = set()

        def visit(name: str) -> None:
            if name in visiting:
                raise ValueError(f"calls form a cycle through {name}")
            if name not in done:
                visiting.add(name)
                for callee in sorted(edges[name]):
                    visit(callee)
                visiting.discard(name)
                done.add(name)

        for name in sorted(edges):
            visit(name)

    def _check_fault(self, fault: Fault) -> None:
        names = {s.name for s in self.services}
        if fault.target not in names:
            raise ValueError(f"fault targets unknown service {fault.target!r}")
        start = parse_duration_ms(fault.start)
        if start >= 0 or -start > self.history_ms:
            raise ValueError(f"fault start {fault.start} must be negative and within history")
        duration = parse_duration_ms(fault.duration) if fault.duration else 0
        if start % 60_000 or duration % 60_000 or duration < 0:
            raise ValueError("fault start and duration must be whole minutes")
        if isinstance(fault, DependencyDown):
            called = {c.to for e in self.service(fault.target).endpoints for c in e.calls}
            if fault.dependency not in called:
                raise ValueError(f"{fault.target} does not call {fault.dependency}")
        if isinstance(fault, MemoryLeak) and fault.pod >= self.service(fault.target).replicas:
            raise ValueError(f"memory_leak pod {fault.pod} >= replicas of {fault.target}")


def _raw(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, object]:
    path = path.resolve()
    if path in seen:
        raise ValueError(f"scenario base cycle through {path.name}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: a scenario must be a mapping")
    base = data.pop("base", None)
    if base is None:
        return data
    return {**_raw(path.parent / str(base), (*seen, path)), **data}


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario YAML file.

    ``base: other.yaml`` starts from another scenario file; each top-level key given here
    replaces the base's (e.g. the same shop with other faults).
    """
    return Scenario.model_validate(_raw(Path(path)))
