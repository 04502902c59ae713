"""Query injection through tool parameters, against the seeded demo's real backends.

OpenSearch DSL, Lucene and PromQL syntax, path tricks and Unicode look-alikes go into every
parameter that names something. Each tool must put the text in its native query only as a
literal value (the query built for a plain value has the same shape), and must find nothing,
where the same call with the real name finds what the ground truth says.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from opslens.scenarios.truth import LEVELS, SINKS, GroundTruth, LogSink
from tests.conftest import DemoServers
from tests.hardening.dsl import INTERPRETING, keys, request_bodies, skeleton, slot_strings
from tests.opensearch.rpc import Rpc

pytestmark = pytest.mark.integration

PLAIN = "plain-name"
SYNTAX = [
    "*",
    '"} or vector(1) #',
    "_exists_:level",
    "/pay.*/",
    "x OR *:*",
    "NOT level:INFO AND *",
    '{"script": {"source": "ctx._source"}}',
    '"}},{"match_all":{}},{"x":{"y":"',
    "\\",
    "'; DROP TABLE logs; --",
    "a\nb\tc",
]
LONG = "x" * 100_000  # 100 KB


def tricks(name: str) -> list[str]:
    """A real name disguised: bidi override, zero-width, fullwidth quotes, NUL, homoglyph."""
    return [
        f"{name}\u202e",
        f"\u202e{name[::-1]}",
        f"{name[:3]}\u200b{name[3:]}",
        f"\uff02{name}\uff02",
        f"{name}\x00",
        name.replace("e", "\u0435"),  # Cyrillic ie
        f"{name}*".replace("*", "\u2217"),  # asterisk operator, not a star
    ]


@pytest.fixture(scope="module")
def name(seeded_demo: GroundTruth) -> str:
    """A real service: the one the demo's fault starts in."""
    return seeded_demo.faults[0].root_cause_service


@pytest.fixture(scope="module")
def hostile(name: str) -> list[str]:
    return SYNTAX + tricks(name)


@pytest.fixture(scope="module")
def window(seeded_demo: GroundTruth) -> dict[str, str]:
    return {"start": seeded_demo.start.isoformat(), "end": seeded_demo.now.isoformat()}


@pytest.fixture(scope="module")
def opensearch(demo_servers: DemoServers) -> Rpc:
    return Rpc(demo_servers.opensearch)


@pytest.fixture(scope="module")
def prometheus(demo_servers: DemoServers) -> Rpc:
    return Rpc(demo_servers.prometheus)


@pytest.fixture(scope="module")
def kubernetes(demo_servers: DemoServers) -> Rpc:
    return Rpc(demo_servers.kubernetes)


def outcome(rpc: Rpc, method: str, **params: Any) -> dict[str, Any]:
    """The whole answer of a call whose failure, if any, is the caller's or the backend's."""
    answer = rpc.answer(method, params)
    if "error" in answer:
        assert answer["error"]["code"] in (-32602, -32000), answer["error"]
    return answer


def assert_literal(hostile: dict[str, Any], benign: dict[str, Any], value: str) -> None:
    """``value`` sits in value slots only, and the requests have the shape of the benign ones."""
    for got, plain in zip(request_bodies(hostile), request_bodies(benign), strict=True):
        assert skeleton(got) == skeleton(plain)
        assert value in slot_strings(got)
        assert not keys(got) & INTERPRETING


# --- OpenSearch --------------------------------------------------------------------------------


def log_lines(truth: GroundTruth, service: str, sink: LogSink) -> int:
    return sum(truth.logs(service, level, sink=sink) for level in LEVELS)


def test_the_real_name_counts_what_the_ground_truth_holds(
    opensearch: Rpc, seeded_demo: GroundTruth, name: str, window: dict[str, str]
) -> None:
    counted = opensearch("count_logs", service=name, **window)["by_source"]
    sources: dict[str, LogSink] = {"containers": "container", "otel": "otel"}
    assert set(sources.values()) == set(SINKS)
    assert counted == {src: log_lines(seeded_demo, name, sink) for src, sink in sources.items()}
    assert all(counted.values())


