"""The shipped read-only RBAC is enough and nothing more; forbidden and unreachable APIs give
errors that say what is wrong; credentials never come back in a result or an error."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from opslens.devstack.kubeapi import READONLY_CLUSTER_ROLE, KubeApiBackend
from opslens.devstack.process import free_port
from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop import Shop
from opslens_mcp.kubernetes.settings import KubernetesSettings
from tests.conftest import REPO_ROOT
from tests.kubernetes.conftest import Rpc, RpcError, rpc_caller

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]
RBAC_YAML = REPO_ROOT / "deploy" / "kubernetes" / "rbac.yaml"
READ_VERBS = {"get", "list", "watch"}
Serve = Callable[[KubernetesSettings], Any]


def shipped(kind: str) -> dict[str, Any]:
    documents = list(yaml.safe_load_all(RBAC_YAML.read_text()))
    return next(d for d in documents if d["kind"] == kind)


def write_kubeconfig(path: Path, server: str, ca: Path, token: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "test",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca.read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "test", "user": "sa"}}],
        "current-context": "sa",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def service_account_token(admin: Admin, namespace: str, role: dict[str, Any], cluster: bool) -> str:
    """A token of a new ServiceAccount bound to ``role`` (cluster-wide or in ``namespace``)."""
    name = f"sa-{secrets.token_hex(3)}"
    admin.core.create_namespaced_service_account(namespace, {"metadata": {"name": name}})
    subject = {"kind": "ServiceAccount", "name": name, "namespace": namespace}
    role_name = f"{role['metadata']['name']}-{name}"
    rules = {"metadata": {"name": role_name}, "rules": role["rules"]}
    ref = {"apiGroup": "rbac.authorization.k8s.io", "name": role_name}
    binding = {"metadata": {"name": role_name}, "subjects": [subject]}
    if cluster:
        admin.rbac.create_cluster_role(rules)
        admin.rbac.create_cluster_role_binding(
            {**binding, "roleRef": {**ref, "kind": "ClusterRole"}}
        )
    else:
        admin.rbac.create_namespaced_role(namespace, rules)
        admin.rbac.create_namespaced_role_binding(
            namespace, {**binding, "roleRef": {**ref, "kind": "Role"}}
        )
    request = admin.core.create_namespaced_service_account_token(
        name, namespace, {"spec": {"expirationSeconds": 3600}}
    )
    return str(request.status.token)


@contextmanager
def served_as(
    serve_kubernetes: Serve, kube: KubeApiBackend, tmp_path: Path, token: str, server: str = ""
) -> Iterator[str]:
    kubeconfig = write_kubeconfig(
        tmp_path / f"kubeconfig-{secrets.token_hex(3)}", server or kube.url, kube.ca_path, token
    )
    with serve_kubernetes(KubernetesSettings(kubeconfig=str(kubeconfig), timeout_s=5)) as url:
        yield url


def test_shipped_role_is_read_only_without_secrets_and_matches_the_devstack() -> None:
    role = shipped("ClusterRole")
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= READ_VERBS
        assert not {"secrets", "configmaps", "pods/exec", "pods/portforward"} & set(
            rule["resources"]
        )
    assert role["rules"] == READONLY_CLUSTER_ROLE["rules"]
    binding = shipped("ClusterRoleBinding")
    account = shipped("ServiceAccount")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": account["metadata"]["name"],
            "namespace": account["metadata"]["namespace"],
        }
    ]


def test_every_tool_works_under_the_shipped_cluster_role(
    admin: Admin,
    kube_backend: KubeApiBackend,
    serve_kubernetes: Serve,
    tmp_path: Path,
    faulty: Shop,
) -> None:
    token = service_account_token(admin, faulty.namespace, shipped("ClusterRole"), cluster=True)
    with served_as(serve_kubernetes, kube_backend, tmp_path, token) as url:
        call = rpc_caller(url)
        namespace = faulty.namespace
        diagnosis = call("diagnose", namespace=namespace)
        assert diagnosis["missing_permissions"] == []
        found = {
            (f["object"]["kind"], f["object"]["name"], f["problem"]) for f in diagnosis["findings"]
        }
        assert found == faulty.expected
        pod = next(iter(faulty.pods))
        assert call("get_pod", namespace=namespace, name=pod)["pod"]["name"] == pod
        assert call("list_pods", namespace=namespace)["matched"] == len(faulty.pods)
        assert call("list_events", namespace=namespace, since="now-6h")["events"]
        assert call("list_deployments", namespace=namespace)["matched"] == len(faulty.deployments)
        assert call("list_nodes")["nodes"]
        assert call("workload_for_service", service="frontend", namespace=namespace)["workloads"]
        with pytest.raises(RpcError) as logs:  # allowed by RBAC; fails only for want of a kubelet
            call("pod_logs", namespace=namespace, pod=faulty.pod_of("payment-service"))
        assert logs.value.code == -32001 and "kubelet" in logs.value.message
        assert token not in str(call("server_info"))


def test_forbidden_reads_name_the_missing_permission(
    admin: Admin,
    kube_backend: KubeApiBackend,
    serve_kubernetes: Serve,
    tmp_path: Path,
    faulty: Shop,
) -> None:
    pods_only = {
        "metadata": {"name": "pods-only"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
    }
    namespace = faulty.namespace
    token = service_account_token(admin, namespace, pods_only, cluster=False)
    with served_as(serve_kubernetes, kube_backend, tmp_path, token) as url:
        call = rpc_caller(url)
        assert call("list_pods", namespace=namespace)["matched"] == len(faulty.pods)
        with pytest.raises(RpcError) as raised:
            call("list_events", namespace=namespace)
        error = raised.value
        assert (error.code, error.data["status"]) == (-32000, 403)
        assert f'list events (API group core) in namespace "{namespace}"' in error.message
        assert "deploy/kubernetes/rbac.yaml" in error.message
        with pytest.raises(RpcError) as nodes:
            call("list_nodes")
        assert "list nodes (API group core) cluster-wide" in nodes.value.message
        diagnosis = call("diagnose", namespace=namespace, analyzers=["pods"])
        assert diagnosis["missing_permissions"] and not diagnosis["complete"]
        assert any("list events" in m for m in diagnosis["missing_permissions"])
        crash = faulty.pod_of("payment-service")
        assert ("Pod", crash, "CrashLoopBackOff") in {
            (f["object"]["kind"], f["object"]["name"], f["problem"]) for f in diagnosis["findings"]
        }
        for message in (error.message, nodes.value.message, *diagnosis["missing_permissions"]):
            assert token not in message


def test_unreachable_api_is_a_clear_unavailable_error(
    kube_backend: KubeApiBackend, serve_kubernetes: Serve, tmp_path: Path
) -> None:
    token = secrets.token_hex(24)
    closed = f"https://127.0.0.1:{free_port()}"
    with served_as(serve_kubernetes, kube_backend, tmp_path, token, server=closed) as url:
        with pytest.raises(RpcError) as raised:
            rpc_caller(url)("list_pods", namespace="default")
        assert raised.value.code == -32001
        assert "cannot connect to" in raised.value.message and closed in raised.value.message
        ready = httpx.get(f"{url}/readyz", timeout=30)
        assert ready.status_code == 503 and "cannot connect" in ready.json()["detail"]
        assert token not in raised.value.message + ready.text


def test_rejected_token_is_unauthorized_without_echoing_it(
    kube_backend: KubeApiBackend, serve_kubernetes: Serve, tmp_path: Path
) -> None:
    token = secrets.token_hex(24)
    with (
        served_as(serve_kubernetes, kube_backend, tmp_path, token) as url,
        pytest.raises(RpcError) as raised,
    ):
        rpc_caller(url)("list_nodes")
    assert raised.value.data["status"] == 401
    assert "unauthorized" in raised.value.message and token not in raised.value.message


def test_every_tool_is_declared_read_only(readonly_url: str, rpc: Rpc) -> None:
    listed = httpx.post(
        f"{readonly_url}/rpc", json={"jsonrpc": "2.0", "method": "list_tools", "id": 1}, timeout=30
    ).json()["result"]["tools"]
    assert {tool["name"] for tool in listed} == set(rpc("server_info")["tools"])
    assert all(tool["readOnly"] for tool in listed)
