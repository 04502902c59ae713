"""What every Kubernetes tool needs: the client, the namespace scope and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from opslens_mcp.kubernetes.client import KubernetesClient
from opslens_mcp.kubernetes.models import KubeQuery
from opslens_mcp.kubernetes.scope import NamespaceScope
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.kubernetes.timeparse import Instant


@dataclass(frozen=True)
class ToolDeps:
    client: KubernetesClient
    scope: NamespaceScope
    settings: KubernetesSettings

    @classmethod
    def build(cls, client: KubernetesClient) -> ToolDeps:
        return cls(client, NamespaceScope(client.settings.namespaces), client.settings)


def namespace_field() -> Any:
    return Field(
        default=None,
        description="Namespace to read; omit for all namespaces this server may read.",
    )


def now_field() -> Any:
    return Field(
        default=None,
        description="Pin 'now' (ISO 8601) so relative times and ages are reproducible; "
        "omit for the current time.",
    )


def label_selector_field() -> Any:
    return Field(
        default=None,
        description="Kubernetes label selector, e.g. 'app=checkout' or 'tier in (web,api)'.",
        max_length=1000,
    )


def limit_field(default: int, maximum: int, what: str) -> Any:
    return Field(
        default=default,
        ge=1,
        le=maximum,
        description=f"Most {what} to return (default {default}: enough to answer, small enough "
        "to read); `truncated` says when more matched.",
    )


NowParam = Instant | None


class ListingResult(BaseModel):
    """What every list tool says about how much it read and returned."""

    matched: int = Field(description="How many matched before `limit` was applied.")
    truncated: bool = Field(description="More matched than `limit`; narrow the filters.")
    complete: bool = Field(
        description="False when a listing stopped at the server's bound (max_list_objects)."
    )
    queries: list[KubeQuery] = Field(description="The API requests made, rerunnable.")
