"""Settings of the reports service (``OPSLENS_REPORTS_*``, plus ``GOOGLE_API_KEY``).

Nested values use JSON or ``__``, e.g.
``OPSLENS_REPORTS_SCHEDULES='[{"name":"hourly","cron":"5 * * * *","window":"1h"}]'`` or
``OPSLENS_REPORTS_SLOS='{"payment-service":0.995}'``.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from opslens.shared.language import Language
from opslens_mcp.prometheus.profiles import IstioProfile, ResourceProfile

DEFAULT_SLO = 0.999


class Schedule(BaseModel):
    """One report produced on a cron schedule, covering the ``window`` before each run."""

    name: str = Field(pattern=r"^[a-z0-9][-a-z0-9_]{0,62}$")
    cron: str = Field(description="Five-field cron expression, e.g. '5 * * * *' (hourly at :05).")
    window: str = Field(default="1h", description="Period each report covers, e.g. 1h or 24h.")


class DetectionSettings(BaseModel):
    """What detection needs to know of the platform: its namespaces, what normal is (baseline,
    seasonal days), the SLOs, which log sources count, the metric profiles. The reports read it
    from ``OPSLENS_REPORTS_*``; the agent from its own ``OPSLENS_AGENT_DETECTION__*``."""

    namespaces: list[str] = Field(
        default_factory=lambda: ["shop"], min_length=1, description="Namespaces each report covers."
    )
    baseline: str = Field(
        default="6h",
        description="Trailing window before the report's window that defines normal. When it "
        "holds no data, the report's own window serves (median and MAD resist the anomalies).",
    )
    seasonal_days: int = Field(
        default=7,
        ge=0,
        le=28,
        description="Also compare with the same time on up to this many previous days when "
        "Prometheus holds them (daily traffic cycles); 0 turns it off.",
    )
    step_s: int = Field(default=60, ge=15, description="Resolution of metric series.")
    slos: dict[str, float] = Field(
        default_factory=dict, description="Availability SLO per service, e.g. 0.999."
    )
    default_slo: float = Field(default=DEFAULT_SLO, gt=0, lt=1)
    log_sources: list[str] = Field(
        default_factory=lambda: ["containers"],
        description="Log sources counted (containers, otel); one avoids counting a line twice "
        "when an app ships to both.",
    )
    istio: IstioProfile = Field(default_factory=IstioProfile)
    resources: ResourceProfile = Field(default_factory=ResourceProfile)

    @field_validator("slos")
    @classmethod
    def _slo_range(cls, value: dict[str, float]) -> dict[str, float]:
        for service, target in value.items():
            if not 0 < target < 1:
                raise ValueError(f"SLO of {service} must be between 0 and 1, e.g. 0.999")
        return value

    def slo(self, service: str) -> float:
        return self.slos.get(service, self.default_slo)


class ReportSettings(BaseSettings, DetectionSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPSLENS_REPORTS_", env_nested_delimiter="__", extra="ignore"
    )

    opensearch_url: str = Field(default="http://127.0.0.1:8101", description="OpenSearch server.")
    prometheus_url: str = Field(default="http://127.0.0.1:8102", description="Prometheus server.")
    kubernetes_url: str = Field(default="http://127.0.0.1:8103", description="Kubernetes server.")
    servers_token: SecretStr | None = Field(
        default=None, description="Bearer token of the MCP servers (their OPSLENS_API_TOKEN)."
    )
    tool_timeout_s: float = Field(default=30.0, gt=0, description="Timeout of one tool call.")
    window: str = Field(default="1h", description="Default period of a report run on demand.")
    language: Language = Field(default="en", description="Language of reports: en or ko.")
    store_path: str = Field(
        default=".opslens/reports.sqlite",
        description="SQLite file holding reports, locks and alert investigations.",
    )
    store_url: str | None = Field(
        default=None,
        description="postgresql://... to keep reports, schedule claims and alert investigations in "
        "Postgres (several replicas); unset: the SQLite file at store_path.",
    )
    claim_lease_s: float = Field(
        default=120.0,
        ge=1,
        description="A replica's claim on a scheduled run lasts this long and is renewed while "
        "the report is made; when the replica dies, another takes the run over after it.",
    )
    schedules: list[Schedule] = Field(
        default_factory=lambda: [
            Schedule(name="hourly", cron="5 * * * *", window="1h"),
            Schedule(name="daily", cron="15 7 * * *", window="24h"),
        ]
    )
    timezone: str = Field(default="UTC", description="Time zone of the cron expressions.")
    misfire_grace_s: int = Field(
        default=3600,
        ge=0,
        description="A run missed while the service was down is made once on restart if it "
        "is at most this old.",
    )
    webhook_url: SecretStr | None = Field(
        default=None, description="Slack-compatible incoming webhook; unset: no delivery."
    )
    webhook_attempts: int = Field(default=4, ge=1, le=10)
    google_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GOOGLE_API_KEY", "OPSLENS_REPORTS_GOOGLE_API_KEY"),
        description="Enables the LLM-written executive summary.",
    )
    gemini_model: str = Field(default="gemini-2.5-flash")

    def store_location(self) -> str:
        """Where the store is: ``store_url`` if set, else the SQLite file ``store_path``."""
        return self.store_url or self.store_path
