"""The admin side of the test cluster: typed clients that write the objects tests read."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import kubernetes.client as client


@dataclass(frozen=True)
class Admin:
    """Typed clients of the cluster's admin user (writes test objects)."""

    api: client.ApiClient
    core: client.CoreV1Api
    apps: client.AppsV1Api
    rbac: client.RbacAuthorizationV1Api

    def namespace(self, purpose: str) -> str:
        """Create a fresh ``k8stest-<purpose>-<hex>`` namespace and return its name."""
        name = f"k8stest-{purpose}-{secrets.token_hex(3)}"
        self.core.create_namespace({"metadata": {"name": name}})
        return name
