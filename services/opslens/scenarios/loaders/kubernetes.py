"""Create the scenario's Kubernetes objects with the official client, statuses included.

No controllers run in a test cluster, so this writes what they would have: replica sets and
pods owned by their deployments, every ``status`` through the status subresource, and the
events. Re-seeding first deletes the objects labelled with the scenario (the namespace stays:
deleting it needs the namespace controller).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from opslens.scenarios.kube import SCENARIO_LABEL


class KubernetesLoader:
    def __init__(self, kubeconfig: Path) -> None:
        self._api = config.new_client_from_config(config_file=str(kubeconfig))
        self.core = client.CoreV1Api(self._api)
        self.apps = client.AppsV1Api(self._api)

    def close(self) -> None:
        self._api.close()

    def clear(self, scenario: str, namespace: str) -> None:
        """Delete what an earlier seeding of ``scenario`` created in ``namespace``."""
        selector = f"{SCENARIO_LABEL}={scenario}"
        for ns in (namespace, "default"):
            self._ignore_missing(
                self.core.delete_collection_namespaced_event, ns, label_selector=selector
            )
        self._ignore_missing(
            self.core.delete_collection_namespaced_pod,
            namespace,
            label_selector=selector,
            grace_period_seconds=0,
        )
        self._ignore_missing(
            self.apps.delete_collection_namespaced_replica_set, namespace, label_selector=selector
        )
        self._ignore_missing(
            self.apps.delete_collection_namespaced_deployment, namespace, label_selector=selector
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = self.core.list_namespaced_pod(namespace, label_selector=selector).items
            if not left:
                return
            time.sleep(0.2)
        raise RuntimeError(f"pods of {scenario} in {namespace} were not deleted within 30 s")

    @staticmethod
    def _ignore_missing(call: Any, *args: Any, **kwargs: Any) -> None:
        try:
            call(*args, **kwargs)
        except ApiException as exc:
            if exc.status != 404:
                raise

    def load(self, objects: dict[str, Any]) -> int:
        """Create everything in ``objects`` (as written by the generator); returns the count."""
        created = 0
        for node in objects["nodes"]:
            self._node(node)
            created += 1
        namespace = objects["namespace"]
        ns = namespace["metadata"]["name"]
        try:
            self.core.create_namespace(namespace)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self.core.patch_namespace(ns, {"metadata": {"labels": namespace["metadata"]["labels"]}})
        uids: dict[tuple[str, str], str] = {}
        workloads: list[tuple[str, str, Callable[..., Any], Callable[..., Any]]] = [
            ("Deployment", "deployments", self.apps.create_namespaced_deployment,
             self.apps.patch_namespaced_deployment_status),
            ("ReplicaSet", "replicasets", self.apps.create_namespaced_replica_set,
             self.apps.patch_namespaced_replica_set_status),
            ("Pod", "pods", self.core.create_namespaced_pod,
             self.core.patch_namespaced_pod_status),
        ]  # fmt: skip
        for kind, plural, create, patch_status in workloads:
            for body in objects[plural]:
                body = _with_owner_uids(body, uids)
                name, status = body["metadata"]["name"], body.pop("status")
                made = create(ns, body)
                uids[(kind, name)] = str(made.metadata.uid)
                patch_status(name, ns, {"status": status})
                created += 1
        for event in objects["events"]:
            involved = event["involvedObject"]
            uid = uids.get((involved["kind"], involved["name"]))
            if uid:
                event = {**event, "involvedObject": {**involved, "uid": uid}}
            self.core.create_namespaced_event(event["metadata"]["namespace"], event)
            created += 1
        return created

    def _node(self, node: dict[str, Any]) -> None:
        body: Any = {k: v for k, v in node.items() if k != "status"}
        try:
            self.core.create_node(body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self.core.patch_node(node["metadata"]["name"], {"metadata": node["metadata"]})
        self.core.patch_node_status(node["metadata"]["name"], {"status": node["status"]})


def _with_owner_uids(body: dict[str, Any], uids: dict[tuple[str, str], str]) -> dict[str, Any]:
    owners = body["metadata"].get("ownerReferences")
    if not owners:
        return dict(body)
    filled = [{**o, "uid": uids[(o["kind"], o["name"])]} for o in owners]
    return {**body, "metadata": {**body["metadata"], "ownerReferences": filled}}
