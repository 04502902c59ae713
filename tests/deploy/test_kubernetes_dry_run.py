"""Every manifest is accepted by a real kube-apiserver: server-side apply with ``dryRun=All`` and
strict field validation, so unknown or misspelt fields fail here rather than in a cluster.

The namespace is created for real first (namespaced objects cannot be dry-run into a namespace
that does not exist); nothing else is written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from opslens.devstack.kubeapi import KubeApiBackend
from tests.deploy.manifests import Manifest, manifests, of_kind

FIELD_MANAGER = "opslens-deploy-test"


@pytest.fixture(scope="module")
def dynamic_client(kube_backend: KubeApiBackend) -> Iterator[DynamicClient]:
    api = config.new_client_from_config(config_file=str(kube_backend.kubeconfig_path))
    try:
        yield DynamicClient(api)
    finally:
        api.close()


@pytest.fixture(scope="module")
def namespaces(dynamic_client: DynamicClient) -> list[str]:
    """The manifests' namespaces, created for real."""
    created = []
    resource = dynamic_client.resources.get(api_version="v1", kind="Namespace")
    for namespace in of_kind("Namespace"):
        try:
            resource.create(body=namespace.body)
        except ApiException as exc:
            if exc.status != 409:  # already there from an earlier run
                raise
        created.append(namespace.name)
    return created


def _dry_run_apply(client: DynamicClient, manifest: Manifest) -> dict[str, object]:
    body = manifest.body
    resource = client.resources.get(api_version=body["apiVersion"], kind=body["kind"])
    answer = client.server_side_apply(
        resource,
        body=body,
        namespace=body["metadata"].get("namespace"),
        field_manager=FIELD_MANAGER,
        force_conflicts=True,
        dry_run="All",
        query_params=[("fieldValidation", "Strict")],
    )
    result: dict[str, object] = answer.to_dict()
    return result


@pytest.mark.parametrize(
    "manifest", [m for m in manifests() if m.kind != "Namespace"], ids=lambda m: m.label
)
def test_server_accepts_manifest(
    dynamic_client: DynamicClient, namespaces: list[str], manifest: Manifest
) -> None:
    namespace = manifest.body["metadata"].get("namespace")
    assert namespace is None or namespace in namespaces, f"{manifest.label}: unknown namespace"
    try:
        accepted = _dry_run_apply(dynamic_client, manifest)
    except ApiException as exc:
        pytest.fail(f"{manifest.label} rejected: {exc.status} {exc.body}")
    assert accepted["kind"] == manifest.kind
    assert accepted["metadata"]["name"] == manifest.name  # type: ignore[index]


def test_dry_run_writes_nothing(dynamic_client: DynamicClient, namespaces: list[str]) -> None:
    (deployment, *_) = of_kind("Deployment")
    _dry_run_apply(dynamic_client, deployment)
    resource = dynamic_client.resources.get(api_version="apps/v1", kind="Deployment")
    with pytest.raises(ApiException) as missing:
        resource.get(name=deployment.name, namespace=deployment.body["metadata"]["namespace"])
    assert missing.value.status == 404


def test_a_misspelt_field_is_rejected(dynamic_client: DynamicClient, namespaces: list[str]) -> None:
    # The check above is only worth something if the server really validates strictly.
    (deployment, *_) = of_kind("Deployment")
    body = {**deployment.body, "spec": {**deployment.body["spec"], "replica": 2}}
    with pytest.raises(ApiException) as rejected:
        _dry_run_apply(dynamic_client, Manifest(deployment.file, body))
    # kube-apiserver answers an apply patch with an undeclared field with a 500 that says so.
    assert ".spec.replica: field not declared in schema" in str(rejected.value.body)
