"""API requests as values (user text stays a value, names follow Kubernetes' grammar) and the
time expressions of the tools."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.times import parse_instant
from opslens_mcp.kubernetes.api_requests import (
    equality_selector,
    escape_field_value,
    field_selector,
    get_request,
    is_label_key,
    is_label_value,
    list_request,
    pod_log_request,
    selector_from_label_selector,
)
from opslens_mcp.kubernetes.names import is_dns_subdomain
from opslens_mcp.kubernetes.scope import NamespaceScope
from opslens_mcp.kubernetes.timeparse import resolve_time
from opslens_mcp.kubernetes.tools.diagnose import DiagnoseParams
from opslens_mcp.kubernetes.tools.events import ListEventsParams
from opslens_mcp.kubernetes.tools.pods import GetPodParams, ListPodsParams, PodLogsParams
from opslens_mcp.kubernetes.tools.workloads import ListDeploymentsParams, WorkloadParams

NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


def split_terms(selector: str) -> list[str]:
    """Split a field selector at its unescaped commas, as apimachinery's ``splitTerms`` does."""
    terms, current, escaped = [], "", False
    for char in selector:
        if char == "," and not escaped:
            terms.append(current)
            current = ""
            continue
        current += char
        escaped = char == "\\" and not escaped
    return [*terms, current]


def test_paths_of_namespaced_cluster_and_grouped_resources() -> None:
    assert list_request("pods", "shop").url == "/api/v1/namespaces/shop/pods"
    assert list_request("pods").url == "/api/v1/pods"
    assert list_request("nodes", "shop").url == "/api/v1/nodes"
    assert list_request("deployments", "shop").url == "/apis/apps/v1/namespaces/shop/deployments"
    request = get_request("pods", "shop", "web-7d4b9.x")
    assert request.url == "/api/v1/namespaces/shop/pods/web-7d4b9.x"
    assert request.kubectl == "kubectl get --raw '/api/v1/namespaces/shop/pods/web-7d4b9.x'"
    assert request.permission() == 'get pods (API group core) in namespace "shop"'
    assert list_request("nodes").permission() == "list nodes (API group core) cluster-wide"


@example("../../etc/passwd")
@example("a/b?c")
@example("..")
@example("Shop")
@example("web-1.")
@given(st.text(max_size=70))
def test_only_valid_names_become_path_segments(value: str) -> None:
    """A name either is one unchanged path segment or never reaches a path at all."""
    if is_dns_subdomain(value):
        assert get_request("pods", "shop", value).url == f"/api/v1/namespaces/shop/pods/{value}"
        assert list_request("pods", value).url.split("/")[4] == value
        return
    for build in (
        lambda: get_request("pods", "shop", value),
        lambda: list_request("pods", value),
        lambda: pod_log_request(
            "shop", value, container=None, tail_lines=1, since_time=None, previous=False,
            limit_bytes=1024,
        ),
    ):  # fmt: skip
        with pytest.raises(InvalidParams, match="DNS-1123 subdomain"):
            build()


@pytest.mark.parametrize(
    ("model", "field", "value", "rule"),
    [
        (PodLogsParams, "pod", "../../etc/passwd", "pod name: it must be a DNS-1123 subdomain"),
        (PodLogsParams, "namespace", "shop.prod", "namespace: it must be a DNS-1123 label"),
        (PodLogsParams, "container", "App", "container name: it must be a DNS-1123 label"),
        (GetPodParams, "name", "-web", "pod name: it must be a DNS-1123 subdomain"),
        (ListPodsParams, "node", "node_1", "node name: it must be a DNS-1123 subdomain"),
        (ListPodsParams, "namespace", "x" * 64, "namespace: it must be a DNS-1123 label"),
        (ListEventsParams, "object_name", "a,b", "object name: it must be a DNS-1123 subdomain"),
        (DiagnoseParams, "namespace", "", "namespace: it must be a DNS-1123 label"),
        (ListDeploymentsParams, "namespace", "..", "namespace: it must be a DNS-1123 label"),
        (WorkloadParams, "namespace", "shop/x", "namespace: it must be a DNS-1123 label"),
    ],
)
def test_params_models_name_the_rule_a_name_breaks(
    model: type[BaseModel], field: str, value: str, rule: str
) -> None:
    valid = {"namespace": "shop", "pod": "web-0", "name": "web-0", "service": "web"}
    known = {key: v for key, v in valid.items() if key in model.model_fields}
    model.model_validate(known)  # the valid names pass
    with pytest.raises(ValidationError) as raised:
        model.model_validate({**known, field: value})
    [error] = raised.value.errors()
    assert error["loc"] == (field,) and rule in error["msg"]
    assert value not in error["msg"] or not value  # the rule is named, the value is not echoed


