"""The namespace allow-list: which namespaces a call may read, and the requests that follow.

With an allow-list, "all namespaces" means each allowed namespace in turn (a service account
bound per namespace could not list cluster-wide anyway); a namespace outside it is refused
before any request is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.kubernetes.api_requests import ApiRequest, list_request


class NamespaceScope:
    """Checks namespaces against the configured allow-list (empty: every namespace)."""

    def __init__(self, allowed: Sequence[str]) -> None:
        self.allowed = tuple(dict.fromkeys(allowed))

    def permits(self, namespace: str | None) -> bool:
        return not self.allowed or namespace in self.allowed

    def check(self, namespace: str) -> str:
        """``namespace`` if allowed; InvalidParams naming the allowed ones otherwise."""
        if not self.permits(namespace):
            allowed = ", ".join(self.allowed)
            raise InvalidParams(
                f"namespace {namespace!r} is outside this server's allow-list ({allowed})"
            )
        return namespace

    def targets(self, namespace: str | None) -> list[str | None]:
        """The namespaces to query: the one asked for, else the allowed ones, else all (None)."""
        if namespace:
            return [self.check(namespace)]
        return list(self.allowed) if self.allowed else [None]

    def list_requests(
        self,
        resource: str,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[ApiRequest]:
        """One list request per target namespace."""
        return [
            list_request(
                resource, target, label_selector=label_selector, field_selector=field_selector
            )
            for target in self.targets(namespace)
        ]