@pytest.mark.parametrize("field", ["service", "namespace", "container", "pod"])
def test_hostile_log_filters_are_literals_that_match_nothing(
    opensearch: Rpc, hostile: list[str], window: dict[str, str], field: str
) -> None:
    benign = opensearch("count_logs", **{field: PLAIN}, **window)
    for value in hostile:
        if field == "pod" and value.endswith("*"):
            continue  # a trailing * asks for a prefix: documented, not an injection
        counted = opensearch("count_logs", **{field: value}, **window)
        assert counted["total"] == 0, value
        assert_literal(counted, benign, value)


def test_hostile_text_searches_words_only_and_finds_no_extra_line(
    opensearch: Rpc, seeded_demo: GroundTruth, name: str, window: dict[str, str]
) -> None:
    every = opensearch("count_logs", service=name, **window)["total"]
    for text in [*SYNTAX, '"', '""', "* AND *", "ERROR OR *", "level:ERROR"]:
        counted = opensearch("count_logs", service=name, text=text, **window)
        assert counted["total"] <= every, text
        words = text.replace('"', " ").split()
        if not any(char.isalnum() for char in text):
            assert counted["total"] == 0, f"{text!r} has no word to find"
        for body in request_bodies(counted):
            assert not keys(body) & INTERPRETING
            for search in (line for line in body if "query" in line):  # one per log source
                slots = [s for s in slot_strings(search) if s != name]
                searched = Counter(w for s in slots for w in s.replace('"', " ").split())
                assert searched == Counter(words), text


def test_hostile_trace_filters_match_nothing(
    opensearch: Rpc, seeded_demo: GroundTruth, name: str, hostile: list[str]
) -> None:
    window = {"start": seeded_demo.start.isoformat(), "end": seeded_demo.now.isoformat()}
    assert opensearch("search_traces", service=name, **window)["total"] > 0
    assert opensearch("latency_stats", service=name, **window)["groups"]
    assert opensearch("service_map", service=name, **window)["edges"]
    benign = opensearch("search_traces", service=PLAIN, **window)
    for value in hostile:
        found = opensearch("search_traces", service=value, **window)
        assert found["total"] == 0 and not found["traces"], value
        assert_literal(found, benign, value)
        assert not opensearch("search_traces", operation=value, **window)["traces"]
        assert not opensearch("latency_stats", service=value, **window)["groups"]
        assert not opensearch("service_map", service=value, **window)["edges"]


def test_hostile_trace_ids_are_refused_naming_the_rule(
    opensearch: Rpc, seeded_demo: GroundTruth, hostile: list[str], window: dict[str, str]
) -> None:
    real = seeded_demo.failed_trace_ids()[0]
    assert opensearch("count_logs", trace_id=real, **window)["total"] > 0
    assert opensearch("get_trace", trace_id=real)["trace"]
    for value in [*hostile, "../../_search", real + "*", real[:15], real * 3, "g" * 32]:
        for method, params in (
            ("count_logs", {"trace_id": value, **window}),
            ("search_logs", {"trace_id": [real, value], **window}),
            ("get_trace", {"trace_id": value}),
            ("get_traces", {"trace_ids": [real, value]}),
        ):
            error = opensearch.error(method, **params)
            assert error["code"] == -32602, (method, value)
            assert "not a trace id: it must be 16 to 64 hexadecimal digits" in str(error), error


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("count_logs", {"service": LONG}),
        ("count_logs", {"text": LONG}),
        ("search_logs", {"pod": [LONG]}),
        ("search_traces", {"service": LONG}),
        ("log_patterns", {"text": LONG}),
    ],
)
def test_hundred_kilobyte_values_are_invalid_params(
    opensearch: Rpc, method: str, params: dict[str, Any]
) -> None:
    assert opensearch.error(method, **params)["code"] == -32602


# --- Prometheus --------------------------------------------------------------------------------


def quoted(value: str) -> str:
    """``value`` as a PromQL string literal, the way a JSON string is written."""
    return json.dumps(value, ensure_ascii=False)


def assert_promql_literal(hostile: dict[str, str], benign: dict[str, str], value: str) -> None:
    assert hostile.keys() == benign.keys()
    for measure, promql in hostile.items():
        assert quoted(value) in promql, measure
        assert promql.replace(quoted(value), quoted(PLAIN)) == benign[measure], measure


