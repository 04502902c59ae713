"""The devstack's real kube-apiserver + etcd: round trip with the official client, RBAC, crash.

The first run builds kube-apiserver and etcd from source (about 7 minutes on two idle
cores, much longer on a busy machine, hence the long timeout); later runs reuse the
binaries in the cache directory.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.process import free_port
from tests.integration.processes import pid_exists, processes_mentioning

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]


def _api(kubeconfig: Path) -> client.ApiClient:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    return client.ApiClient(configuration)


@pytest.fixture(scope="module", autouse=True)
def _binaries() -> None:
    ensure_kube_binaries()


@pytest.fixture()
def backend(tmp_path: Path) -> Iterator[KubeApiBackend]:
    kube = KubeApiBackend(tmp_path / "kube", free_port())
    try:
        yield kube
    finally:
        kube.stop()


def _assert_stopped(kube: KubeApiBackend, pids: list[int]) -> None:
    kube.stop()
    assert not kube.alive()
    assert pids and not [pid for pid in pids if pid_exists(pid)]
    assert processes_mentioning(str(kube.workdir)) == []


def test_round_trip_with_official_client_and_readonly_rbac(backend: KubeApiBackend) -> None:
    started = time.monotonic()
    backend.start()
    assert backend.alive()
    assert time.monotonic() - started < 120
    assert backend.url == f"https://127.0.0.1:{backend.port}"
    core = client.CoreV1Api(_api(backend.kubeconfig_path))

    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="shop")))
    core.create_node(client.V1Node(metadata=client.V1ObjectMeta(name="node-1")))
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="checkout-7d9f", labels={"app": "checkout"}),
        spec=client.V1PodSpec(
            node_name="node-1",
            containers=[client.V1Container(name="checkout", image="example/checkout:1.0")],
        ),
    )
    core.create_namespaced_pod("shop", pod)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = now.isoformat().replace("+00:00", "Z")
    core.patch_namespaced_pod_status(
        "checkout-7d9f",
        "shop",
        {
            "status": {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "checkout",
                        "image": "example/checkout:1.0",
                        "imageID": "",
                        "ready": False,
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {
                            "terminated": {
                                "exitCode": 137,
                                "reason": "OOMKilled",
                                "startedAt": stamp,
                                "finishedAt": stamp,
                            }
                        },
                    }
                ],
            }
        },
    )
    core.create_namespaced_event(
        "shop",
        client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="checkout-7d9f.oom"),
            involved_object=client.V1ObjectReference(
                kind="Pod", namespace="shop", name="checkout-7d9f", api_version="v1"
            ),
            reason="BackOff",
            message="Back-off restarting failed container checkout",
            type="Warning",
            count=4,
            first_timestamp=now,
            last_timestamp=now,
            source=client.V1EventSource(component="kubelet", host="node-1"),
        ),
    )
    core.create_namespaced_secret(
        "shop",
        client.V1Secret(metadata=client.V1ObjectMeta(name="db"), string_data={"password": "x"}),
    )

    pods = core.list_namespaced_pod("shop").items
    assert [p.metadata.name for p in pods] == ["checkout-7d9f"]
    status = pods[0].status.container_statuses[0]
    assert pods[0].spec.node_name == "node-1"
    assert status.restart_count == 4
    assert status.last_state.terminated.reason == "OOMKilled"
    events = core.list_namespaced_event(
        "shop", field_selector="involvedObject.name=checkout-7d9f"
    ).items
    assert [(e.reason, e.type, e.count) for e in events] == [("BackOff", "Warning", 4)]
    assert "node-1" in [n.metadata.name for n in core.list_node().items]
    assert "shop" in [n.metadata.name for n in core.list_namespace().items]

    readonly = client.CoreV1Api(_api(backend.readonly_kubeconfig_path))
    assert [p.metadata.name for p in readonly.list_pod_for_all_namespaces().items] == [
        "checkout-7d9f"
    ]
    assert readonly.list_namespaced_event("shop").items
    with pytest.raises(ApiException) as created:
        readonly.create_namespaced_pod("shop", pod)
    assert created.value.status == 403
    with pytest.raises(ApiException) as listed:
        readonly.list_namespaced_secret("shop")
    assert listed.value.status == 403
    with pytest.raises(ApiException) as read:
        readonly.read_namespaced_secret("db", "shop")
    assert read.value.status == 403

    _assert_stopped(backend, backend.pids)


def test_apiserver_crash_and_restart_keeps_etcd_data(backend: KubeApiBackend) -> None:
    backend.start()
    api = _api(backend.kubeconfig_path)
    core = client.CoreV1Api(api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="keep")))
    core.create_namespaced_config_map(
        "keep", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm"), data={"k": "v"})
    )
    before = set(backend.pids)

    backend.kill_apiserver()
    deadline = time.monotonic() + 10
    while backend.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not backend.alive()

    started = time.monotonic()
    backend.start()
    assert backend.alive()
    assert time.monotonic() - started < 120
    after = set(backend.pids)
    assert len(before & after) == 1  # etcd kept running, kube-apiserver is a new process
    # The kubeconfig written before the crash still works: the tokens are kept.
    assert core.read_namespaced_config_map("cm", "keep").data == {"k": "v"}

    _assert_stopped(backend, list(before | after))
