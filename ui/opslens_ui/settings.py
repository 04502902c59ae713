"""Settings of the UI (``OPSLENS_UI_*`` environment variables)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from opslens_ui.i18n import UiLanguage


class UiSettings(BaseSettings):
    """Where the agent service is, how long to wait for it, and the language of the UI."""

    model_config = SettingsConfigDict(env_prefix="OPSLENS_UI_", extra="ignore")

    agent_url: str = Field(
        default="http://127.0.0.1:8100", description="Base URL of the opslens agent service."
    )
    agent_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of the agent service (its API token); unset sends none.",
    )
    request_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Longest wait for one answer; a question that correlates many traces "
        "can take tens of seconds against a large cluster.",
    )
    now: AwareDatetime | None = Field(
        default=None,
        description="Pin 'now' (ISO-8601 with offset) to replay a past incident: questions like "
        "'the last 3 hours' and the quick time ranges end there. Unset means the real time.",
    )
    status_timeout_s: float = Field(
        default=3.0,
        gt=0,
        description="Wait for status, services and report lists; short so a down agent is "
        "reported at once instead of freezing the page.",
    )
    language: UiLanguage = Field(
        default="auto",
        description="Language of the UI's own text: auto follows each answer (and the question "
        "while it is answered), English before the first; en or ko fix it. The sidebar can "
        "change it for one browser session.",
    )
