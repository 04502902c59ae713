"""Webhook delivery over real HTTP: Slack-shaped message, retries on 5xx, no URL in errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from opslens.devstack.asgi import serve
from opslens.reports.models import Candidate, Incident
from opslens.reports.webhook import WebhookError, WebhookSender, slack_message
from tests.reports.factories import T0, anomaly, report

SECRET_PATH = "/services/T000/B000/very-secret-token"


def receiver(failures: int) -> tuple[FastAPI, list[dict[str, Any]]]:
    """A webhook receiver that answers 503 to the first ``failures`` posts."""
    app = FastAPI()
    received: list[dict[str, Any]] = []

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(SECRET_PATH)
    async def hook(request: Request) -> Response:
        received.append(json.loads(await request.body()))
        if len(received) <= failures:
            return Response(status_code=503)
        return Response("ok")

    return app, received


def korean_report() -> Any:
    members = [
        anomaly("payment-service", "error_ratio", 0, 20, unit="ratio", value=0.95, baseline=0.0)
    ]
    incident = Incident(
        id="i1",
        start=T0,
        end=T0,
        services=["payment-service"],
        anomalies=members,
        candidates=[
            Candidate(
                service="payment-service",
                rank=1,
                onset=T0,
                depth=2,
                reasons=["no_anomalous_callee"],
                anomaly_ids=[members[0].id],
                score=3.0,
            )
        ],
    )
    return report(language="ko", summary="인시던트 1건: payment-service", incidents=[incident])


async def test_retries_until_the_receiver_takes_it() -> None:
    app, received = receiver(failures=2)
    with serve(app) as url:
        sender = WebhookSender(url + SECRET_PATH, attempts=4, backoff_s=0.01)
        status = await sender.send(slack_message(korean_report()))
    assert status == 200
    assert len(received) == 3
    body = received[-1]
    assert body["text"] == "인시던트 1건: payment-service"
    assert body["blocks"][0]["type"] == "header"
    assert "payment-service" in body["blocks"][3]["text"]["text"]
    assert "95.0%" in body["blocks"][3]["text"]["text"]


async def test_gives_up_after_the_attempts_without_leaking_the_url() -> None:
    app, received = receiver(failures=10)
    with serve(app) as url:
        sender = WebhookSender(url + SECRET_PATH, attempts=3, backoff_s=0.01)
        with pytest.raises(WebhookError) as failure:
            await sender.send({"text": "x"})
    assert len(received) == 3
    assert "secret" not in str(failure.value) and "503" in str(failure.value)


async def test_client_errors_are_final_and_transport_errors_retried() -> None:
    calls: list[int] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400)

    sender = WebhookSender(
        "https://hooks.example.com" + SECRET_PATH,
        attempts=4,
        backoff_s=0.01,
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(WebhookError):
        await sender.send({"text": "x"})
    assert len(calls) == 1

    def unreachable(request: httpx.Request) -> httpx.Response:
        calls.append(2)
        raise httpx.ConnectError("connection refused", request=request)

    sender = WebhookSender(
        "https://hooks.example.com" + SECRET_PATH,
        attempts=3,
        backoff_s=0.01,
        transport=httpx.MockTransport(unreachable),
    )
    with pytest.raises(WebhookError) as failure:
        await sender.send({"text": "x"})
    assert calls.count(2) == 3
    assert "secret" not in str(failure.value) and "hooks.example.com" not in str(failure.value)
