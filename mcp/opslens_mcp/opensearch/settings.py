"""Where OpenSearch is and how to authenticate (``OPSLENS_OPENSEARCH_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpenSearchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSLENS_OPENSEARCH_", extra="ignore")

    url: str = Field(default="http://127.0.0.1:9200", description="OpenSearch base URL.")
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one OpenSearch request.")
    username: str | None = Field(default=None, description="Basic-auth user, if required.")
    password: SecretStr | None = Field(default=None, description="Basic-auth password.")
    verify_tls: bool = Field(default=True, description="Verify the server certificate.")
    ca_file: str | None = Field(default=None, description="CA bundle for a private CA.")
