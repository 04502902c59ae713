"""Secrets never leave their settings: a full flow with every credential set, grepped for them.

Every server runs as its own process, configured through the environment as in production: the
agent with an API token and a Gemini key (a fake chat model answers), the MCP servers with a
bearer token, the OpenSearch basic-auth password (also in the URL's userinfo), Prometheus
bearer and basic credentials, the demo cluster's service-account token in the kubeconfig, and
the reports server. After questions, streams, direct tool calls, failing calls, refused calls,
a report run and its rendering, no secret may appear in any log line (DEBUG level), response
body or header, report, stored file, or prompt sent to the model.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from opslens.devstack.process import free_port
from opslens.devstack.stack import DevStack
from opslens.scenarios.truth import GroundTruth
from tests.conftest import REPO_ROOT
from tests.deploy.settings_env import secret_env_names

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 90
CALL_TIMEOUT_S = 300
QUESTIONS = [
    "show the error logs from {service} in the last 3 hours",
    "what went wrong with checkout in the last 3 hours?",
    "p95 latency of {service} in the last hour",
    "which pods restarted today?",
]


def fake(kind: str) -> str:
    """A recognizable secret, new each run."""
    return f"{kind}-{secrets.token_hex(12)}"


@dataclass
class Flow:
    """The processes of one run, their output files, and everything they answered."""

    workdir: Path
    secrets: dict[str, str]
    env: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        port = free_port()
        with (self.workdir / f"{name}.out").open("wb") as out:
            self.processes[name] = subprocess.Popen(
                [*argv, "--port", str(port)],
                cwd=REPO_ROOT,
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.urls[name] = f"http://127.0.0.1:{port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        for name, url in self.urls.items():
            while True:
                assert self.processes[name].poll() is None, self.log(name)[-3000:]
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.out").read_text(encoding="utf-8", errors="replace")

    def call(self, method: str, server: str, path: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call; its status line, headers and body join what is grepped."""
        response = httpx.request(
            method, f"{self.urls[server]}{path}", timeout=CALL_TIMEOUT_S, **kwargs
        )
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.seen.append(f"{method} {path} {response.status_code}\n{headers}\n{response.text}")
        return response

    def rpc(self, server: str, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        call = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
        headers = {"Authorization": f"Bearer {token}"}
        body: dict[str, Any] = self.call("POST", server, "/rpc", json=call, headers=headers).json()
        return body


@pytest.fixture(scope="module")
def flow(
    demo_stack: DevStack, seeded_demo: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flow]:
    workdir = tmp_path_factory.mktemp("secrets-flow")
    kubeconfig = demo_stack.kubernetes.readonly_kubeconfig_path
    user = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))["users"][0]["user"]
    values = {
        "agent_token": fake("agent-api-token"),
        "servers_token": fake("servers-api-token"),
        "opensearch_password": fake("opensearch-password"),
        "opensearch_url_password": fake("opensearch-url-password"),
        "prometheus_bearer": fake("prometheus-bearer"),
        "prometheus_password": fake("prometheus-password"),
        "google_api_key": fake("AIzaFAKE"),
        "kube_token": str(user["token"]),
    }
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPSLENS_") and key not in secret_env_names()
    }
    common = {
        **inherited,
        # This checkout's code, whichever checkout the virtualenv was installed from.
        "PYTHONPATH": os.pathsep.join(
            str(REPO_ROOT / part) for part in ("mcp", "services", "ui", ".")
        ),
        "OPSLENS_LOG_LEVEL": "DEBUG",
        "OPSLENS_API_TOKEN": values["servers_token"],
        "GOOGLE_API_KEY": values["google_api_key"],
    }
    result = Flow(workdir, values, common)
    serve = [sys.executable, "-m", "opslens.cli", "serve"]
    launch = [sys.executable, "-m", "tests.hardening.launch"]
    opensearch = demo_stack.opensearch.url
    result.start(
        "opensearch",
        [*serve, "opensearch"],
        {
            "OPSLENS_OPENSEARCH_URL": opensearch,
            "OPSLENS_OPENSEARCH_USERNAME": "opslens",
            "OPSLENS_OPENSEARCH_PASSWORD": values["opensearch_password"],
        },
    )
    with_userinfo = opensearch.replace(
        "://", f"://opslens:{quote(values['opensearch_url_password'])}@"
    )
    result.start(
        "opensearch_userinfo", [*serve, "opensearch"], {"OPSLENS_OPENSEARCH_URL": with_userinfo}
    )
    result.start(
        "prometheus",
        [*serve, "prometheus"],
        {
            "OPSLENS_PROMETHEUS_URL": demo_stack.prometheus.url,
            "OPSLENS_PROMETHEUS_BEARER_TOKEN": values["prometheus_bearer"],
            "OPSLENS_PROMETHEUS_USERNAME": "opslens",
            "OPSLENS_PROMETHEUS_PASSWORD": values["prometheus_password"],
        },
    )
    result.start("kubernetes", [*serve, "kubernetes"], {"OPSLENS_KUBE_KUBECONFIG": str(kubeconfig)})
    urls = dict(result.urls)
    result.start(
        "reports",
        [*launch, "reports", "--prompts", str(workdir / "prompts.jsonl")],
        {
            "OPSLENS_REPORTS_OPENSEARCH_URL": urls["opensearch_userinfo"],
            "OPSLENS_REPORTS_PROMETHEUS_URL": urls["prometheus"],
            "OPSLENS_REPORTS_KUBERNETES_URL": urls["kubernetes"],
            "OPSLENS_REPORTS_SERVERS_TOKEN": values["servers_token"],
            "OPSLENS_REPORTS_NAMESPACES": json.dumps([seeded_demo.namespace]),
            "OPSLENS_REPORTS_STORE_PATH": str(workdir / "reports.sqlite"),
            "OPSLENS_REPORTS_SCHEDULES": "[]",
        },
    )
    result.start(
        "agent",
        [*launch, "agent", "--prompts", str(workdir / "prompts.jsonl")],
        {
            "OPSLENS_API_TOKEN": values["agent_token"],
            "OPSLENS_AGENT_OPENSEARCH_URL": urls["opensearch"],
            "OPSLENS_AGENT_PROMETHEUS_URL": urls["prometheus"],
            "OPSLENS_AGENT_KUBERNETES_URL": urls["kubernetes"],
            "OPSLENS_AGENT_REPORTS_URL": result.urls["reports"],
            "OPSLENS_AGENT_SERVERS_TOKEN": values["servers_token"],
            "OPSLENS_AGENT_CHECKPOINT_URL": f"sqlite:///{workdir / 'sessions.sqlite'}",
            "OPSLENS_AGENT_TIMEZONE": "UTC",
            "OPSLENS_AGENT_LLM_MODE": "fallback",
        },
    )
    try:
        result.wait_ready()
        yield result
    finally:
        result.stop()


