"""The Kubernetes manifests, read statically: secrets only by reference, known settings only,
locked-down pods, probes and Services that point where the servers listen."""

from __future__ import annotations

import pytest
import yaml

from opslens.components import SERVICES
from tests.deploy.manifests import (
    KUSTOMIZATION,
    MANIFEST_DIR,
    Manifest,
    containers,
    env_entries,
    manifest_files,
    of_kind,
    pod_spec,
    workloads,
)
from tests.deploy.settings_env import env_names, secret_env_names

SECRET_NAME = "opslens-secrets"
SECRET_WORDS = ("TOKEN", "PASSWORD", "KEY", "SECRET", "WEBHOOK")
DEPLOY_README = MANIFEST_DIR.parent / "README.md"
# Applied instead of a default, not with them: the CronJob replaces the reports scheduler.
ALTERNATIVES = {"reports-cronjob.yaml"}


def _port_argument(args: list[str]) -> int:
    for index, arg in enumerate(args):
        if arg == "--port":
            return int(args[index + 1])
        if arg.startswith("--server.port="):
            return int(arg.split("=", 1)[1])
    raise AssertionError(f"no port in {args}")


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((MANIFEST_DIR / KUSTOMIZATION).read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    assert listed | ALTERNATIVES == {p.name for p in manifest_files()}
    assert not listed & ALTERNATIVES


def test_no_secret_is_inlined() -> None:
    for secret in of_kind("Secret"):
        assert not secret.body.get("data") and not secret.body.get("stringData"), secret.label
    secrets = secret_env_names()
    for config in of_kind("ConfigMap"):
        leaked = [key for key in config.body.get("data", {}) if key in secrets]
        assert not leaked, f"{config.label} holds secrets: {leaked}"
    for workload, entry in env_entries():
        secret_like = entry["name"] in secrets or any(w in entry["name"] for w in SECRET_WORDS)
        if secret_like:
            assert "value" not in entry, f"{workload.label}: {entry['name']} is a literal"
            assert entry["valueFrom"]["secretKeyRef"]["name"] == SECRET_NAME


def test_every_variable_is_a_setting() -> None:
    known = env_names()
    names = [entry["name"] for _, entry in env_entries()]
    names += [key for config in of_kind("ConfigMap") for key in config.body.get("data", {})]
    unknown = sorted({name for name in names if name not in known})
    assert not unknown, f"not read by any settings class: {unknown}"


def test_secret_keys_are_documented() -> None:
    readme = DEPLOY_README.read_text(encoding="utf-8")
    keys = {
        entry["valueFrom"]["secretKeyRef"]["key"]
        for _, entry in env_entries()
        if "secretKeyRef" in entry.get("valueFrom", {})
    }
    assert "api-token" in keys
    assert not [key for key in keys if f"`{key}`" not in readme]


def test_every_server_and_the_ui_are_deployed() -> None:
    served = set()
    for workload in of_kind("Deployment"):
        for container in containers(workload):
            args = container["args"]
            if args[:2] == ["opslens", "serve"]:
                served.add(args[2])
            else:
                assert args[:2] == ["opslens", "ui"], args
                served.add("ui")
    assert set(SERVICES) | {"ui"} <= served


@pytest.mark.parametrize("workload", workloads(), ids=lambda m: m.label)
def test_pods_are_locked_down(workload: Manifest) -> None:
    spec = pod_spec(workload)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for container in containers(workload):
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
    service_accounts = {m.name for m in of_kind("ServiceAccount")}
    if spec.get("serviceAccountName"):
        assert spec["serviceAccountName"] in service_accounts
    else:
        assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=lambda m: m.label)
def test_probes_and_service_reach_the_listening_port(deployment: Manifest) -> None:
    (container,) = containers(deployment)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["http"] == _port_argument(container["args"])
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == "http", probe
    pod_labels = deployment.body["spec"]["template"]["metadata"]["labels"]
    selector = deployment.body["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    services = [
        s for s in of_kind("Service") if s.body["spec"]["selector"].items() <= pod_labels.items()
    ]
    assert len(services) == 1, f"{deployment.label}: {len(services)} Services select it"
    (port,) = services[0].body["spec"]["ports"]
    assert port["targetPort"] == "http" and port["port"] == ports["http"]


def test_config_points_clients_at_the_services() -> None:
    (config,) = of_kind("ConfigMap")
    service_ports = {s.name: s.body["spec"]["ports"][0]["port"] for s in of_kind("Service")}
    clients = ("OPSLENS_AGENT_", "OPSLENS_REPORTS_", "OPSLENS_UI_")
    urls = {
        key: url
        for key, url in config.body["data"].items()
        if key.startswith(clients) and key.endswith("_URL")
    }
    assert urls
    for key, url in urls.items():
        host, port = url.removeprefix("http://").split(":")
        assert service_ports.get(host) == int(port), f"{key}={url}: no such Service port"


def test_kubernetes_server_uses_the_read_only_service_account() -> None:
    (binding,) = of_kind("ClusterRoleBinding")
    subjects = binding.body["subjects"]
    bound = {s["name"] for s in subjects if s["kind"] == "ServiceAccount"}
    kube_server = [
        w
        for w in of_kind("Deployment")
        if containers(w)[0]["args"][:3] == ["opslens", "serve", "kubernetes"]
    ]
    (deployment,) = kube_server
    assert pod_spec(deployment)["serviceAccountName"] in bound
    (role,) = of_kind("ClusterRole")
    rules = role.body["rules"]
    assert {verb for rule in rules for verb in rule["verbs"]} <= {"get", "list", "watch"}


def _selects(selector: dict[str, str], deployment: Manifest) -> bool:
    labels = deployment.body["spec"]["template"]["metadata"]["labels"]
    return selector.items() <= labels.items()


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=lambda m: m.label)
def test_several_replicas_share_state_in_postgres_and_keep_one_up(deployment: Manifest) -> None:
    replicas = deployment.body["spec"]["replicas"]
    env = {entry["name"]: entry for entry in containers(deployment)[0].get("env", [])}
    stores = ("OPSLENS_AGENT_CHECKPOINT_URL", "OPSLENS_REPORTS_STORE_URL")
    args = containers(deployment)[0]["args"]
    if args[:3] in (["opslens", "serve", "agent"], ["opslens", "serve", "reports"]):
        assert replicas >= 2
        [store] = [env[name] for name in stores if name in env]
        reference = store["valueFrom"]["secretKeyRef"]
        assert reference["key"] == "database-url" and not reference.get("optional")
    if replicas < 2:
        return
    budgets = [
        b
        for b in of_kind("PodDisruptionBudget")
        if _selects(b.body["spec"]["selector"]["matchLabels"], deployment)
    ]
    assert len(budgets) == 1, f"{deployment.label}: {len(budgets)} PodDisruptionBudgets"
    assert 1 <= budgets[0].body["spec"]["minAvailable"] < replicas


def test_the_agent_is_autoscaled_from_its_replica_count() -> None:
    (autoscaler,) = of_kind("HorizontalPodAutoscaler")
    target = autoscaler.body["spec"]["scaleTargetRef"]
    [agent] = [d for d in of_kind("Deployment") if d.name == target["name"]]
    assert target["kind"] == "Deployment"
    assert containers(agent)[0]["args"][:3] == ["opslens", "serve", "agent"]
    spec = autoscaler.body["spec"]
    assert spec["minReplicas"] == agent.body["spec"]["replicas"] < spec["maxReplicas"]
    assert containers(agent)[0]["resources"]["requests"]["cpu"]  # utilization needs a request
