"""Delivery to a Slack-compatible incoming webhook, retried with exponential backoff.

The message has ``text`` (the summary, for notifications and plain receivers) and ``blocks``
(header, summary, one section per incident). Connection failures, timeouts, 429 and 5xx are
retried; other answers are final. The webhook URL is a secret: it is never logged nor put in
an error message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from opslens.reports import i18n
from opslens.reports.models import Report

MAX_BLOCK_TEXT = 2900  # Slack's section text limit is 3,000 characters
MAX_INCIDENT_BLOCKS = 10


class WebhookError(Exception):
    """Delivery failed for good (after the retries); the message never holds the URL."""


class _Retryable(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"webhook answered HTTP {status}")
        self.status = status


def slack_message(report: Report, link: str | None = None) -> dict[str, Any]:
    """The report as a Slack ``blocks`` message (also fine for Mattermost, Rocket.Chat...)."""
    language = report.language
    window = f"{i18n.stamp(report.window_start)} – {i18n.stamp(report.window_end)} UTC"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": i18n.text("title", language)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": window}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": report.summary[:MAX_BLOCK_TEXT]}},
    ]
    for number, incident in enumerate(report.incidents[:MAX_INCIDENT_BLOCKS], start=1):
        top = incident.candidates[0] if incident.candidates else None
        lines = [
            f"*{i18n.text('incident', language)} {number}* "
            f"{i18n.clock(incident.start)}–{i18n.clock(incident.end)}",
        ]
        if top is not None:
            lines.append(
                f"{i18n.text('root_cause', language)}: *{top.service}* "
                f"({i18n.reasons(top.reasons[:4], language)})"
            )
        for anomaly in incident.anomalies[:3]:
            lines.append(
                f"• {anomaly.service or '-'} {i18n.measure(anomaly.kind, language)}: "
                f"{i18n.value(anomaly.value, anomaly.unit)}"
            )
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "\n".join(lines)[:MAX_BLOCK_TEXT]},
            }
        )
    if link:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    return {"text": report.summary[:MAX_BLOCK_TEXT], "blocks": blocks}


@dataclass
class WebhookSender:
    """Posts messages to one webhook; ``transport`` replaces the network in failure tests."""

    url: str
    attempts: int = 4
    timeout_s: float = 10.0
    backoff_s: float = 0.5
    transport: httpx.AsyncBaseTransport | None = None

    async def send(self, message: dict[str, Any]) -> int:
        """POST ``message``; returns the final HTTP status or raises :class:`WebhookError`."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((httpx.TransportError, _Retryable)),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_s, max=8.0),
            reraise=True,
        )
        async with httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport) as client:
            try:
                async for attempt in retrying:
                    with attempt:
                        response = await client.post(self.url, json=message)
                        if response.status_code == 429 or response.status_code >= 500:
                            raise _Retryable(response.status_code)
                        if response.status_code >= 300:
                            raise WebhookError(
                                f"webhook refused the message: HTTP {response.status_code}"
                            )
                        return response.status_code
            except _Retryable as exc:
                raise WebhookError(f"{exc} after {self.attempts} attempts") from None
            except httpx.TransportError as exc:
                raise WebhookError(
                    f"webhook unreachable after {self.attempts} attempts ({type(exc).__name__})"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover
