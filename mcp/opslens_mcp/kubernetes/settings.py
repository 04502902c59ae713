"""How to reach the Kubernetes API and what the server may read (``OPSLENS_KUBE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from opslens_mcp.core.retry import RetrySettings


class KubernetesSettings(BaseSettings, RetrySettings):
    model_config = SettingsConfigDict(env_prefix="OPSLENS_KUBE_", extra="ignore")

    kubeconfig: str | None = Field(
        default=None,
        description="Path of a kubeconfig; unset means in-cluster config, then ~/.kube/config.",
    )
    context: str | None = Field(default=None, description="kubeconfig context to use.")
    namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces the server may read; empty means all.",
    )
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one API request.")
    service_label_keys: list[str] = Field(
        default=["app", "app.kubernetes.io/name"],
        min_length=1,
        description="Labels that carry the service name of logs and traces, tried in order.",
    )
    page_size: int = Field(
        default=500, gt=0, le=5000, description="Objects per list request (API pagination)."
    )
    max_list_objects: int = Field(
        default=5000,
        gt=0,
        description="Most objects one tool reads from a list before it stops and says so.",
    )
    max_log_bytes: int = Field(
        default=262_144, gt=0, description="Upper bound of the log bytes one pod_logs may return."
    )
