"""Helpers of the receiver tests: Alertmanager-shaped notifications, the reports server over
real HTTP with its receiver, and a webhook endpoint that records what it is sent."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr

from opslens.alerts.settings import AlertSettings
from opslens.devstack.asgi import serve
from opslens.reports.settings import ReportSettings
from opslens.reports_server import create_http_app
from opslens_mcp.core.settings import ServerSettings

TOKEN = "receiver-test-token"
LONG_PROMQL = (
    " and ".join(
        f'sum by (service) (rate(istio_requests_total{{response_code=~"5.."}}[{w}]))'
        for w in ("5m", "30m", "1h", "6h")
    )
    * 8
)
ZERO_TIME = "0001-01-01T00:00:00Z"


def fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def alert(
    labels: dict[str, str], starts_at: datetime, ends_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "status": "resolved" if ends_at else "firing",
        "labels": labels,
        "annotations": {"summary": f"{labels.get('service', '')} 오류가 늘었습니다"},
        "startsAt": starts_at.isoformat(),
        "endsAt": ends_at.isoformat() if ends_at else ZERO_TIME,
        # Prometheus puts the rule's whole PromQL in it: thousands of characters.
        "generatorURL": "http://prometheus.example/graph?g0.expr=" + quote(LONG_PROMQL),
        "fingerprint": fingerprint(labels),
    }


def notification(
    group: dict[str, str], alerts: list[dict[str, Any]], status: str = "firing"
) -> dict[str, Any]:
    """A version 4 webhook payload as Alertmanager sends it for ``group``'s labels."""
    key = "{}:{" + ", ".join(f'{k}="{v}"' for k, v in sorted(group.items())) + "}"
    common = {
        k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)
    }
    return {
        "version": "4",
        "groupKey": key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "opslens",
        "groupLabels": group,
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    }


def group_alerts(
    name: str, service: str, pods: int, starts_at: datetime, ends_at: datetime | None = None
) -> dict[str, Any]:
    """A group of ``pods`` alerts of one service (one alert per pod)."""
    group = {"alertname": name, "namespace": "shop", "service": service}
    members = [
        alert(
            {**group, "pod": f"{service}-7d9f8b6c5d-p{n:04d}", "severity": "warning"},
            starts_at,
            ends_at,
        )
        for n in range(pods)
    ]
    return notification(group, members, "resolved" if ends_at else "firing")


@dataclass
class Receiver:
    url: str
    hooks: list[dict[str, Any]]

    def post(self, payload: Any, token: str | None = TOKEN, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        if isinstance(payload, (bytes, str)):
            return httpx.post(f"{self.url}/v1/alerts", content=payload, headers=headers, timeout=30)
        return httpx.post(f"{self.url}/v1/alerts", json=payload, headers=headers, timeout=30)

    def get(self, path: str = "") -> Any:
        answer = httpx.get(
            f"{self.url}/v1/alerts{path}", headers={"authorization": f"Bearer {TOKEN}"}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def wait(self, investigation_id: str, states: tuple[str, ...], timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = self.get(f"/{investigation_id}")
            if found["state"] in states or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def hook_app() -> tuple[FastAPI, list[dict[str, Any]]]:
    """A Slack-compatible webhook endpoint that keeps every message."""
    app = FastAPI()
    received: list[dict[str, Any]] = []

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        received.append(json.loads(await request.body()))
        return Response("ok")

    return app, received


@contextmanager
def silent_backend() -> Iterator[str]:
    """A TCP port that takes connections and never answers: a hung backend."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def settings_towards(store: Path, backend_url: str, tool_timeout_s: float = 5.0) -> ReportSettings:
    """Report settings with every MCP server at ``backend_url`` (down or hung in these tests)."""
    return ReportSettings(
        prometheus_url=backend_url,
        opensearch_url=backend_url,
        kubernetes_url=backend_url,
        store_path=str(store),
        tool_timeout_s=tool_timeout_s,
        seasonal_days=0,
    )


@contextmanager
def running_receiver(
    settings: ReportSettings, alerts: AlertSettings | None = None
) -> Iterator[Receiver]:
    """The reports server (receiver included) over real HTTP, delivering to a local hook."""
    hook, received = hook_app()
    with serve(hook) as hook_url:
        settings = settings.model_copy(
            update={
                "schedules": [],
                "webhook_url": SecretStr(f"{hook_url}/hook"),
                "webhook_attempts": 1,
            }
        )
        app = create_http_app(
            settings, ServerSettings(api_token=TOKEN), alerts or AlertSettings(), scheduler=False
        )
        with serve(app) as url:
            yield Receiver(url, received)
