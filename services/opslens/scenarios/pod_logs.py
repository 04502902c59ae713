"""Log lines that belong to no request: periodic housekeeping, start-ups after restarts,
GC warnings of a leaking pod, and the start-up failure of a crash-looping one.
"""

from __future__ import annotations

import random

from opslens.scenarios.clock import MINUTE_MS
from opslens.scenarios.cluster import CRASH_RUN_MS, OOM_RESTART_GAP_MS, Cluster, Pod
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.logs import LogEvent
from opslens.scenarios.model import CrashLoop, Language, Scenario, Service
from opslens.scenarios.params import Params
from opslens.scenarios.templates import ExceptionInfo, logger_name, stack_trace

HOUSEKEEPING_EVERY_MIN = 5
_HOUSEKEEPING: dict[Language, str] = {
    "java": "Tomcat thread pool stats: busy={busy}, max=200, queue=0",
    "go": "runtime stats goroutines={goroutines} heap_alloc_mb={heap}",
    "node": "event loop delay p99={lag}ms, heap used {heap} MB",
    "python": "worker heartbeat: processed {jobs} jobs in the last 5 minutes",
}
_POOL = "HikariPool-1 - Pool stats (total=10, active={active}, idle={idle}, waiting={waiting})"


def _app_name(service: str) -> str:
    return "".join(p.capitalize() for p in service.removesuffix("-service").split("-"))


def _startup(service: Service) -> tuple[str, str]:
    """The first and the last line a process logs while starting."""
    if service.language == "java":
        name = _app_name(service.name)
        return (
            f"Starting {name}Application v{service.version} using Java 17.0.12 with PID 1",
            f"Started {name}Application in 8.412 seconds (process running for 9.03)",
        )
    return (f"starting {service.name} version={service.version}", f"listening on :{service.port}")


class PodLogs:
    def __init__(self, scenario: Scenario, cluster: Cluster, plan: FaultPlan) -> None:
        self.scenario, self.cluster, self.plan = scenario, cluster, plan
        self._databases = {s.name for s in scenario.services if s.kind == "database"}
        self._lifecycles: dict[str, list[LogEvent]] = {}
        self._crash_reason = {
            f.target: f.reason for f in scenario.faults if isinstance(f, CrashLoop)
        }

    def minute(self, minute: int, minute_start: int) -> list[LogEvent]:
        """Every such line with a timestamp inside this minute, in time order."""
        end = minute_start + MINUTE_MS
        rng = random.Random(f"{self.scenario.seed}/podlogs/{minute}")
        events: list[LogEvent] = []
        for index, pod in enumerate(self.cluster.all_pods()):
            service = self.scenario.service(pod.service)
            if service.kind == "database" or not pod.exists(minute_start):
                continue
            if not pod.crashing and (minute + index) % HOUSEKEEPING_EVERY_MIN == 0:
                at = minute_start + 1_000 + (index * 7_919) % 50_000
                events += self._housekeeping(service, pod, at, rng)
            events += [e for e in self._lifecycle(pod) if minute_start < e.t_ms < end]
            fill = self.plan.leak_fill(pod, minute_start)
            if fill > 0.6:
                at = minute_start + 20_000 + (index * 4_099) % 30_000
                pause = int(80 + 900 * fill + rng.random() * 50)
                events.append(
                    self._event(
                        service,
                        pod,
                        at,
                        "WARN",
                        f"GC overhead limit approaching: heap {int(60 + 39 * fill)}% used "
                        f"after full GC (pause {pause} ms)",
                        role="GcMonitor",
                    )
                )
        return sorted(events, key=lambda e: (e.t_ms, e.pod.name))

    def _lifecycle(self, pod: Pod) -> list[LogEvent]:
        """Start-up lines after each OOM kill; start and failure of each crash-looping run."""
        cached = self._lifecycles.get(pod.name)
        if cached is not None:
            return cached
        service = self.scenario.service(pod.service)
        first, last = _startup(service)
        events = []
        for kill in pod.kills:  # the kubelet starts the container again
            started = kill + OOM_RESTART_GAP_MS // 4
            events.append(self._event(service, pod, started + 200, "INFO", first))
            events.append(self._event(service, pod, started + 4_000, "INFO", last))
        for crash in pod.crashes:  # each run starts, then dies before it is up
            events.append(self._event(service, pod, crash - CRASH_RUN_MS + 200, "INFO", first))
            events.append(self._crash(service, pod, crash - 100))
        self._lifecycles[pod.name] = events
        return events

    def _housekeeping(
        self, service: Service, pod: Pod, at: int, rng: random.Random
    ) -> list[LogEvent]:
        params = Params(
            rng,
            busy=str(rng.randint(2, 30)),
            goroutines=str(rng.randint(40, 160)),
            heap=str(rng.randint(40, 180)),
            lag=str(rng.randint(2, 15)),
            jobs=str(rng.randint(50, 400)),
        )
        out = [
            self._event(
                service,
                pod,
                at,
                "INFO",
                params.render(_HOUSEKEEPING[service.language]),
                role="Monitor",
            )
        ]
        databases = [c.to for e in service.endpoints for c in e.calls if c.to in self._databases]
        if databases and service.language == "java":
            down = self.plan.dependency_down(service.name, databases[0], at)
            values = (
                {"active": "10", "idle": "0", "waiting": str(rng.randint(12, 40))}
                if down
                else {"active": str(rng.randint(0, 4)), "idle": "", "waiting": "0"}
            )
            if not down:
                values["idle"] = str(10 - int(values["active"]))
            out.append(
                self._event(
                    service,
                    pod,
                    at + 5,
                    "WARN" if down else "INFO",
                    _POOL.format(**values),
                    role="HikariPool",
                )
            )
        return out

    def _crash(self, service: Service, pod: Pod, at: int) -> LogEvent:
        reason = self._crash_reason.get(pod.service, "configuration error")
        exception = f"java.lang.IllegalStateException: {reason}"
        if service.language != "java":
            exception = f"Error: {reason}"
        kind, _, detail = exception.partition(": ")
        info = ExceptionInfo(
            kind, detail, stack_trace(service.language, service.name, exception, [])
        )
        message = (
            "Application run failed" if service.language == "java" else "fatal: startup failed"
        )
        return self._event(service, pod, at, "ERROR", message, info, role="Application")

    def _event(
        self,
        service: Service,
        pod: Pod,
        at: int,
        level: str,
        message: str,
        exception: ExceptionInfo | None = None,
        role: str = "Application",
    ) -> LogEvent:
        return LogEvent(
            at,
            service,
            pod,
            level,
            message,
            logger_name(service.language, service.name, role),
            None,
            exception,
        )
