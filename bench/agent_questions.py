"""Agent latency without an LLM on the default demo data: p50/p95 per question and overall,
split into planning, backend and correlation time.

Starts its own backends (devstack on free ports), seeds the default demo scenario, serves the
three MCP servers and the agent on loopback, then asks every public sample question ``--rounds``
times with "now" pinned to the scenario's now.

    .venv/bin/python bench/agent_questions.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx
import yaml

from opslens.agent.service import create_agent_app
from opslens.agent.settings import AgentSettings
from opslens.devstack.asgi import serve
from opslens.devstack.stack import DevStack, StackPorts
from opslens.scenarios.seed import seed_for_tests
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.kubernetes.server import create_service as kubernetes_service
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.opensearch.server import create_service as opensearch_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from opslens_mcp.prometheus.server import create_service as prometheus_service
from opslens_mcp.prometheus.settings import PrometheusSettings

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--questions", type=Path, default=REPO.parent / "shared" / "eval" / "questions-public.yaml"
    )
    args = parser.parse_args()
    questions = [item["q"] for item in yaml.safe_load(args.questions.read_text())["questions"]]

    with tempfile.TemporaryDirectory(prefix="opslens-bench-agent-") as tmp, ExitStack() as stack:
        devstack = DevStack(Path(tmp) / "stack", StackPorts.free())
        devstack.up()
        stack.callback(devstack.down)
        truth = seed_for_tests(
            opensearch_url=devstack.opensearch.url,
            kubeconfig=devstack.kubernetes.kubeconfig_path,
            metrics=devstack.prometheus,
            out_dir=Path(tmp) / "scenario",
        )
        server = ServerSettings()
        urls = {
            "opensearch_url": stack.enter_context(
                serve(
                    create_app(
                        opensearch_service(OpenSearchSettings(url=devstack.opensearch.url)), server
                    )
                )
            ),
            "prometheus_url": stack.enter_context(
                serve(
                    create_app(
                        prometheus_service(PrometheusSettings(url=devstack.prometheus.url)), server
                    )
                )
            ),
            "kubernetes_url": stack.enter_context(
                serve(
                    create_app(
                        kubernetes_service(
                            KubernetesSettings(
                                kubeconfig=str(devstack.kubernetes.readonly_kubeconfig_path)
                            )
                        ),
                        server,
                    )
                )
            ),
        }
        settings = AgentSettings.model_validate(
            {**urls, "checkpoint_url": "memory://", "timezone": "UTC", "llm_mode": "off"}
        )
        agent = stack.enter_context(serve(create_agent_app(settings)))
        totals: list[float] = []
        parts: dict[str, list[float]] = {"understand_ms": [], "backend_ms": [], "correlate_ms": []}
        per_question: dict[str, list[float]] = {}
        with httpx.Client(timeout=120) as http:
            for question in questions:  # warm caches (catalog, connections) once
                http.post(
                    f"{agent}/v1/ask", json={"question": question, "now": truth.now.isoformat()}
                )
            for _ in range(args.rounds):
                for question in questions:
                    body = http.post(
                        f"{agent}/v1/ask", json={"question": question, "now": truth.now.isoformat()}
                    ).json()
                    timings = body["timings"]
                    totals.append(timings["total_ms"])
                    per_question.setdefault(question, []).append(timings["total_ms"])
                    for key in parts:
                        parts[key].append(timings[key])

    print(f"{len(totals)} answers, {len(questions)} questions x {args.rounds} rounds, no LLM")
    print(
        f"total      p50 {percentile(totals, 0.5):7.1f} ms   p95 {percentile(totals, 0.95):7.1f} ms"
    )
    for key, values in parts.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{key:<10} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    share = statistics.fmean(parts["backend_ms"]) / statistics.fmean(totals)
    print(f"backend share of total time: {share:.0%}")
    print("\nper question (p50 ms):")
    for question, values in sorted(
        per_question.items(), key=lambda item: -statistics.median(item[1])
    ):
        print(f"  {statistics.median(values):7.1f}  {question}")


if __name__ == "__main__":
    main()