def test_hostile_service_and_namespace_select_no_series(
    prometheus: Rpc, seeded_demo: GroundTruth, name: str, hostile: list[str]
) -> None:
    at = seeded_demo.now.isoformat()
    assert [s["service"] for s in prometheus("red_summary", service=name, at=at)["services"]] == [
        name
    ]
    everyone = prometheus("red_summary", namespace=seeded_demo.namespace, at=at, limit=100)
    assert {s["service"] for s in everyone["services"]} <= set(seeded_demo.services)
    assert everyone["services"]
    for field in ("service", "namespace"):
        benign = prometheus("red_summary", **{field: PLAIN}, at=at)
        for value in hostile:
            found = prometheus("red_summary", **{field: value}, at=at)
            assert found["services"] == [], (field, value)
            assert_promql_literal(found["queries"], benign["queries"], value)


def test_hostile_pod_and_namespace_select_no_workload(
    prometheus: Rpc, seeded_demo: GroundTruth, hostile: list[str]
) -> None:
    at, real = seeded_demo.now.isoformat(), seeded_demo.pods[0].name
    assert prometheus("resource_usage", pod=real, at=at, include_nodes=False)["workloads"]
    for field in ("pod", "namespace"):
        benign = prometheus("resource_usage", **{field: PLAIN}, at=at, include_nodes=False)
        for value in hostile:
            found = prometheus("resource_usage", **{field: value}, at=at, include_nodes=False)
            assert found["workloads"] == [], (field, value)
            assert_promql_literal(found["queries"], benign["queries"], value)


def test_a_hundred_kilobyte_service_is_invalid_params(prometheus: Rpc) -> None:
    assert prometheus.error("red_summary", service=LONG)["code"] == -32602


# --- Kubernetes --------------------------------------------------------------------------------


def sent(result: dict[str, Any]) -> list[tuple[list[str], dict[str, list[str]]]]:
    """Each API request as (decoded path segments, decoded query parameters)."""
    requests = [urlsplit(query["path"]) for query in result["queries"]]
    return [([unquote(p) for p in r.path.split("/")], parse_qs(r.query)) for r in requests]


def selector_terms(selector: str) -> list[str]:
    """A field selector split on its unescaped commas, each term unescaped (client-go rules)."""
    terms: list[str] = []
    current, escaped = "", False
    for char in selector:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms, current = [*terms, current], ""
        else:
            current += char
    return [*terms, current]


def test_hostile_namespaces_read_no_pod(
    kubernetes: Rpc, seeded_demo: GroundTruth, hostile: list[str]
) -> None:
    now = seeded_demo.now.isoformat()
    listed = kubernetes("list_pods", namespace=seeded_demo.namespace, now=now, limit=1000)
    assert {pod["name"] for pod in listed["pods"]} == {p.name for p in seeded_demo.pods if p.exists}
    for value in [*hostile, "../..", "kube-system/..", "%2e%2e", "shop,default"]:
        answer = outcome(kubernetes, "list_pods", namespace=value, now=now)
        if "result" in answer:
            assert answer["result"]["pods"] == [], value
            for segments, _ in sent(answer["result"]):
                assert segments[segments.index("namespaces") + 1] == value


@pytest.mark.parametrize("value", [".", ".."])
def test_dot_segments_are_refused_before_any_request(
    kubernetes: Rpc, seeded_demo: GroundTruth, value: str
) -> None:
    namespace = seeded_demo.namespace
    assert kubernetes.error("list_pods", namespace=value)["code"] == -32602
    assert kubernetes.error("diagnose", namespace=value)["code"] == -32602
    assert kubernetes.error("list_events", namespace=value)["code"] == -32602
    assert kubernetes.error("get_pod", namespace=namespace, name=value)["code"] == -32602
    assert kubernetes.error("pod_logs", namespace=namespace, pod=value)["code"] == -32602


