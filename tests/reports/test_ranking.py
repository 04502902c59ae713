"""Incident grouping and root-cause ranking over the dependency graph (pure functions)."""

from __future__ import annotations

from datetime import timedelta

from opslens.reports.incidents import build_incident, group_anomalies
from opslens.reports.models import CauseEvidence, Signal
from opslens.reports.rootcause.ranking import (
    STRONG,
    Finding,
    depths,
    descendants,
    finding_of,
    rank_candidates,
    rank_findings,
)
from tests.reports.factories import anomaly

SHOP = {
    ("frontend", "product-service"),
    ("frontend", "user-service"),
    ("frontend", "order-service"),
    ("product-service", "inventory-service"),
    ("order-service", "inventory-service"),
    ("order-service", "payment-service"),
    ("order-service", "notification-service"),
    ("payment-service", "postgres"),
}


def test_graph_depth_and_descendants() -> None:
    depth = depths(SHOP)
    assert depth["frontend"] == 0
    assert depth["payment-service"] == 2 and depth["postgres"] == 3
    assert descendants(SHOP)["order-service"] == {
        "inventory-service",
        "payment-service",
        "notification-service",
        "postgres",
    }
    assert depths({("a", "b"), ("b", "a")}) == {}  # a cycle has no entry: no depth, no hang


def test_failing_callee_explains_its_callers() -> None:
    members = [
        anomaly("frontend", "error_ratio", 1, 25),
        anomaly("order-service", "error_ratio", 1, 25),
        anomaly("payment-service", "error_ratio", 1, 25),
        anomaly("payment-service", "new_log_template", 0, 25, signal="logs"),
        # postgres sees less traffic because its caller fails: that explains nothing.
        anomaly("postgres", "request_rate", 0, 25),
        anomaly("notification-service", "request_rate", 2, 25),
    ]
    ranked = rank_candidates(members, SHOP)
    assert ranked[0].service == "payment-service"
    assert "no_anomalous_callee" in ranked[0].reasons
    by_service = {c.service: c for c in ranked}
    assert by_service["order-service"].explained_by == ["payment-service"]
    assert by_service["frontend"].explained_by == ["order-service", "payment-service"]
    assert by_service["postgres"].reasons[0] == "traffic_only"
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))


def test_deepest_on_a_path_then_strength_onset_and_depth_across_paths() -> None:
    latency = [
        anomaly("frontend", "latency_p95", 0, 30),
        anomaly("product-service", "latency_p95", 1, 30),
        anomaly("product-service", "trace_p95", 1, 30, signal="traces"),
    ]
    assert rank_candidates(latency, SHOP)[0].service == "product-service"  # deepest on its path
    independent = [
        anomaly("user-service", "error_ratio", 10, 20),
        anomaly("user-service", "error_logs", 10, 20, signal="logs"),
        anomaly("inventory-service", "memory", 0, 20),
    ]
    ranked = rank_candidates(independent, SHOP)
    assert [c.service for c in ranked] == ["user-service", "inventory-service"]  # more evidence
    same_strength = [
        anomaly("user-service", "error_ratio", 10, 20),
        anomaly("product-service", "latency_p95", 2, 20),
    ]
    assert rank_candidates(same_strength, SHOP)[0].service == "product-service"  # earlier onset
    same_onset = [
        anomaly("user-service", "error_ratio", 2, 20),
        anomaly("inventory-service", "cpu", 2, 20),
    ]
    assert rank_candidates(same_onset, SHOP)[0].service == "inventory-service"  # deeper


def test_weak_single_signal_evidence_ranks_after_strong() -> None:
    members = [
        anomaly("order-service", "error_ratio", 0, 20, score=8.0),
        anomaly("order-service", "error_logs", 0, 20, signal="logs", score=4.0),
        anomaly("inventory-service", "latency_p50", 3, 6, score=1.1),  # a blip, deeper
    ]
    ranked = rank_candidates(members, SHOP)
    assert ranked[0].service == "order-service"
    assert "weak_evidence" in ranked[1].reasons


def test_overlapping_anomalies_form_one_incident() -> None:
    members = [
        anomaly("payment-service", "error_ratio", 0, 25),
        anomaly("order-service", "error_ratio", 2, 27),
        anomaly("frontend", "slo_burn", 26, 30),  # starts before the group ends + slack
        anomaly("inventory-service", "memory", 100, 160),
        anomaly("inventory-service", "restarts", 150, 162),
    ]
    groups = group_anomalies(members, slack=timedelta(minutes=5))
    assert [len(g) for g in groups] == [3, 2]
    incident = build_incident(groups[0])
    assert incident.services == ["frontend", "order-service", "payment-service"]
    assert incident.start == members[0].start and incident.end == members[2].end
    apart = group_anomalies([anomaly("a", "cpu", 0, 5), anomaly("b", "cpu", 11, 12)])
    assert len(apart) == 2


