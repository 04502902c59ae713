"""Settings of the alert receiver (``OPSLENS_ALERTS_*``); the reports' settings do the rest."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AlertSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSLENS_ALERTS_", extra="ignore")

    queue_size: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Investigations waiting at most; a new one beyond is refused with HTTP 503 "
        "(Alertmanager retries it).",
    )
    workers: int = Field(
        default=4,
        ge=1,
        le=16,
        description="Investigations run at once (each of another alert group); they mostly "
        "wait on the MCP servers, so a few share the cores well.",
    )
    dedupe_window_s: float = Field(
        default=3600.0,
        ge=0,
        description="A group key investigated less than this long ago is not investigated again.",
    )
    lease_s: float = Field(
        default=60.0,
        ge=1.0,
        le=3600.0,
        description="Lease of a queued or running investigation, renewed every third of it by "
        "its replica; once it runs out (the replica died) another replica takes it over.",
    )
    lookback: str = Field(
        default="30m",
        description="How far before the alert's start an investigation looks (the baseline "
        "of the reports comes on top).",
    )
    deliver: bool = Field(
        default=True, description="Post each result to the reports' webhook when one is set."
    )
