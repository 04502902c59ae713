"""compose.yaml passes ``docker compose config`` (with and without the demo profile, and with
compose.postgres.yaml added), and the model it resolves to keeps its promises: health checks and
health-gated start order, the one image, no secret values, the demo's data handed from the seed
to Prometheus, several replicas only over Postgres.

Needs the docker CLI with its Compose plugin (``bash devstack/install-compose.sh``); no Docker
engine is needed to validate a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from opslens.alerts.files import COMPOSE_RULE_FILE
from opslens.alerts.payload import GROUP_BY
from opslens.components import SERVICES
from opslens.scenarios.writer import METRICS_FILE
from tests.deploy.dockerfile import read_stages
from tests.deploy.settings_env import env_names, secret_env_names

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "compose.yaml"
POSTGRES_FILE = REPO_ROOT / "compose.postgres.yaml"
PROFILES = {
    "default": [],
    "demo": ["--profile", "demo"],
    "postgres": ["-f", str(POSTGRES_FILE)],
}
DEMO_BACKENDS = {"opensearch", "prometheus", "k3s", "alertmanager"}
COMPOSE_DIR = REPO_ROOT / "deploy" / "compose"
POSTGRES_PASSWORD = "compose-config-test"  # a value for interpolation only
HEALTHCHECK_VARIABLE = "OPSLENS_HEALTHCHECK_URL"


def _clean_environment(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """This machine's environment without opslens settings, and an empty interpolation file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPSLENS_", "COMPOSE_")) and key != "GOOGLE_API_KEY"
    }
    env_file = tmp_path / "test.env"
    env_file.write_text(f"OPSLENS_POSTGRES_PASSWORD={POSTGRES_PASSWORD}\n", encoding="utf-8")
    return env, env_file


def docker_compose(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.fail(
            "the docker CLI is missing: run 'bash devstack/install-compose.sh' (it installs "
            "Debian's docker.io and builds the Compose plugin)"
        )
    env, env_file = _clean_environment(tmp_path)
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, env=env, check=False
    )
    if version.returncode != 0:
        pytest.fail(f"docker compose is missing; run 'bash devstack/install-compose.sh'\n{version}")
    command = [docker, "compose", "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=False, timeout=120
    )


