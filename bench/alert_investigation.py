"""Alert-driven investigations on real components: how long from a fault to its report, and
what a storm of alerts costs.

Starts OpenSearch and kube-apiserver (free ports, a temporary directory) and the whole alert
path of the end-to-end test (``evaluation/opslens_eval/alerts/pipeline.py``): a fault
scenario seeded with a ``now`` ``--fault-in`` minutes plus its 20-minute fault ahead of the
wall clock, so the fault starts (its ground-truth start) that many minutes after seeding and
Prometheus' rules (the shipped ones, ``for:`` included, evaluated every 5 s) meet it as it
happens; the real Alertmanager (group wait 1 s); the reports server's receiver
(``OPSLENS_ALERTS_*`` settings, four workers by default). Then:

* per investigation, from the fault's start to its stored report and its parts: detection
  (fault start to the alert's ``activeAt``, when it went pending), the rule's ``for:``
  (pending to first seen firing, polled every second), notification (firing to the arrival at
  the receiver: Prometheus' send, Alertmanager's group wait) and the investigation (arrival
  to the report stored);
* concurrent groups: ``--concurrent`` 1, 2 and 4 new groups posted at once, each over a real
  service of the scenario (a full investigation of its data): arrival to report of each;
* storms: ``--rounds`` times, ``--storm`` alerts in ``--groups`` new groups posted to
  Alertmanager's API at once; the investigations they start, arrival to report (median, max),
  the time to drain them, and the resident memory of this process (receiver, MCP servers, live
  tail) after each round; ``--trace-memory`` also diffs tracemalloc snapshots taken after each
  round from the second on (the first warms up) and prints the lines whose memory grew most.

    .venv/bin/python bench/alert_investigation.py [--storm 200 --groups 20 --rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.process import free_port, progress
from opslens_eval.alerts.pipeline import FAULT_LENGTH, AlertPath, alert_path, fault_until_now

STORM_ALERT = "OpslensPodRestarting"
TRACE_FRAMES = 6


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seconds(later: str | None, earlier: str) -> float:
    if later is None:
        return float("nan")
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def first_investigations(path: AlertPath, timeout: float) -> list[dict[str, Any]]:
    """The fault's investigations once they are all finished and none came for 30 s."""
    deadline = time.monotonic() + timeout
    settled: list[dict[str, Any]] = []
    since = time.monotonic()
    while time.monotonic() < deadline:
        listed = path.investigations()
        done = [i for i in listed if i["state"] in ("done", "failed")]
        if len(listed) != len(settled):
            settled, since = listed, time.monotonic()
        if done and len(done) == len(listed) and time.monotonic() - since > 30:
            return done
        time.sleep(0.5)
    raise SystemExit(f"no investigation finished within {timeout:.0f}s")


def storm(path: AlertPath, alerts: int, groups: int, namespace: str, round_: int) -> None:
    before = {i["id"] for i in path.investigations()}
    now = datetime.now(UTC).isoformat()
    batch = [
        {
            "labels": {
                "alertname": STORM_ALERT,
                "namespace": namespace,
                "service": f"storm{round_}-{n % groups}",
                "pod": f"storm{round_}-{n % groups}-7d9f8b6c5d-{n:05d}",
                "severity": "warning",
            },
            "annotations": {"summary": "storm"},
            "startsAt": now,
        }
        for n in range(alerts)
    ]
    posted = time.monotonic()
    answer = httpx.post(f"{path.alertmanager.url}/api/v2/alerts", json=batch, timeout=30)
    answer.raise_for_status()
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        new = [i for i in path.investigations() if i["id"] not in before]
        if len(new) >= groups and all(i["state"] in ("done", "failed") for i in new):
            break
        time.sleep(1)
    drained = time.monotonic() - posted
    time.sleep(10)  # later notifications of the same groups (Alertmanager's group_interval)
    new = [i for i in path.investigations() if i["id"] not in before]
    fingerprints = sum(len(i["fingerprints"]) for i in new)
    took = [seconds(i["finished_at"], i["received_at"]) for i in new]
    status = httpx.get(f"{path.receiver.url}/readyz", timeout=10).json().get("alerts")
    print(
        f"storm {round_}: {alerts} alerts in {groups} groups -> {len(new)} investigations "
        f"({fingerprints} fingerprints on them), arrival -> report median "
        f"{statistics.median(took):.1f}s max {max(took):.1f}s, all done {drained:.1f}s after "
        f"the post; queue {status}; RSS {rss_mib():.0f} MiB",
        flush=True,
    )


