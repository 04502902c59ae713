"""Known services and namespaces of the question sets, read from the data they describe.

The demo scenario's services come from the header of ../shared/eval/questions-public.yaml; the
other scenarios' from the shared public data: TrainTicket pod names (nezha metric files), the
Jaeger HotROD service index, the OpenTelemetry demo service map and the namespaces of the
OpenShift pod sample.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Namespaces every Kubernetes cluster has, besides the scenario's own.
BUILT_IN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"]
_POD_TAIL = re.compile(r"-[a-z0-9]{6,10}-[a-z0-9]{5}$")


@dataclass(frozen=True)
class Catalog:
    services: list[str]
    namespaces: list[str]


def public_questions_path(shared_data: Path) -> Path:
    return shared_data.parent / "eval" / "questions-public.yaml"


def demo_catalog_from_header(text: str) -> Catalog:
    """Services and namespace listed in the header comment of the public questions."""
    header = "\n".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    services_text = re.search(r"services:(.*?)\bcalls:", header, re.S)
    namespace = re.search(r"namespace:\s*([a-z0-9-]+)", header)
    assert services_text and namespace, "the public questions' header lost its scenario"
    names = re.findall(r"([a-z][a-z0-9-]*)(?:\s*\([^)]*\))?\s*(?:,|$)", services_text[1].strip())
    services = [name for name in names if name != "and"]
    services += re.findall(r"\band\s+([a-z][a-z0-9-]*)", services_text[1])
    return Catalog(list(dict.fromkeys(services)), [namespace[1], *BUILT_IN_NAMESPACES])


def trainticket_catalog(shared_data: Path) -> Catalog:
    metric_files = (shared_data / "nezha-trainticket" / "rca_data").glob("*/metric/*_metric.csv")
    pods = {path.name.removesuffix("_metric.csv") for path in metric_files}
    services = sorted({_POD_TAIL.sub("", pod) for pod in pods})
    return Catalog(services, ["train-ticket", *BUILT_IN_NAMESPACES])


def hotrod_catalog(shared_data: Path) -> Catalog:
    path = shared_data / "jaeger-hotrod-opensearch" / "jaeger-service-2023-01-24.json"
    documents = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    services = sorted({doc["serviceName"] for doc in documents if "serviceName" in doc})
    return Catalog(services, BUILT_IN_NAMESPACES)


def oteldemo_catalog(shared_data: Path) -> Catalog:
    path = shared_data / "opensearch-apm-cypress-otel-demo-synthetic" / "services"
    edges = [
        json.loads(line)
        for line in (path / "otel_apm_service_map_explore.data.ndjson").read_text().splitlines()
        if line.strip()
    ]
    names = {
        edge[end]["keyAttributes"]["name"] for edge in edges for end in ("sourceNode", "targetNode")
    }
    return Catalog(sorted(names), ["otel-demo", *BUILT_IN_NAMESPACES])


def openshift_catalog(shared_data: Path) -> Catalog:
    pod_dir = shared_data / "openshift-insights-k8s-objects" / "config" / "pod"
    namespaces = sorted(path.name for path in pod_dir.iterdir() if path.is_dir())
    return Catalog([], namespaces)