def exercise(flow: Flow, truth: GroundTruth) -> None:
    """Everything a user, the UI, the scheduler and an MCP client would do."""
    service, now = truth.faults[0].root_cause_service, truth.now.isoformat()
    agent = {"Authorization": f"Bearer {flow.secrets['agent_token']}"}
    for path in ("/healthz", "/readyz", "/metrics", "/v1/status", "/v1/services", "/openapi.json"):
        assert flow.call("GET", "agent", path, headers=agent).status_code == 200, path
    for question in (q.format(service=service) for q in QUESTIONS):
        asked = {"question": question, "now": now, "session_id": "s-1"}
        answer = flow.call("POST", "agent", "/v1/ask", json=asked, headers=agent)
        assert answer.status_code == 200 and answer.json()["answer"], answer.text
    asked = {"question": QUESTIONS[1], "now": now}
    streamed = flow.call("POST", "agent", "/v1/ask/stream", json=asked, headers=agent)
    assert "event: result" in streamed.text
    assert "result" in flow.rpc("agent", "ask", asked, flow.secrets["agent_token"])
    refused = ("", "wrong", flow.secrets["servers_token"])  # a server's token is not the agent's
    for token in refused:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        assert flow.call("POST", "agent", "/v1/ask", json=asked, headers=headers).status_code == 401
    assert flow.call("GET", "prometheus", "/metrics").status_code == 401
    report_round_trip(flow, now, agent)
    call_tools_directly(flow, service)