class AlertWatch:
    """Polls Prometheus' active alerts every second from a thread: when each alert went
    pending (its ``activeAt``) and when it was first seen firing. (Prometheus' own ``ALERTS``
    series cannot tell here: a TSDB holding the seeded future refuses samples before its end.)"""

    def __init__(self, prometheus_url: str) -> None:
        self.url = prometheus_url
        self.pending: dict[tuple[str, str, str], datetime] = {}
        self.firing: dict[tuple[str, str, str], datetime] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="alert-watch", daemon=True)
        self._thread.start()

    @staticmethod
    def key(labels: dict[str, str]) -> tuple[str, str, str]:
        return (labels["alertname"], labels.get("namespace", ""), labels.get("service", ""))

    def _poll(self) -> None:
        while not self._stop.wait(1.0):
            try:
                answer = httpx.get(f"{self.url}/api/v1/alerts", timeout=10)
                alerts = answer.json()["data"]["alerts"]
            except (httpx.HTTPError, ValueError, KeyError):
                continue
            now = datetime.now(UTC)
            for alert in alerts:
                key = self.key(alert["labels"])
                # Go's nanoseconds: Python's datetime takes six digits at most.
                active = re.sub(r"(\.\d{6})\d+", r"\1", alert["activeAt"].replace("Z", "+00:00"))
                self.pending.setdefault(key, datetime.fromisoformat(active))
                if alert["state"] == "firing":
                    self.firing.setdefault(key, now)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def fault_to_report(watch: AlertWatch, item: dict[str, Any], fault_start: datetime) -> str:
    """The fault-to-report time of ``item`` and its parts, as one line."""
    key = AlertWatch.key({**item["labels"], "alertname": item["alertname"]})
    pending, firing = watch.pending.get(key), watch.firing.get(key)
    received = datetime.fromisoformat(item["received_at"])
    finished = datetime.fromisoformat(item["finished_at"])

    def part(later: datetime | None, earlier: datetime | None) -> str:
        if later is None or earlier is None:
            return "?"
        return f"{(later - earlier).total_seconds():.1f}s"

    return (
        f"fault start -> report {part(finished, fault_start)} = detection "
        f"{part(pending, fault_start)} + for: {part(firing, pending)} + notification "
        f"{part(received, firing)} + investigation {part(finished, received)}"
    )


def concurrent(path: AlertPath, services: list[str], namespace: str, since: datetime) -> None:
    """``len(services)`` new groups at once, each over a real service of the scenario (a full
    investigation of its data): arrival -> report of each."""
    before = {i["id"] for i in path.investigations()}
    name = f"OpslensBenchConcurrent{len(before)}"  # new groups every time
    batch = [
        {
            "labels": {"alertname": name, "namespace": namespace, "service": service},
            "annotations": {"summary": "concurrent groups"},
            "startsAt": since.isoformat(),
        }
        for service in services
    ]
    httpx.post(f"{path.alertmanager.url}/api/v2/alerts", json=batch, timeout=30).raise_for_status()
    deadline = time.monotonic() + 600
    new: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        new = [i for i in path.investigations() if i["id"] not in before]
        if len(new) >= len(services) and all(i["state"] in ("done", "failed") for i in new):
            break
        time.sleep(0.5)
    took = sorted(
        (seconds(i["finished_at"], i["received_at"]), i["labels"]["service"]) for i in new
    )
    listed = ", ".join(f"{service} {value:.1f}s" for value, service in took)
    print(f"{len(services)} groups at once: arrival -> report {listed}", flush=True)


