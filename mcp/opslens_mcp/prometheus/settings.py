"""Where Prometheus is, how to authenticate, and its metric conventions (``OPSLENS_PROMETHEUS_*``).

Nested fields use ``__``, e.g. ``OPSLENS_PROMETHEUS_ISTIO__SERVICE_LABEL=destination_workload``
or ``OPSLENS_PROMETHEUS_RESOURCES__POD_LABEL=pod_name``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from opslens_mcp.core.retry import RetrySettings
from opslens_mcp.prometheus.profiles import (
    IstioProfile,
    OtelProfile,
    ProfileName,
    RequestProfile,
    ResourceProfile,
)


class PrometheusSettings(BaseSettings, RetrySettings):
    model_config = SettingsConfigDict(
        env_prefix="OPSLENS_PROMETHEUS_", env_nested_delimiter="__", extra="ignore"
    )

    url: str = Field(default="http://127.0.0.1:9090", description="Prometheus base URL.")
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one Prometheus request.")
    bearer_token: SecretStr | None = Field(default=None, description="Bearer token, if required.")
    username: str | None = Field(default=None, description="Basic-auth user, if required.")
    password: SecretStr | None = Field(default=None, description="Basic-auth password.")
    verify_tls: bool = Field(default=True, description="Verify the server certificate.")
    ca_file: str | None = Field(default=None, description="CA bundle for a private CA.")
    max_response_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest Prometheus answer read (bytes)."
    )
    default_profile: ProfileName = Field(
        default="istio", description="Request metrics red_summary reads unless told otherwise."
    )
    istio: IstioProfile = Field(default_factory=IstioProfile)
    otel: OtelProfile = Field(default_factory=OtelProfile)
    resources: ResourceProfile = Field(default_factory=ResourceProfile)

    def request_profile(self, name: ProfileName | None) -> RequestProfile:
        """The named request profile, or the default one."""
        return self.otel if (name or self.default_profile) == "otel" else self.istio
