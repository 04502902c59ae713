"""Settings every opslens server shares (``OPSLENS_*`` environment variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    """How a server listens and protects itself; backend settings live with each backend."""

    model_config = SettingsConfigDict(env_prefix="OPSLENS_", extra="ignore")

    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token required on every endpoint but /healthz and /readyz; "
        "unset means no authentication (loopback development).",
    )
    max_body_bytes: int = Field(
        default=1_048_576, gt=0, description="Largest request body accepted (HTTP 413 above)."
    )
    max_batch: int = Field(default=50, gt=0, description="Most requests in one JSON-RPC batch.")
    call_timeout_s: float = Field(
        default=30.0, gt=0, description="Per tool call timeout, in seconds."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    allowed_hosts: list[str] = Field(
        default=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        description="Host headers the MCP endpoint accepts (DNS-rebinding protection); "
        '["*"] turns the check off, e.g. behind a proxy in a cluster.',
    )
