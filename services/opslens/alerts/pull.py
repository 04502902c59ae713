"""Pull mode: the alerts firing now in an Alertmanager, grouped as opslens' route groups them
(``alertname``, ``namespace``, ``service``), as webhook payloads the investigator takes.

Filters are applied here, by exact label equality: nothing the user types reaches
Alertmanager's matcher syntax. The group key has Alertmanager's format for a root route, so a
group investigated by push and by pull is one group.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from opslens.alerts.payload import GROUP_BY, Labels, WebhookAlert, WebhookPayload

TIMEOUT_S = 30.0


class AlertmanagerError(Exception):
    """Alertmanager did not answer with its list of alerts (the message says why)."""


def group_key(labels: Labels) -> str:
    """Alertmanager's key of a root-route group made by :data:`GROUP_BY`."""
    present = sorted((name, labels[name]) for name in GROUP_BY if name in labels)
    inner = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in present)
    return "{}:{" + inner + "}"


def fingerprint(labels: Labels) -> str:
    """A stable fingerprint of a label set (for alerts that come without one)."""
    text = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def payload_of(alerts: Sequence[WebhookAlert]) -> WebhookPayload:
    """One group's alerts as the notification Alertmanager would send for them."""
    first = alerts[0].labels
    common = {k: v for k, v in first.items() if all(a.labels.get(k) == v for a in alerts)}
    return WebhookPayload(
        version="4",
        groupKey=group_key(first),
        status="firing",
        receiver="opslens",
        groupLabels={name: first[name] for name in GROUP_BY if name in first},
        commonLabels=common,
        alerts=list(alerts),
    )


def matches(labels: Labels, alertname: str | None, wanted: Labels) -> bool:
    if alertname is not None and labels.get("alertname") != alertname:
        return False
    return all(labels.get(name) == value for name, value in wanted.items())


def grouped(
    items: Iterable[dict[str, Any]], alertname: str | None, wanted: Labels
) -> list[WebhookPayload]:
    """Alertmanager's API v2 alerts, filtered and grouped into payloads."""
    groups: dict[str, list[WebhookAlert]] = {}
    for item in items:
        labels = {str(k): str(v) for k, v in (item.get("labels") or {}).items()}
        if not matches(labels, alertname, wanted):
            continue
        alert = WebhookAlert(
            status="firing",
            labels=labels,
            annotations={str(k): str(v) for k, v in (item.get("annotations") or {}).items()},
            startsAt=item.get("startsAt") or datetime.now(UTC),
            generatorURL=item.get("generatorURL") or "",
            fingerprint=item.get("fingerprint") or fingerprint(labels),
        )
        groups.setdefault(group_key(labels), []).append(alert)
    return [payload_of(alerts) for _, alerts in sorted(groups.items())]


async def firing_groups(
    url: str,
    alertname: str | None = None,
    labels: Labels | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[WebhookPayload]:
    """The active (not silenced, not inhibited) alerts of the Alertmanager at ``url``."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    params = {"active": "true", "silenced": "false", "inhibited": "false"}
    async with httpx.AsyncClient(timeout=TIMEOUT_S, transport=transport, headers=headers) as http:
        try:
            answer = await http.get(f"{url.rstrip('/')}/api/v2/alerts", params=params)
        except httpx.TransportError as exc:
            raise AlertmanagerError(
                f"Alertmanager at {url} is unreachable ({type(exc).__name__})"
            ) from None
    if answer.status_code != 200:
        raise AlertmanagerError(f"Alertmanager at {url} answered HTTP {answer.status_code}")
    try:
        items = answer.json()
    except ValueError:
        raise AlertmanagerError(f"Alertmanager at {url} did not answer JSON") from None
    if not isinstance(items, list):
        raise AlertmanagerError(f"Alertmanager at {url} did not answer a list of alerts")
    return grouped(items, alertname, labels or {})
