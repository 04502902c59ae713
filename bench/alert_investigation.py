"""Alert-driven investigations on real components: how long from an alert to its report, and
what a storm of alerts costs.

Starts OpenSearch and kube-apiserver (free ports, a temporary directory) and the whole alert
path of the end-to-end test (``evaluation/opslens_eval/alerts/pipeline.py``): a fault scenario seeded with its
fault lasting until now, Prometheus evaluating the shipped rules (every 5 s), the real
Alertmanager, the reports server's receiver. Then:

* per investigation: seconds from the notification's arrival at the receiver to the stored
  report, and from the alert's start (Prometheus first saw it pending) to the stored report
  (rule ``for:`` + evaluation + group wait + investigation);
* per investigation also: seconds from the moment the seeded data is in place (the fault
  ongoing at ``now``, Prometheus evaluating) to the stored report: rule ``for:`` + evaluation
  + group wait + investigation;
* storms: ``--rounds`` times, ``--storm`` alerts in ``--groups`` new groups posted to
  Alertmanager's API at once; the investigations they start, the time to drain them, and the
  resident memory of this process (receiver, MCP servers, live tail) after each round.

    .venv/bin/python bench/alert_investigation.py [--storm 200 --groups 20 --rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.process import free_port, progress
from opslens_eval.alerts.pipeline import AlertPath, alert_path, fault_until_now

REPO_ROOT = Path(__file__).resolve().parents[1]

STORM_ALERT = "OpslensPodRestarting"


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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [i for i in path.investigations() if i["state"] in ("done", "failed")]
        if done and all(i["state"] in ("done", "failed") for i in path.investigations()):
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
    status = httpx.get(f"{path.receiver.url}/readyz", timeout=10).json().get("alerts")
    print(
        f"storm {round_}: {alerts} alerts in {groups} groups -> {len(new)} investigations "
        f"({fingerprints} fingerprints on them), all done {drained:.1f}s after the post; "
        f"queue {status}; RSS {rss_mib():.0f} MiB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storm", type=int, default=200, help="Alerts in the storm (0: none).")
    parser.add_argument("--groups", type=int, default=20, help="Groups they fall into.")
    parser.add_argument("--rounds", type=int, default=3, help="Storms, one after the other.")
    args = parser.parse_args()
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
        progress(f"seeding {spec.name} (fault until now) and starting the alert path")
        ready = time.monotonic()
        path = stack.enter_context(
            alert_path(
                workdir / "path",
                opensearch.url,
                kube.kubeconfig_path,
                kube.readonly_kubeconfig_path,
                spec,
            )
        )
        progress(f"alert path up in {time.monotonic() - ready:.1f}s; waiting for alerts")
        in_place = datetime.now(UTC).isoformat()
        done = first_investigations(path, 600)
        print(f"root cause (ground truth): {path.faults[0].root_cause}")
        for item in sorted(done, key=lambda i: i["received_at"]):
            print(
                f"{item['alertname']} {item['labels'].get('service')}: "
                f"root cause {item['root_cause']}; "
                f"arrival -> report {seconds(item['finished_at'], item['received_at']):.1f}s; "
                f"alert firing -> report {seconds(item['finished_at'], item['starts_at']):.1f}s; "
                f"data in place -> report {seconds(item['finished_at'], in_place):.1f}s",
                flush=True,
            )
        print(f"RSS before the storms: {rss_mib():.0f} MiB", flush=True)
        for round_ in range(1, args.rounds + 1 if args.storm else 1):
            storm(path, args.storm, args.groups, spec.namespace, round_)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
