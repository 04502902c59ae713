"""Latency of the Kubernetes server's tools, and what they add to the API server's own time.

Starts a real kube-apiserver (devstack), writes ``--shops`` copies of the test suite's faulty
shop into it (8 pods, 3 nodes, deployments, services, a claim and events each, in its own
namespace), and serves the Kubernetes server as it is deployed (``opslens serve kubernetes`` in
its own process, read-only user). Then, for each tool, it alternates a call through ``/rpc``
with the API requests the result says it made, sent straight to the API server with the same
credentials (concurrently, as the tool sends them), and prints p50/p95 of both.

    .venv/bin/python bench/kubernetes_tools.py [--shops 40] [--calls 50]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import kubernetes.client as client
import kubernetes.config as config
import yaml

from opslens.devstack.kubeapi import KubeApiBackend
from opslens.devstack.process import ManagedProcess, free_port
from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop_plans import faulty_shop

REPO_ROOT = Path(__file__).resolve().parents[1]


def cases(namespace: str, service_pod: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("diagnose", {"namespace": namespace}),
        ("diagnose", {"limit": 1000}),
        ("list_pods", {"limit": 1000}),
        ("list_pods", {"namespace": namespace, "status": "CrashLoopBackOff"}),
        ("get_pod", {"namespace": namespace, "name": service_pod}),
        ("list_events", {"since": "now-6h", "limit": 500}),
        ("list_deployments", {"only_problems": True, "limit": 1000}),
        ("list_nodes", {"limit": 1000}),
        ("workload_for_service", {"service": "inventory-service"}),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def bench(server: str, api: httpx.AsyncClient, namespace: str, pod: str, calls: int) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=60) as rpc:

        async def tool(name: str, params: dict[str, Any]) -> dict[str, Any]:
            payload = {"jsonrpc": "2.0", "method": name, "params": params, "id": 1}
            answer = (await rpc.post("/rpc", json=payload)).json()
            result: dict[str, Any] = answer["result"]
            return result

        print(f"{'tool':<22}{'params':<34}{'tool p50':>10}{'p95':>9}{'API p50':>10}{'x':>6}")
        for name, params in cases(namespace, pod):
            result = await tool(name, params)
            paths = [q["path"] for q in result.get("queries", [])]

            async def direct(paths: list[str] = paths) -> None:
                await asyncio.gather(*(api.get(path) for path in paths))

            tool_ms, api_ms = [], []
            for _ in range(calls):
                tool_ms.append(await timed(lambda: tool(name, params)))  # noqa: B023
                api_ms.append(await timed(direct))
            shown = ",".join(f"{k}={v}" for k, v in params.items())[:32]
            tool_p50, api_p50 = statistics.median(tool_ms), statistics.median(api_ms)
            print(
                f"{name:<22}{shown:<34}{tool_p50:>9.1f}ms{percentile(tool_ms, 0.95):>7.1f}ms"
                f"{api_p50:>8.1f}ms{tool_p50 / api_p50:>6.1f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=40, help="Faulty shops to write.")
    parser.add_argument("--calls", type=int, default=50, help="Timed calls per case and path.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opslens-bench-kubernetes-") as temp:
        workdir = Path(temp)
        backend = KubeApiBackend(workdir / "kube", free_port())
        backend.start()
        server: ManagedProcess | None = None
        try:
            configuration = client.Configuration()
            config.load_kube_config(
                str(backend.kubeconfig_path), client_configuration=configuration
            )
            api = client.ApiClient(configuration)
            admin = Admin(api, client.CoreV1Api(api), client.AppsV1Api(api),
                          client.RbacAuthorizationV1Api(api))  # fmt: skip
            started = time.perf_counter()
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            shops = [faulty_shop(admin, now) for _ in range(args.shops)]
            pods = sum(len(s.pods) for s in shops)
            print(f"wrote {args.shops} shops ({pods} pods) in {time.perf_counter() - started:.0f}s")
            port = free_port()
            server = ManagedProcess(
                "opslens-kubernetes",
                [sys.executable, "-m", "opslens.cli", "serve", "kubernetes", "--port", str(port)],
                workdir / "server.log",
                env={"OPSLENS_KUBE_KUBECONFIG": str(backend.readonly_kubeconfig_path)},
                cwd=REPO_ROOT,
            )
            server.start()
            url = f"http://127.0.0.1:{port}"
            server.wait_ready(lambda: httpx.get(f"{url}/readyz", timeout=1).status_code == 200, 60)
            kubeconfig = yaml.safe_load(backend.readonly_kubeconfig_path.read_text())
            token = kubeconfig["users"][0]["user"]["token"]
            print(f"{args.calls} calls per case; load average {os.getloadavg()[0]:.1f}")

            async def run() -> None:
                async with httpx.AsyncClient(
                    base_url=backend.url,
                    verify=str(backend.ca_path),
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                ) as direct:
                    shop = shops[0]
                    await bench(
                        url, direct, shop.namespace, shop.pod_of("payment-service"), args.calls
                    )

            asyncio.run(run())
        finally:
            if server is not None:
                server.stop()
            backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