def report_round_trip(flow: Flow, now: str, agent: dict[str, str]) -> None:
    """The scheduler's path: a report run on the reports server, read back through the agent."""
    params = {"window": "1h", "end": now}
    run = flow.rpc("reports", "run_report", params, flow.secrets["servers_token"])
    report_id = run["result"]["report_id"]
    assert flow.call("GET", "agent", "/v1/reports", headers=agent).json()["reports"]
    for format_ in ("html", "md", "json"):
        path = f"/v1/reports/{report_id}"
        rendered = flow.call("GET", "agent", path, params={"format": format_}, headers=agent)
        assert rendered.status_code == 200 and report_id in rendered.text


def call_tools_directly(flow: Flow, service: str) -> None:
    """Tools called as an MCP client would, some failing at the backend (error messages)."""
    for server, method, params in (
        ("opensearch", "server_info", {}),
        ("opensearch_userinfo", "server_info", {}),
        ("opensearch_userinfo", "count_logs", {"service": service}),
        ("opensearch", "describe_schema", {}),
        ("opensearch", "search_logs", {"sources": ["nope"]}),
        ("prometheus", "server_info", {}),
        ("prometheus", "query", {"promql": "sum(rate(x[5m])"}),
        ("prometheus", "targets", {}),
        ("kubernetes", "server_info", {}),
        ("kubernetes", "get_pod", {"namespace": "kube-system", "name": "secret-reader"}),
        ("kubernetes", "list_nodes", {}),
    ):
        answer = flow.rpc(server, method, params, flow.secrets["servers_token"])
        assert "result" in answer or answer["error"]["code"] != -32603, answer


def encodings(value: str) -> set[str]:
    """How a secret could be written down: as is, URL-encoded, JSON-escaped, in Basic auth."""
    basic = base64.b64encode(f"opslens:{value}".encode()).decode()
    return {
        value,
        quote(value),
        json.dumps(value)[1:-1],
        basic,
        base64.b64encode(value.encode()).decode(),
    }


def test_no_secret_appears_anywhere(flow: Flow, seeded_demo: GroundTruth) -> None:
    exercise(flow, seeded_demo)
    flow.stop()
    texts = {f"response {i}": text for i, text in enumerate(flow.seen)}
    texts |= {f"{name} log": flow.log(name) for name in flow.processes}
    for path in sorted(flow.workdir.iterdir()):
        if path.is_file() and not path.name.endswith(".out"):
            texts[path.name] = path.read_bytes().decode("utf-8", errors="replace")

    assert "tool_call" in texts["opensearch log"] and "tool_call" in texts["agent log"]
    assert texts["prompts.jsonl"].count("\n") >= len(QUESTIONS), "the model was used"
    assert {"reports.sqlite", "sessions.sqlite"} <= set(texts)
    leaks = [
        (name, where)
        for name, value in flow.secrets.items()
        for where, text in texts.items()
        if any(form in text for form in encodings(value))
    ]
    assert not leaks, leaks
    # Logs carry names, counts and durations, never payloads such as the questions asked.
    logs = "".join(flow.log(name) for name in flow.processes)
    service = seeded_demo.faults[0].root_cause_service
    assert not [q for q in QUESTIONS if q.format(service=service) in logs]