class MemoryTrace:
    """tracemalloc snapshots after each storm round; prints what grew between two."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last: tracemalloc.Snapshot | None = None

    def after_round(self, round_: int) -> None:
        if not self.enabled:
            return
        if not tracemalloc.is_tracing():
            tracemalloc.start(TRACE_FRAMES)
            return
        gc.collect()  # what is still referenced, not garbage waiting for a collection
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        traced, _ = tracemalloc.get_traced_memory()
        print(f"tracemalloc after round {round_}: {traced / 2**20:.1f} MiB traced", flush=True)
        if self.last is not None:
            for stat in snapshot.compare_to(self.last, "traceback")[:8]:
                print(f"  {stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks:")
                for line in stat.traceback.format(limit=TRACE_FRAMES)[-TRACE_FRAMES * 2 :]:
                    print(f"      {line}")
        self.last = snapshot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storm", type=int, default=200, help="Alerts in the storm (0: none).")
    parser.add_argument("--groups", type=int, default=20, help="Groups they fall into.")
    parser.add_argument("--rounds", type=int, default=5, help="Storms, one after the other.")
    parser.add_argument(
        "--fault-in", type=float, default=4.0, help="Minutes from seeding to the fault's start."
    )
    parser.add_argument("--trace-memory", action="store_true", help="tracemalloc diffs.")
    parser.add_argument(
        "--concurrent",
        type=int,
        nargs="*",
        default=[1, 2, 4],
        help="Investigations of real services started at once, in turn (after the fault's).",
    )
    args = parser.parse_args()
    # A stopped bench stops its backends too (the ExitStack runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ensure_opensearch_launcher(progress)
    ensure_kube_binaries()
    with tempfile.TemporaryDirectory(prefix="opslens-bench-alerts-") as temp, ExitStack() as stack:
        workdir = Path(temp)
        opensearch = OpenSearchBackend(workdir / "opensearch", free_port())
        kube = KubeApiBackend(workdir / "kube", free_port())
        for backend in (opensearch, kube):
            backend.start()
            stack.callback(backend.stop)
        spec = fault_until_now()
        now = datetime.now(UTC) + FAULT_LENGTH + timedelta(minutes=args.fault_in)
        progress(f"seeding {spec.name} (its fault starts in {args.fault_in:g} min)")
        ready = time.monotonic()
        path = stack.enter_context(
            alert_path(
                workdir / "path",
                opensearch.url,
                kube.kubeconfig_path,
                kube.readonly_kubeconfig_path,
                spec,
                now=now,
            )
        )
        [fault] = path.faults
        watch = AlertWatch(path.prometheus.url)
        stack.callback(watch.stop)
        progress(
            f"alert path up in {time.monotonic() - ready:.1f}s; the fault starts at "
            f"{fault.start:%H:%M:%S} ({(fault.start - datetime.now(UTC)).total_seconds():.0f}s)"
        )
        done = first_investigations(path, 900 + args.fault_in * 60)
        print(f"root cause (ground truth): {fault.root_cause}, fault start {fault.start:%H:%M:%S}")
        for item in sorted(done, key=lambda i: i["received_at"]):
            print(
                f"{item['alertname']} {item['labels'].get('service')}: "
                f"root cause {item['root_cause']}; received {item['received_at'][11:19]}, "
                f"arrival -> report {seconds(item['finished_at'], item['received_at']):.1f}s; "
                + fault_to_report(watch, item, fault.start),
                flush=True,
            )
        services = [fault.root_cause] + [
            s.name for s in spec.services if s.name != fault.root_cause
        ]
        for count in args.concurrent:
            concurrent(path, services[:count], spec.namespace, fault.start)
        print(f"RSS before the storms: {rss_mib():.0f} MiB", flush=True)
        trace = MemoryTrace(args.trace_memory)
        for round_ in range(1, args.rounds + 1 if args.storm else 1):
            storm(path, args.storm, args.groups, spec.namespace, round_)
            trace.after_round(round_)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