@pytest.fixture(scope="module", params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def model(profile: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project as ``docker compose config`` resolves it."""
    tmp = tmp_path_factory.mktemp(f"compose-{profile}")
    result = docker_compose(tmp, *PROFILES[profile], "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = json.loads(result.stdout)
    return resolved


def services(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = model["services"]
    return found


def is_job(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def built_here(service: dict[str, Any]) -> bool:
    return "build" in service


def listening_port(service: dict[str, Any]) -> int:
    command = service["command"]
    for index, arg in enumerate(command):
        if arg == "--port":
            return int(command[index + 1])
        if arg.startswith("--server.port="):
            return int(arg.split("=", 1)[1])
    raise AssertionError(f"no port in {command}")


def test_config_validates(profile: str, tmp_path: Path) -> None:
    result = docker_compose(tmp_path, *PROFILES[profile], "config", "-q")
    assert result.returncode == 0, result.stderr


def test_profiles_add_only_the_demo(model: dict[str, Any], profile: str) -> None:
    names = set(services(model))
    if profile == "demo":
        assert names >= DEMO_BACKENDS
        return
    assert not names & DEMO_BACKENDS
    others = {name for name, service in services(model).items() if not built_here(service)}
    assert others == ({"postgres"} if profile == "postgres" else set())


def test_several_replicas_only_over_postgres(model: dict[str, Any], profile: str) -> None:
    everything = services(model)
    stores = {
        "agent": "OPSLENS_AGENT_CHECKPOINT_URL",
        "reports": "OPSLENS_REPORTS_STORE_URL",
    }
    for name, variable in stores.items():
        replicas = (everything[name].get("deploy") or {}).get("replicas", 1)
        url = (everything[name].get("environment") or {}).get(variable)
        if profile != "postgres":
            assert replicas == 1 and not url, name
            continue
        assert replicas >= 2, name
        assert url == f"postgresql://opslens:{POSTGRES_PASSWORD}@postgres:5432/opslens"
        assert everything[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        [port] = everything[name]["ports"]
        first, last = (int(p) for p in port["published"].split("-"))
        assert last - first + 1 == replicas, f"{name}: one published port per replica"


def test_our_services_share_one_image_built_from_the_dockerfile(model: dict[str, Any]) -> None:
    ours = [s for s in services(model).values() if built_here(s)]
    assert len({s["image"] for s in ours}) == 1
    for service in ours:
        context = Path(service["build"]["context"])
        assert context == REPO_ROOT
        assert (context / service["build"].get("dockerfile", "Dockerfile")).is_file()
    commands = {s["command"][2] for s in ours if s["command"][:2] == ["opslens", "serve"]}
    assert set(SERVICES) <= commands


def test_long_running_services_are_health_checked(model: dict[str, Any]) -> None:
    dockerfile_checks = read_stages(REPO_ROOT / "Dockerfile")[-1].all("HEALTHCHECK")
    for name, service in services(model).items():
        if is_job(service):
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no health check"
        if check.get("test"):
            continue
        # Ours inherit the image's test, which fetches the URL the service names.
        assert built_here(service) and dockerfile_checks, name
        url = service["environment"][HEALTHCHECK_VARIABLE]
        assert re.fullmatch(rf"http://127\.0\.0\.1:{listening_port(service)}/\S+", url), url


def test_start_order_waits_for_health(model: dict[str, Any]) -> None:
    everything = services(model)
    for name, service in everything.items():
        for dependency, rule in service.get("depends_on", {}).items():
            if dependency not in everything:
                assert rule.get("required") is False, f"{name} needs {dependency}"
                continue
            wanted = (
                "service_completed_successfully"
                if is_job(everything[dependency])
                else "service_healthy"
            )
            assert rule["condition"] == wanted, f"{name} -> {dependency}"


def test_no_secret_has_a_value(model: dict[str, Any]) -> None:
    secrets = secret_env_names()
    for name, service in services(model).items():
        for variable, value in (service.get("environment") or {}).items():
            if variable in secrets:
                assert not value, f"{name}: {variable} has a value in compose.yaml"


def test_only_known_settings_are_set(model: dict[str, Any]) -> None:
    known = env_names() | {HEALTHCHECK_VARIABLE}
    for name, service in services(model).items():
        if built_here(service):
            unknown = set(service.get("environment") or {}) - known
            assert not unknown, f"{name} sets {unknown}"


def test_ports_are_published_on_loopback_only(model: dict[str, Any]) -> None:
    for name, service in services(model).items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", f"{name}: {port}"


def test_interpolated_variables_are_in_env_example() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8") + POSTGRES_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    missing = sorted(name for name in used if f"{name}=" not in example)
    assert not missing, f".env.example does not list: {missing}"


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Named volume -> where the service mounts it."""
    return {v["source"]: v["target"] for v in service.get("volumes", []) if v["type"] == "volume"}


def _in_volume(service: dict[str, Any], path: str) -> tuple[str, PurePosixPath]:
    """The named volume holding ``path`` in ``service``, and the path inside it."""
    for volume, target in _mounts(service).items():
        if PurePosixPath(path).is_relative_to(target):
            return volume, PurePosixPath(path).relative_to(target)
    raise AssertionError(f"{path} is in no volume of the service")


def test_demo_hands_metrics_from_seed_to_prometheus(model: dict[str, Any], profile: str) -> None:
    if profile != "demo":
        assert "seed" not in services(model)
        return
    everything = services(model)
    seed, backfill, prometheus = (
        everything["seed"],
        everything["prometheus-backfill"],
        everything["prometheus"],
    )
    scenario = seed["command"][seed["command"].index("--scenario") + 1]
    assert (REPO_ROOT / scenario).is_file()
    out_dir = seed["command"][seed["command"].index("--out") + 1]
    written = _in_volume(seed, str(PurePosixPath(out_dir) / METRICS_FILE))
    read_file, tsdb_dir = backfill["command"][-2:]
    assert _in_volume(backfill, read_file) == written
    tsdb_flag = next(a for a in prometheus["command"] if a.startswith("--storage.tsdb.path="))
    assert _in_volume(backfill, tsdb_dir) == _in_volume(prometheus, tsdb_flag.split("=", 1)[1])


def _mounted(service: dict[str, Any], target: str) -> Path:
    """The file of this repository that ``service`` mounts at ``target``."""
    [source] = [v["source"] for v in service["volumes"] if v["target"] == target]
    return Path(source)


def test_demo_alerts_go_from_prometheus_through_alertmanager_to_the_receiver(
    model: dict[str, Any], profile: str
) -> None:
    """Prometheus evaluates the shipped rules and sends to Alertmanager, which posts every
    group to the reports service's POST /v1/alerts with the API token from a secret file."""
    if profile != "demo":
        assert "alertmanager" not in services(model)
        return
    everything = services(model)
    prometheus, alertmanager = everything["prometheus"], everything["alertmanager"]
    config_flag = next(a for a in prometheus["command"] if a.startswith("--config.file="))
    config_path = _mounted(prometheus, config_flag.split("=", 1)[1])
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    [rule_file] = config["rule_files"]
    rules_in_container = str(PurePosixPath(config_flag.split("=", 1)[1]).parent / rule_file)
    assert _mounted(prometheus, rules_in_container) == REPO_ROOT / COMPOSE_RULE_FILE
    [target] = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert target == f"alertmanager:{alertmanager['ports'][0]['target']}"

    am_flag = next(a for a in alertmanager["command"] if a.startswith("--config.file="))
    routing = yaml.safe_load(
        _mounted(alertmanager, am_flag.split("=", 1)[1]).read_text(encoding="utf-8")
    )
    assert tuple(routing["route"]["group_by"]) == GROUP_BY
    [receiver] = routing["receivers"]
    assert receiver["name"] == routing["route"]["receiver"]
    [webhook] = receiver["webhook_configs"]
    reports_port = listening_port(everything["reports"])
    assert webhook["url"] == f"http://reports:{reports_port}/v1/alerts"
    assert webhook["send_resolved"] is True
    authorization = webhook["http_config"]["authorization"]
    [secret] = alertmanager["secrets"]
    assert authorization == {"type": "Bearer", "credentials_file": secret["target"]}
    assert model["secrets"][secret["source"]]["environment"] == "OPSLENS_API_TOKEN"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run 'bash devstack/install-system-packages.sh'"
    return path


def test_the_demo_configs_pass_amtool_and_promtool() -> None:
    """amtool and promtool come with Debian's prometheus-alertmanager and prometheus."""
    checks = [
        [_tool("amtool"), "check-config", str(COMPOSE_DIR / "alertmanager.yml")],
        [_tool("promtool"), "check", "config", str(COMPOSE_DIR / "prometheus.yml")],
    ]
    for command in checks:
        checked = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "SUCCESS" in checked.stdout + checked.stderr