def test_log_request_carries_every_option() -> None:
    request = pod_log_request(
        "shop", "p", container="c", tail_lines=10, since_time="2026-11-26T00:00:00Z",
        previous=True, limit_bytes=4096,
    )  # fmt: skip
    assert urlsplit(request.url).path == "/api/v1/namespaces/shop/pods/p/log"
    assert dict(parse_qsl(urlsplit(request.url).query)) == {
        "container": "c",
        "tailLines": "10",
        "sinceTime": "2026-11-26T00:00:00Z",
        "previous": "true",
        "limitBytes": "4096",
        "timestamps": "true",
    }
    assert request.resource == "pods/log" and request.verb == "get"


@example("\\")
@example("a\\,b=c")
@given(st.text(max_size=40))
def test_field_selector_values_stay_one_term(value: str) -> None:
    selector = field_selector({"involvedObject.name": value, "type": "Warning"})
    assert selector is not None
    terms = split_terms(selector)
    assert len(terms) == (2 if value else 1)
    if value:
        assert terms[0] == f"involvedObject.name={escape_field_value(value)}"
    request = list_request("events", "shop", field_selector=selector)
    assert dict(parse_qsl(urlsplit(request.url).query))["fieldSelector"] == selector


@given(st.text(max_size=70))
def test_only_valid_label_values_become_selectors(value: str) -> None:
    if is_label_value(value):
        assert equality_selector("app", value) == f"app={value}"
        assert not set(value) & set(",=!() ")
    else:
        with pytest.raises(ValueError):
            equality_selector("app", value)


def test_label_keys() -> None:
    assert is_label_key("app") and is_label_key("app.kubernetes.io/name")
    for bad in ("app,tier", "a=b", "", "-app", "Bad_Prefix/x", "x/"):
        assert not is_label_key(bad)


def test_label_selector_from_a_workload_selector() -> None:
    selector = {
        "matchLabels": {"app": "cart", "tier": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "stage"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "Exists"},
            {"key": "debug", "operator": "NotIn", "values": ["on"]},
        ],
    }
    assert selector_from_label_selector(selector) == (
        "app=cart,tier=web,env in (prod,stage),!canary,zone,debug notin (on)"
    )
    assert selector_from_label_selector({}) is None


def test_namespace_scope() -> None:
    everything = NamespaceScope([])
    assert everything.targets(None) == [None] and everything.targets("a") == ["a"]
    limited = NamespaceScope(["a", "b", "a"])
    assert limited.targets(None) == ["a", "b"]
    assert [r.url for r in limited.list_requests("pods", None)] == [
        "/api/v1/namespaces/a/pods",
        "/api/v1/namespaces/b/pods",
    ]
    with pytest.raises(Exception, match="allow-list"):
        limited.targets("c")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now-6h", NOW - dt.timedelta(hours=6)),
        ("now-1h30m", NOW - dt.timedelta(minutes=90)),
        ("now - 2d", NOW - dt.timedelta(days=2)),
        ("2026-11-25T10:00:00Z", dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)),
        ("2026-11-25T12:00:00+02:00", dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)),
        ("2026-11-25T10:00:00", dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)),
    ],
)
def test_time_expressions(text: str, expected: dt.datetime) -> None:
    assert resolve_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "now-6", "now*2", "6x", ""])
def test_bad_time_expressions(text: str) -> None:
    with pytest.raises(ValueError):
        resolve_time(text, NOW)


def test_instants_are_utc() -> None:
    assert parse_instant("2022-08-24T11:40:44+02:00").isoformat() == "2022-08-24T09:40:44+00:00"
