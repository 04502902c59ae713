"""Settings of the agent service (``OPSLENS_AGENT_*``, plus ``GOOGLE_API_KEY``).

Nested values use JSON or ``__``, e.g. ``OPSLENS_AGENT_DETECTION__NAMESPACES='["shop"]'``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from opslens.reports.detection import DetectionSettings


class AgentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPSLENS_AGENT_", env_nested_delimiter="__", extra="ignore"
    )

    opensearch_url: str = Field(
        default="http://127.0.0.1:8101", description="The opslens OpenSearch server."
    )
    prometheus_url: str = Field(
        default="http://127.0.0.1:8102", description="The opslens Prometheus server."
    )
    kubernetes_url: str = Field(
        default="http://127.0.0.1:8103", description="The opslens Kubernetes server."
    )
    reports_url: str = Field(
        default="http://127.0.0.1:8104", description="The opslens reports server."
    )
    servers_token: SecretStr | None = Field(
        default=None, description="Bearer token for the MCP servers (their OPSLENS_API_TOKEN)."
    )
    tool_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one tool call.")
    question_budget_s: float = Field(
        default=30.0,
        gt=0,
        description="Time one question's tool calls may take in all; calls still waiting then "
        "are cut short and named among the missing evidence.",
    )
    max_concurrent_questions: int = Field(
        default=8,
        ge=1,
        description="Questions one replica runs at once; more wait in line. Their tool calls "
        "share the backends, so past a few at once every question only gets slower.",
    )
    max_queued_questions: int = Field(
        default=100,
        ge=0,
        description="Questions that may wait for a slot; beyond that a question is refused at "
        "once (HTTP 503 with Retry-After).",
    )
    queue_wait_s: float = Field(
        default=30.0,
        gt=0,
        description="Longest a question waits for a slot before it is refused (HTTP 503 with "
        "Retry-After); its own budget starts once it runs.",
    )
    catalog_ttl_s: float = Field(
        default=60.0,
        ge=0,
        description="How long the list of known services and namespaces is reused before it "
        "is read again.",
    )
    timezone: str | None = Field(
        default=None,
        description="IANA time zone for 'today', '오늘', '10시'; default the system's.",
    )
    checkpoint_url: str = Field(
        default="sqlite:///.opslens/sessions.sqlite",
        description="Conversation store: sqlite:///PATH, or postgresql://... for several replicas.",
    )
    google_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GOOGLE_API_KEY", "OPSLENS_AGENT_GOOGLE_API_KEY"),
        description="Enables the Gemini planner and summaries.",
    )
    gemini_model: str = Field(default="gemini-2.5-flash", description="Gemini model name.")
    llm_mode: Literal["fallback", "always", "off"] = Field(
        default="fallback",
        description="When Gemini plans: only when the offline planner is unsure, always, or never.",
    )
    llm_timeout_s: float = Field(
        default=20.0,
        gt=0,
        description="Time one model call (plan or summary) may take; then the offline plan or "
        "the template answer stands.",
    )
    llm_min_confidence: float = Field(
        default=0.6, ge=0, le=1, description="Offline plans below this confidence go to Gemini."
    )
    detection: DetectionSettings = Field(
        default_factory=DetectionSettings,
        description="What open questions ('is anything wrong?') check: namespaces, SLOs, "
        "baseline, log sources, metric profiles (as the reports' settings of the same names).",
    )
