"""Detection's own label mappings are no longer read: setting one says so in a warning."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from opslens.reports.settings import DetectionSettings, ReportSettings


def test_an_old_label_mapping_is_named_in_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSLENS_REPORTS_ISTIO__SERVICE_LABEL", "destination_workload")
    with capture_logs() as logs:
        ReportSettings()
    [warning] = [log for log in logs if log["event"] == "deprecated_setting_ignored"]
    assert warning["log_level"] == "warning"
    assert (warning["setting"], warning["instead"]) == (
        "OPSLENS_REPORTS_ISTIO",
        "OPSLENS_PROMETHEUS_ISTIO",
    )


def test_no_warning_without_the_old_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPSLENS_REPORTS_ISTIO", "OPSLENS_REPORTS_RESOURCES"):
        monkeypatch.delenv(name, raising=False)
    with capture_logs() as logs:
        ReportSettings()
    assert not [log for log in logs if log["event"] == "deprecated_setting_ignored"]


def test_the_agents_detection_settings_warn_too() -> None:
    with capture_logs() as logs:
        DetectionSettings.model_validate({"resources": {"pod_label": "pod_name"}})
    [warning] = [log for log in logs if log["event"] == "deprecated_setting_ignored"]
    assert warning["setting"] == "OPSLENS_AGENT_DETECTION__RESOURCES"
