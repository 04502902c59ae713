"""Alertmanager's webhook payload (version 4), validated, and what an alert says about scope.

Alertmanager posts one payload per notification of an alert group: ``groupKey`` names the
group, each alert has a ``fingerprint`` (a hash of its labels). Firing alerts carry the zero
time (``0001-01-01T00:00:00Z``) as ``endsAt``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from opslens.reports.naming import service_of_pod
from opslens_mcp.prometheus.profiles import IstioProfile

Status = Literal["firing", "resolved"]
GROUP_BY = ("alertname", "namespace", "service")
"""How opslens' route groups alerts (the devstack's Alertmanager, the pull mode)."""
MAX_ALERTS = 1000
MAX_LABELS = 64
LABEL_TEXT = 1024
LONG_TEXT = 65_536
"""Annotations and URLs (a generator URL carries the rule's whole PromQL); the server's body
limit bounds the payload as a whole."""
Labels = dict[
    Annotated[str, StringConstraints(min_length=1, max_length=256)],
    Annotated[str, StringConstraints(max_length=LONG_TEXT)],
]


def _labels(description: str) -> Any:
    return Field(default_factory=dict, max_length=MAX_LABELS, description=description)


class WebhookAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Status
    labels: Labels = _labels("Labels of the alert (alertname, namespace, service, pod...).")
    annotations: Labels = _labels("Annotations (summary, runbook_url...).")
    startsAt: datetime
    endsAt: datetime | None = None
    generatorURL: str = Field(default="", max_length=LONG_TEXT)
    fingerprint: str = Field(pattern=r"^[0-9a-fA-F]{1,64}$")

    def ended_at(self) -> datetime | None:
        """``endsAt`` when it is a real time (Alertmanager sends year 1 while firing)."""
        if self.endsAt is None or self.endsAt.year < 2000:
            return None
        return self.endsAt.astimezone(UTC)


class WebhookPayload(BaseModel):
    """One notification of Alertmanager's webhook receiver."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    groupKey: str = Field(min_length=1, max_length=4 * LABEL_TEXT)
    truncatedAlerts: int = Field(default=0, ge=0)
    status: Status
    receiver: str = Field(default="", max_length=LABEL_TEXT)
    groupLabels: Labels = _labels("Labels the group is made by.")
    commonLabels: Labels = _labels("Labels every alert of the notification shares.")
    commonAnnotations: Labels = _labels("Annotations every alert shares.")
    externalURL: str = Field(default="", max_length=LONG_TEXT)
    alerts: list[WebhookAlert] = Field(min_length=1, max_length=MAX_ALERTS)

    def firing(self) -> list[WebhookAlert]:
        return [alert for alert in self.alerts if alert.status == "firing"]

    def fingerprints(self) -> list[str]:
        return sorted({alert.fingerprint for alert in self.alerts})

    def alertname(self) -> str:
        return (
            self.commonLabels.get("alertname")
            or self.groupLabels.get("alertname")
            or self.alerts[0].labels.get("alertname", "")
        )

    def started_at(self) -> datetime:
        return min(alert.startsAt for alert in self.alerts).astimezone(UTC)

    def ended_at(self) -> datetime | None:
        """When the last alert of a resolved notification ended."""
        ends = [alert.ended_at() for alert in self.alerts]
        known = [end for end in ends if end is not None]
        return max(known) if known else None


class AlertScope(BaseModel):
    """Where an investigation looks: the alert's namespace, service and pod, when known."""

    namespace: str | None = None
    service: str | None = None
    pod: str | None = None


def alert_scope(labels: Labels, profile: IstioProfile | None = None) -> AlertScope:
    """Namespace, service and pod from an alert's labels: ``namespace``/``service``/``pod``,
    else the Istio profile's own labels, else the service the pod belongs to."""
    profile = profile or IstioProfile()
    namespace = labels.get("namespace") or (
        labels.get(profile.namespace_label) if profile.namespace_label else None
    )
    pod = labels.get("pod")
    service = labels.get("service") or labels.get(profile.service_label)
    if not service and pod:
        service = service_of_pod(pod)
    return AlertScope(namespace=namespace or None, service=service or None, pod=pod or None)
