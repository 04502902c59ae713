"""Profiles (defaults, YAML file, environment) and normalizing hits of any schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from opslens_mcp.opensearch.normalize import iso_from_nanos, log_line, lookup, span_of, to_nanos
from opslens_mcp.opensearch.profiles import LogProfile, Profiles, TraceProfile
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch.public_data import read_public_data


def test_defaults_match_the_platform() -> None:
    profiles = OpenSearchSettings().profiles
    assert profiles.container_logs.index == "logs-*"
    assert profiles.container_logs.service_field == "kubernetes.labels.app"
    assert profiles.otel_logs.profile == "otel" and profiles.otel_logs.index == "otel-logs-*"
    assert profiles.traces.index == "otel-v1-apm-span-*"
    assert profiles.service_map.index == "otel-v1-apm-service-map"


def test_yaml_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "container_logs:\n  index: kube-logs-*\n  service_field: kubernetes.labels.name\n"
        "otel_logs:\n  index: app-otel-*\n"
        "traces:\n  profile: jaeger\n"
    )
    monkeypatch.setenv("OPSLENS_OPENSEARCH_PROFILE_FILE", str(path))
    monkeypatch.setenv("OPSLENS_OPENSEARCH_PROFILES__TRACES__INDEX", "jaeger-span-2024-*")
    profiles = OpenSearchSettings().profiles
    assert profiles.container_logs.index == "kube-logs-*"
    assert profiles.container_logs.service_field == "kubernetes.labels.name"
    assert profiles.container_logs.pod_field == "kubernetes.pod_name"  # default kept
    assert profiles.otel_logs.profile == "otel" and profiles.otel_logs.time_field == "time"
    assert profiles.traces.profile == "jaeger" and profiles.traces.index == "jaeger-span-2024-*"
    assert profiles.traces.service_field == "process.serviceName"


def test_unknown_profile_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="servce_field"):
        Profiles.model_validate({"container_logs": {"servce_field": "app"}})


def test_dotted_paths_read_flat_and_nested_sources() -> None:
    flat = {"resource.attributes.service@name": "order", "status.code": 2}
    nested = {"resource": {"attributes": {"service.name": "cart"}}, "status": {"code": 0}}
    assert lookup(flat, "resource.attributes.service@name") == "order"
    assert lookup(nested, "resource.attributes.service.name") == "cart"
    assert lookup(flat, "status.code") == 2 and lookup(nested, "status.code") == 0
    assert lookup(nested, "resource.attributes.k8s.pod.name") is None


@pytest.mark.parametrize(
    ("value", "unit", "nanos"),
    [
        ("2021-03-25T17:23:30.088478464Z", "iso", 1616693010088478464),
        ("2021-03-25T17:23:30Z", "iso", 1616693010000000000),
        ("2021-03-26T02:23:30.5+09:00", "iso", 1616693010500000000),
        (1674578014920566, "us", 1674578014920566000),
        ("1674578014920", "iso", 1674578014920000000),
        ("garbage", "iso", None),
    ],
)
def test_timestamps(value: object, unit: str, nanos: int | None) -> None:
    assert to_nanos(value, unit) == nanos  # type: ignore[arg-type]


def test_iso_output_has_an_offset() -> None:
    assert iso_from_nanos(1616693010088478464) == "2021-03-25T17:23:30.088478+00:00"


def test_every_span_format_normalizes(shared_data: Path) -> None:
    data = read_public_data(shared_data)
    dp = [span_of(d, TraceProfile()) for d in data.docs["dp_spans"]]
    assert sum(s.error for s in dp) == sum(d.get("status.code") == 2 for d in data.docs["dp_spans"])
    assert all(
        s.duration_ns == d["durationInNanos"]
        for s, d in zip(dp, data.docs["dp_spans"], strict=True)
    )
    nested = [span_of(d, TraceProfile()) for d in data.docs["otel2_spans"]]
    assert {s.service for s in nested} == {
        d["resource"]["attributes"]["service.name"] for d in data.docs["otel2_spans"]
    }
    jaeger = [span_of(d, TraceProfile(profile="jaeger")) for d in data.docs["jaeger_spans"]]
    assert sum(s.error for s in jaeger) == sum(
        bool(d["tag"].get("error")) for d in data.docs["jaeger_spans"]
    )
    assert sum(s.parent_id is None for s in jaeger) == sum(
        not d["references"] for d in data.docs["jaeger_spans"]
    )


def test_log_lines_of_both_sources(shared_data: Path) -> None:
    data = read_public_data(shared_data)
    vector = data.vector_logs[0]
    line = log_line({"_source": vector, "_index": "i", "_id": "1"}, "containers", LogProfile())
    assert (line.service, line.pod, line.trace_id) == (
        vector["kubernetes"]["labels"]["app"],
        vector["kubernetes"]["pod_name"],
        vector["trace_id"],
    )
    otel = next(d for d in data.docs["otel_logs"] if d["severityText"] == "ERROR")
    line = log_line({"_source": otel}, "otel", LogProfile(profile="otel"))
    assert (line.level, line.message, line.span_id) == ("error", otel["body"], otel["spanId"])