def test_noise_below_does_not_explain_a_caller_that_moved_far_more() -> None:
    members = [
        anomaly("order-service", "error_ratio", 1, 25, score=20.0, value=0.4, baseline=0.01),
        anomaly("order-service", "error_logs", 1, 25, signal="logs", score=10.0),
        anomaly("payment-service", "cpu", 1, 25, score=2.5),
    ]
    ranked = rank_candidates(members, SHOP)
    assert [c.service for c in ranked] == ["order-service", "payment-service"]
    assert ranked[0].explained_by == []
    cause = ranked[0].cause  # its strongest finding, with the numbers against the baseline
    assert cause is not None and (cause.kind, cause.area) == ("error_ratio", "service")
    assert (cause.value, cause.baseline, cause.score) == (0.4, 0.01, 20.0)
    assert ranked[1].cause is not None and ranked[1].cause.area == "resource"


def period_finding(
    service: str, kind: str, score: float, subject: str = "", signal: Signal | None = None
) -> Finding:
    """A finding of the window's requests or resources (no detector's anomaly behind it)."""
    area = "resource" if kind == "resource" else "network" if kind == "call_gap" else "code"
    if signal is None:
        signal = "metrics" if area == "resource" else "logs" if area == "code" else "traces"
    cause = CauseEvidence(signal=signal, kind=kind, area=area, subject=subject, score=score)
    return Finding(service, cause)


def test_a_convincing_change_below_whose_requests_suffer_explains_the_callers_symptoms() -> None:
    members = [
        anomaly("order-service", "error_ratio", 1, 25, score=20.0),
        anomaly("order-service", "trace_p95", 1, 25, signal="traces", score=15.0),
        anomaly("frontend", "latency_p95", 1, 25, score=9.0),
        anomaly("payment-service", "error_ratio", 1, 25, score=1.5),  # its requests fail too
    ]
    stopped = period_finding("payment-service", "statement_stopped", 3.0, "INFO charged")
    ranked = rank_findings([*(finding_of(a) for a in members), stopped], SHOP)
    assert ranked[0].service == "payment-service"
    by_service = {c.service: c for c in ranked}
    assert by_service["order-service"].explained_by == ["payment-service"]
    # A symptom weighs as one convincing signal at most, however far it moved.
    assert by_service["order-service"].score == 2 * STRONG


def test_a_change_below_that_slows_nothing_does_not_explain_a_slow_caller() -> None:
    members = [
        anomaly("product-service", "latency_p95", 1, 25, score=24.0),
        anomaly("product-service", "trace_p95", 1, 25, signal="traces", score=12.0),
    ]
    fewer = period_finding("inventory-service", "statement_fewer", 10.0, "INFO reserved")
    own = period_finding("product-service", "statement_more", 2.5, "INFO listed")
    ranked = rank_findings([*(finding_of(a) for a in members), fewer, own], SHOP)
    assert ranked[0].service == "product-service" and ranked[0].explained_by == []


def test_symptoms_below_do_not_explain_a_callers_own_convincing_change() -> None:
    members = [anomaly("inventory-service", "trace_p95", 1, 25, signal="traces", score=12.0)]
    fewer = period_finding("product-service", "statement_fewer", 3.0, "INFO listed")
    ranked = rank_findings([*(finding_of(a) for a in members), fewer], SHOP)
    assert [c.service for c in ranked] == ["product-service", "inventory-service"]
    assert ranked[0].explained_by == []


def test_a_detectors_resource_anomaly_names_its_measure() -> None:
    cpu = anomaly("payment-service", "cpu", 1, 25).model_copy(update={"subject": "payment-1"})
    cause = finding_of(cpu).evidence
    assert (cause.area, cause.subject) == ("resource", "cpu payment-1")
    # Its own CPU, not the slowness its callers also see, is the fine-grained cause.
    slow = anomaly("payment-service", "latency_p95", 1, 25, score=30.0)
    ranked = rank_findings([finding_of(slow), finding_of(cpu)], SHOP)
    assert [e.kind for e in ranked[0].evidence] == ["cpu", "latency_p95"]


def test_a_callee_that_delays_a_callers_calls_explains_what_the_caller_stopped_doing() -> None:
    """Payment's network is slow: order's calls into it wait (payment's call gap from order)
    and order's requests take another way (statements stop), which weighs more than the gap:
    payment still explains order."""
    delayed = period_finding("payment-service", "call_gap", 5.0, "order-service")
    stopped = [
        period_finding("order-service", "statement_stopped", 14.0, "INFO placed"),
        period_finding("order-service", "order_changed", 3.0, "INFO placed", signal="traces"),
    ]
    ranked = rank_findings([delayed, *stopped], SHOP)
    assert ranked[0].service == "payment-service"
    by_service = {c.service: c for c in ranked}
    assert by_service["order-service"].score > by_service["payment-service"].score
    assert by_service["order-service"].explained_by == ["payment-service"]


def test_a_caller_whose_own_network_or_cpu_moved_is_not_explained_by_the_gaps_it_causes() -> None:
    """A caller whose own network is slow (the calls into it wait too) or that is short of CPU
    lengthens its calls' gaps into every callee: those gaps do not explain it."""
    delayed = period_finding("payment-service", "call_gap", 5.0, "order-service")
    stopped = period_finding("order-service", "statement_stopped", 14.0, "INFO placed")
    for own in (
        period_finding("order-service", "call_gap", 5.0, "frontend"),
        period_finding("order-service", "resource", 5.0, "cpu"),
    ):
        ranked = rank_findings([delayed, stopped, own], SHOP)
        assert ranked[0].service == "order-service" and ranked[0].explained_by == []
