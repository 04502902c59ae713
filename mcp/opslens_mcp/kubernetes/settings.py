"""How to reach the Kubernetes API (``OPSLENS_KUBE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KubernetesSettings(BaseSettings):
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
