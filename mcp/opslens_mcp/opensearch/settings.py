"""Settings of the OpenSearch server (``OPSLENS_OPENSEARCH_*``): connection, profiles, limits.

Profiles come from, in rising priority: the built-in defaults, the YAML file named by
``OPSLENS_OPENSEARCH_PROFILE_FILE``, and environment variables with ``__`` between levels,
e.g. ``OPSLENS_OPENSEARCH_PROFILES__TRACES__INDEX=otel-v1-apm-span-*``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from opslens_mcp.core.retry import RetrySettings
from opslens_mcp.opensearch.profiles import Profiles

ENV_PREFIX = "OPSLENS_OPENSEARCH_"


class _ProfileFileSource(PydanticBaseSettingsSource):
    """Reads the ``profiles`` section from the YAML file named in the environment or init."""

    def __init__(self, settings_cls: type[BaseSettings], path: str | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path:
            return {}
        data = yaml.safe_load(Path(self.path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"profile file {self.path} must hold a mapping")
        return {"profiles": data.get("profiles", data)}


class OpenSearchSettings(BaseSettings, RetrySettings):
    """Where OpenSearch is, how to read it (profiles) and the bounds every tool keeps."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore"
    )

    url: str = Field(default="http://127.0.0.1:9200", description="OpenSearch base URL.")
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one OpenSearch request.")
    username: str | None = Field(default=None, description="Basic-auth user, if required.")
    password: SecretStr | None = Field(default=None, description="Basic-auth password.")
    verify_tls: bool = Field(default=True, description="Verify the server certificate.")
    ca_file: str | None = Field(default=None, description="CA bundle for a private CA.")

    profile_file: str | None = Field(default=None, description="YAML file with profiles.")
    profiles: Profiles = Field(default_factory=Profiles)
    timezone: str = Field(default="UTC", description="Zone of naive times and of now/d.")
    default_window_minutes: int = Field(
        default=60, gt=0, description="Time range when a call gives none."
    )
    max_window_days: int = Field(default=31, gt=0, description="Longest time range accepted.")
    max_log_limit: int = Field(default=500, gt=0, description="Most log records per page.")
    max_trace_limit: int = Field(default=200, gt=0, description="Most trace summaries per call.")
    max_trace_ids: int = Field(default=1000, gt=0, description="Most ids in one get_traces call.")
    max_spans: int = Field(default=10_000, gt=0, description="Most spans fetched in one call.")
    span_scan_limit: int = Field(
        default=10_000, gt=0, description="Spans scanned to find service-map edges from spans."
    )
    pattern_max_messages: int = Field(
        default=100_000, gt=0, description="Most messages log_patterns clusters per call."
    )
    pattern_page_size: int = Field(
        default=10_000,
        gt=0,
        le=10_000,
        description="Hits per page log_patterns reads (at most index.max_result_window).",
    )
    cache_ttl_s: float = Field(default=30.0, ge=0, description="Life of a cached answer; 0: off.")
    cache_max_entries: int = Field(default=256, gt=0)
    mapping_ttl_s: float = Field(default=60.0, ge=0, description="Life of cached field mappings.")
    session_ttl_s: float = Field(default=3600.0, gt=0, description="Idle life of a session.")
    max_sessions: int = Field(default=1000, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        init_kwargs = getattr(init_settings, "init_kwargs", {})
        path = init_kwargs.get("profile_file") or os.environ.get(f"{ENV_PREFIX}PROFILE_FILE")
        profile_file = _ProfileFileSource(settings_cls, str(path) if path else None)
        return init_settings, env_settings, dotenv_settings, profile_file, file_secret_settings
