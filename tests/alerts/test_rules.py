"""The shipped alert rules: one source for both files, valid for promtool, unit-tested on
synthetic series by ``promtool test rules`` (tests/alerts/promtool/)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from opslens.alerts.files import PROMETHEUS_RULE_FILE, RULE_FILE, shipped_files
from opslens.alerts.rules import rule_file, rule_groups
from opslens.reports.settings import ReportSettings
from opslens_mcp.core.times import parse_duration
from tests.conftest import REPO_ROOT

PROMTOOL_TESTS = Path(__file__).parent / "promtool" / "opslens-alerts.test.yml"


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is missing: run 'bash devstack/install-system-packages.sh'"
    return path


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=120, check=False
    )


def alerts(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_shipped_files_are_what_the_code_generates() -> None:
    for path, text in shipped_files().items():
        on_disk = (REPO_ROOT / path).read_text(encoding="utf-8")
        assert on_disk == text, f"{path} is stale: run 'opslens alerts rules --write .'"


def test_the_prometheus_rule_holds_the_rule_file_groups() -> None:
    plain = yaml.safe_load((REPO_ROOT / RULE_FILE).read_text(encoding="utf-8"))
    resource = yaml.safe_load((REPO_ROOT / PROMETHEUS_RULE_FILE).read_text(encoding="utf-8"))
    assert resource["kind"] == "PrometheusRule"
    assert resource["apiVersion"] == "monitoring.coreos.com/v1"
    assert resource["spec"]["groups"] == plain["groups"]


def test_promtool_accepts_both_shapes(tmp_path: Path) -> None:
    checked = run_promtool("check", "rules", str(REPO_ROOT / RULE_FILE))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    resource = yaml.safe_load((REPO_ROOT / PROMETHEUS_RULE_FILE).read_text(encoding="utf-8"))
    spec = tmp_path / "spec.yml"
    spec.write_text(yaml.safe_dump({"groups": resource["spec"]["groups"]}), encoding="utf-8")
    checked = run_promtool("check", "rules", str(spec))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_promtool_unit_tests_of_the_rules() -> None:
    tested = run_promtool("test", "rules", str(PROMTOOL_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout + tested.stderr


def test_a_broken_expectation_fails_promtool(tmp_path: Path) -> None:
    """The unit tests can fail: the same file expecting checkout healthy at minute 70 does."""
    document = yaml.safe_load(PROMTOOL_TESTS.read_text(encoding="utf-8"))
    document["rule_files"] = [str(REPO_ROOT / RULE_FILE)]
    for case in document["tests"][0]["alert_rule_test"]:
        if case["eval_time"] == "70m":
            case["exp_alerts"] = []
    broken = tmp_path / "broken.test.yml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    tested = run_promtool("test", "rules", str(broken))
    assert tested.returncode != 0
    assert "OpslensErrorBudgetBurn" in tested.stdout + tested.stderr


def test_every_alert_is_scoped_and_points_at_opslens() -> None:
    for alert in alerts(rule_groups(ReportSettings(), "http://ui.example:8501/")):
        # The UI's Alerts page chosen on this alert (promtool's unit tests expand it).
        page = f"http://ui.example:8501/?page=alerts&alertname={alert['alert']}&namespace="
        assert alert["annotations"]["runbook_url"].startswith(page)
        assert alert["labels"]["severity"] in ("critical", "warning", "info")
        if alert["alert"].startswith(("OpslensErrorBudget", "OpslensErrorRatio", "OpslensLatency")):
            assert {"service", "namespace"} <= set(alert["labels"])
        else:  # by container: the expression keeps namespace, pod and container
            assert "namespace, pod, container" in alert["expr"]


@pytest.mark.parametrize("slos", [{"checkout": 0.99}, {"checkout": 0.99, "주문": 0.995}])
def test_per_service_slos_get_their_own_burn_rules(slos: dict[str, float], tmp_path: Path) -> None:
    settings = ReportSettings(slos=slos)
    burns = [a for a in alerts(rule_groups(settings)) if a["alert"] == "OpslensErrorBudgetBurn"]
    assert len(burns) == 2 * (len(slos) + 1)
    by_slo = {a["labels"]["slo"] for a in burns}
    assert by_slo == {f"{v:g}" for v in [*slos.values(), settings.default_slo]}
    default = [a for a in burns if a["labels"]["slo"] == f"{settings.default_slo:g}"]
    for service in slos:
        assert all(f'destination_service_name!="{service}"' in a["expr"] for a in default)
    path = tmp_path / "rules.yml"
    path.write_text(
        yaml.safe_dump(rule_file(rule_groups(settings)), allow_unicode=True), encoding="utf-8"
    )
    checked = run_promtool("check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_max_for_caps_pending_times_only_where_longer() -> None:
    shipped = {a["alert"] + a["expr"]: a for a in alerts(rule_groups(ReportSettings()))}
    capped = {
        a["alert"] + a["expr"]: a for a in alerts(rule_groups(ReportSettings(), max_for="5m"))
    }

    assert capped.keys() == shipped.keys()
    for key, rule in shipped.items():
        if "for" not in rule:
            assert "for" not in capped[key]
        elif parse_duration(rule["for"]) > 300:
            assert capped[key]["for"] == "5m"
        else:
            assert capped[key] == rule
    assert {r["for"] for r in capped.values() if "for" in r} == {"2m", "5m"}
