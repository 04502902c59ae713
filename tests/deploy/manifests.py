"""The Kubernetes manifests in deploy/kubernetes, loaded as plain dicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
KUSTOMIZATION = "kustomization.yaml"


@dataclass(frozen=True)
class Manifest:
    file: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def label(self) -> str:
        return f"{self.file}:{self.kind}/{self.name}"


def manifest_files() -> list[Path]:
    return sorted(p for p in MANIFEST_DIR.glob("*.yaml") if p.name != KUSTOMIZATION)


def manifests() -> list[Manifest]:
    found = []
    for path in manifest_files():
        for body in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if body:
                found.append(Manifest(path.name, body))
    return found


def of_kind(kind: str) -> list[Manifest]:
    return [m for m in manifests() if m.kind == kind]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    """The pod template of a Deployment or CronJob."""
    spec = workload.body["spec"]
    if workload.kind == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    template: dict[str, Any] = spec["template"]["spec"]
    return template


def workloads() -> list[Manifest]:
    return [m for m in manifests() if m.kind in {"Deployment", "CronJob"}]


def containers(workload: Manifest) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    found: list[dict[str, Any]] = [*spec.get("initContainers", []), *spec["containers"]]
    return found


def env_entries() -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """Every ``env`` entry of every container, with its workload."""
    for workload in workloads():
        for container in containers(workload):
            for entry in container.get("env", []):
                yield workload, entry