def test_hostile_field_selector_values_stay_one_term(
    kubernetes: Rpc, seeded_demo: GroundTruth, hostile: list[str]
) -> None:
    now = seeded_demo.now.isoformat()
    event, pod = seeded_demo.events[0], seeded_demo.pods[0]
    assert kubernetes("list_events", reason=event.reason, now=now, since="now-7d")["events"]
    on_node = kubernetes("list_pods", node=pod.node, now=now, limit=1000)["pods"]
    assert {p["name"] for p in on_node} == {
        p.name for p in seeded_demo.pods if p.exists and p.node == pod.node
    }
    hostile = [*hostile, "x,metadata.namespace!=y", "x\\,y=z", "x=y"]
    for value in hostile:
        for method, field, selector_field in (
            ("list_events", "reason", "reason"),
            ("list_events", "object_name", "involvedObject.name"),
            ("list_pods", "node", "spec.nodeName"),
        ):
            answer = outcome(kubernetes, method, **{field: value}, now=now)
            if "error" in answer:
                continue  # e.g. the API server refuses a NUL in a selector
            result = answer["result"]
            assert result["events" if method == "list_events" else "pods"] == [], value
            for _, query in sent(result):
                terms = [t for s in query["fieldSelector"] for t in selector_terms(s)]
                assert f"{selector_field}={value}" in terms, (value, terms)


def test_hostile_names_find_no_pod_and_no_workload(
    kubernetes: Rpc, seeded_demo: GroundTruth, name: str, hostile: list[str]
) -> None:
    now, namespace = seeded_demo.now.isoformat(), seeded_demo.namespace
    assert kubernetes("workload_for_service", service=name, now=now)["found"] == "deployment"
    for value in hostile:
        answer = outcome(kubernetes, "get_pod", namespace=namespace, name=value, now=now)
        assert "error" in answer, value
        workload = outcome(kubernetes, "workload_for_service", service=value, now=now)
        assert "error" in workload or workload["result"]["found"] == "nothing", value


NAMED = [  # every tool parameter that names a Kubernetes object, and its grammar
    ("list_pods", "namespace", {}, "namespace", "label"),
    ("list_pods", "node", {}, "node name", "subdomain"),
    ("diagnose", "namespace", {}, "namespace", "label"),
    ("list_events", "namespace", {}, "namespace", "label"),
    ("list_events", "object_name", {}, "object name", "subdomain"),
    ("list_deployments", "namespace", {}, "namespace", "label"),
    ("workload_for_service", "namespace", {"service": "web"}, "namespace", "label"),
    ("get_pod", "namespace", {"name": "web"}, "namespace", "label"),
    ("get_pod", "name", {"namespace": "default"}, "pod name", "subdomain"),
    ("pod_logs", "namespace", {"pod": "web"}, "namespace", "label"),
    ("pod_logs", "pod", {"namespace": "default"}, "pod name", "subdomain"),
    ("pod_logs", "container", {"namespace": "default", "pod": "web"}, "container name", "label"),
]


@pytest.mark.parametrize(("method", "field", "others", "what", "grammar"), NAMED)
def test_names_outside_the_kubernetes_grammar_are_invalid_params(
    kubernetes: Rpc,
    hostile: list[str],
    method: str,
    field: str,
    others: dict[str, str],
    what: str,
    grammar: str,
) -> None:
    """Refused before any request, naming the rule, never sent on to be 'forbidden'."""
    bad = [*hostile, "../../etc/passwd", "..", "a/b", "Shop", "web_1", "-web", "x" * 254]
    if grammar == "label":
        bad += ["shop.prod", "x" * 64]
    for value in bad:
        error = kubernetes.error(method, **others, **{field: value})
        assert error["code"] == -32602, (value, error)
        text = str(error)
        assert f"not a valid {what}: it must be a DNS-1123 {grammar}" in text, text
        assert "forbidden" not in text and "ClusterRole" not in text


def test_pod_logs_of_a_path_is_refused_not_forbidden(
    kubernetes: Rpc, seeded_demo: GroundTruth
) -> None:
    """The issue's case: the read-only RBAC once refused it, and the answer sent users off to
    widen permissions. A real pod's name passes validation (its log then needs a kubelet)."""
    namespace, pod = seeded_demo.namespace, seeded_demo.pods[0].name
    refused = kubernetes.error("pod_logs", namespace=namespace, pod="../../etc/passwd")
    assert refused["code"] == -32602 and "forbidden" not in str(refused)
    answer = outcome_or_backend(kubernetes, "pod_logs", namespace=namespace, pod=pod)
    assert "error" not in answer or answer["error"]["code"] != -32602, answer


def outcome_or_backend(rpc: Rpc, method: str, **params: Any) -> dict[str, Any]:
    """The whole answer of a call that may fail at the backend (no kubelet) but not as params."""
    answer = rpc.answer(method, params)
    if "error" in answer:
        assert answer["error"]["code"] in (-32000, -32001, -32002), answer["error"]
    return answer
