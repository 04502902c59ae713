"""The alert rules opslens ships, built from the same profiles and SLOs the reports read.

One source, two shapes: :func:`rule_groups` builds the groups; :func:`rule_file` wraps them as
a Prometheus rule file and :func:`prometheus_rule` as a ``PrometheusRule`` for
kube-prometheus-stack. The shipped files in ``deploy/`` are their output (``opslens alerts
rules``), and a test keeps them so.

Every alert carries ``namespace`` and, where the metric has it, ``service`` (request alerts,
copied from the Istio labels) or ``pod`` and ``container`` (resource alerts), so the receiver
can scope its investigation; ``runbook_url`` opens the UI's Alerts page on that alert
(``?page=alerts&alertname=...&namespace=...&service=...`` or ``&pod=...``, filled in by
Prometheus' templates), where its investigation is chosen.

==============================  ===========================================================
alert                           fires when
==============================  ===========================================================
OpslensErrorBudgetBurn          both windows of a burn-rate rule (reports' SLOs) burn fast
OpslensErrorRatioAboveBaseline  the 5m error ratio is far above the service's own baseline
OpslensLatencyP95AboveBaseline  the 5m p95 is twice the service's baseline and 100 ms more
OpslensPodOOMKilled             a container restarted after being OOMKilled
OpslensPodCrashLooping          a container waits in CrashLoopBackOff
OpslensPodRestarting            a container restarted three times within an hour
OpslensCPUThrottlingHigh        over a quarter of a container's CFS periods are throttled
==============================  ===========================================================
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from opslens.reports.burnrate import RULES as BURN_RULES
from opslens.reports.settings import ReportSettings
from opslens_mcp.core.times import parse_duration
from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.profiles import RequestProfile, ResourceProfile

Rule = dict[str, Any]
Group = dict[str, Any]

GROUP_INTERVAL = "30s"
RECENT = "5m"
"""Window of the "now" side of the baseline alerts."""
BASELINE_OFFSET = "30m"
"""The baseline ends this long ago, so a fault that started recently does not raise it."""
ERROR_RATIO_FLOOR = 0.05
ERROR_RATIO_FACTOR = 5.0
LATENCY_FACTOR = 2.0
LATENCY_MIN_INCREASE_MS = 100.0
MIN_REQUEST_RATE = 0.1
"""Requests per second a service needs before its ratios are judged (one every ten seconds)."""
RESTARTS_WINDOW = "1h"
RESTARTS_THRESHOLD = 3
THROTTLING_RATIO = 0.25
BURN_FOR = {"1h": "2m", "6h": "15m"}
BURN_SEVERITY = {"1h": "critical", "6h": "critical"}
DEFAULT_UI_URL = "http://opslens-ui.opslens:8501"
"""The UI in the cluster (deploy/kubernetes); ``opslens alerts rules --ui-url`` changes it."""
PROMETHEUS_RULE_NAME = "opslens-alerts"
PROMETHEUS_RULE_LABELS = {
    "app.kubernetes.io/part-of": "opslens",
    "release": "kube-prometheus-stack",
}


def _template(label: str) -> str:
    return "{{ $labels." + label + " }}"


def runbook_url(ui_url: str, alertname: str, params: dict[str, str]) -> str:
    """The UI's Alerts page chosen on one alert: ``params`` maps each query parameter to the
    label of the rule's expression that holds its value (URL-quoted by the template)."""
    fixed = urlencode({"page": "alerts", "alertname": alertname})
    templated = "".join(
        f"&{name}={{{{ $labels.{label} | urlquery }}}}" for name, label in params.items()
    )
    return f"{ui_url.rstrip('/')}/?{fixed}{templated}"


def _request_params(profile: RequestProfile) -> dict[str, str]:
    """The Alerts page's query parameters of a request alert and the labels holding them."""
    params = {"namespace": profile.namespace_label} if profile.namespace_label else {}
    return {**params, "service": profile.service_label}


def _request_labels(profile: RequestProfile) -> dict[str, str]:
    """``service`` and ``namespace`` copied from the profile's own labels."""
    labels = {"service": _template(profile.service_label)}
    if profile.namespace_label:
        labels["namespace"] = _template(profile.namespace_label)
    return labels


def _slo_scopes(settings: ReportSettings) -> list[tuple[float, list[promql.Matcher]]]:
    """(SLO, extra matchers) per distinct target: each configured service, then the rest."""
    label = settings.istio.service_label
    scopes = [(slo, [promql.Matcher(label, service)]) for service, slo in settings.slos.items()]
    others = [promql.Matcher(label, service, "!=") for service in settings.slos]
    scopes.append((settings.default_slo, others))
    return scopes


def burn_rate_rules(settings: ReportSettings, ui_url: str) -> list[Rule]:
    """Multi-window, multi-burn-rate alerts (the reports' rules) per SLO target."""
    profile = settings.istio
    runbook = runbook_url(ui_url, "OpslensErrorBudgetBurn", _request_params(profile))
    base = promql.request_matchers(profile, None, None)
    rules = []
    for slo, scope in _slo_scopes(settings):
        matchers = [*base, *scope]
        for burn in BURN_RULES:
            threshold = burn.factor * (1 - slo)
            long = promql.error_ratio(profile, matchers, burn.long)
            short = promql.error_ratio(profile, matchers, burn.short)
            rules.append(
                {
                    "alert": "OpslensErrorBudgetBurn",
                    "expr": f"({long}) > {threshold:.6g}\nand\n({short}) > {threshold:.6g}",
                    "for": BURN_FOR.get(burn.long, "5m"),
                    "labels": {
                        "severity": BURN_SEVERITY.get(burn.long, "warning"),
                        "long_window": burn.long,
                        "short_window": burn.short,
                        "slo": f"{slo:g}",
                        **_request_labels(profile),
                    },
                    "annotations": {
                        "summary": f"{_template(profile.service_label)} burns its error budget "
                        f"{burn.factor:g}x too fast (SLO {slo:g})",
                        "description": f"Error ratio above {threshold:.4g} over both "
                        f"{burn.long} and {burn.short}.",
                        "runbook_url": runbook,
                    },
                }
            )
    return rules


def baseline_rules(settings: ReportSettings, ui_url: str) -> list[Rule]:
    """Error ratio and p95 latency of the last minutes against the service's own baseline."""
    profile = settings.istio
    params = _request_params(profile)
    matchers = promql.request_matchers(profile, None, None)
    baseline = settings.baseline
    busy = f"{promql.request_rate(profile, matchers, RECENT)} > {MIN_REQUEST_RATE:g}"
    ratio_now = promql.error_ratio(profile, matchers, RECENT)
    ratio_before = promql.error_ratio(profile, matchers, baseline, BASELINE_OFFSET)
    p95_now = promql.latency_quantile(profile, matchers, RECENT, 0.95)
    p95_before = promql.latency_quantile(profile, matchers, baseline, 0.95, BASELINE_OFFSET)
    labels = _request_labels(profile)
    return [
        {
            "alert": "OpslensErrorRatioAboveBaseline",
            "expr": f"({ratio_now}) > {ERROR_RATIO_FLOOR:g}\n"
            f"and\n({ratio_now}) > {ERROR_RATIO_FACTOR:g} * ({ratio_before})\nand\n{busy}",
            "for": "5m",
            "labels": {"severity": "warning", **labels},
            "annotations": {
                "summary": f"{_template(profile.service_label)} fails far more requests than usual",
                "description": f"Error ratio over {RECENT} is above {ERROR_RATIO_FLOOR:.0%} and "
                f"{ERROR_RATIO_FACTOR:g}x its ratio over the {baseline} before.",
                "runbook_url": runbook_url(ui_url, "OpslensErrorRatioAboveBaseline", params),
            },
        },
        {
            "alert": "OpslensLatencyP95AboveBaseline",
            "expr": f"({p95_now}) > {LATENCY_FACTOR:g} * ({p95_before})\n"
            f"and\n({p95_now}) - ({p95_before}) > {LATENCY_MIN_INCREASE_MS:g}\nand\n{busy}",
            "for": "10m",
            "labels": {"severity": "warning", **labels},
            "annotations": {
                "summary": f"{_template(profile.service_label)} is much slower than usual",
                "description": f"p95 over {RECENT} is over {LATENCY_FACTOR:g}x (and "
                f"{LATENCY_MIN_INCREASE_MS:g} ms above) its p95 over the {baseline} before.",
                "runbook_url": runbook_url(ui_url, "OpslensLatencyP95AboveBaseline", params),
            },
        },
    ]


def resource_rules(profile: ResourceProfile, ui_url: str) -> list[Rule]:
    """OOMKilled, CrashLoopBackOff, restarts and CPU throttling per container."""
    params = {"namespace": profile.namespace_label, "pod": profile.pod_label}
    ids = [profile.namespace_label, profile.pod_label, profile.container_label]
    by = promql.by_clause(ids)
    scope = promql.WorkloadScope()
    restarts = promql.selector(profile.restarts_metric)
    oom = promql.selector(profile.last_terminated_metric, [promql.Matcher("reason", "OOMKilled")])
    waiting = promql.selector(
        profile.waiting_reason_metric, [promql.Matcher("reason", "CrashLoopBackOff")]
    )
    restarted = f"max by ({by}) ({restarts} - {restarts} offset 10m) >= 1"
    expressions = promql.resource_expressions(profile, scope, RESTARTS_WINDOW, ids)
    throttling = promql.resource_expressions(profile, scope, RECENT, ids)["cpu_throttled_ratio"]
    pod = _template(profile.pod_label)
    container = _template(profile.container_label)

    def rule(name: str, expr: str, wait: str | None, severity: str, summary: str) -> Rule:
        timing = {"for": wait} if wait else {}
        return {
            "alert": name,
            "expr": expr,
            **timing,
            "labels": {"severity": severity},
            "annotations": {
                "summary": summary,
                "runbook_url": runbook_url(ui_url, name, params),
            },
        }

    return [
        rule(
            "OpslensPodOOMKilled",
            f"({restarted})\nand on ({by})\nmax by ({by}) (max_over_time({oom}[10m])) == 1",
            None,
            "warning",
            f"{pod}/{container} was OOMKilled and restarted",
        ),
        rule(
            "OpslensPodCrashLooping",
            f"max by ({by}) (max_over_time({waiting}[5m])) >= 1",
            "10m",
            "warning",
            f"{pod}/{container} is in CrashLoopBackOff",
        ),
        rule(
            "OpslensPodRestarting",
            f"{expressions['restarts_in_window']} >= {RESTARTS_THRESHOLD}",
            None,
            "warning",
            f"{pod}/{container} restarted {RESTARTS_THRESHOLD}+ times in {RESTARTS_WINDOW}",
        ),
        rule(
            "OpslensCPUThrottlingHigh",
            f"{throttling} > {THROTTLING_RATIO:g}",
            "15m",
            "info",
            f"{pod}/{container} is throttled over {THROTTLING_RATIO:.0%} of its CPU periods",
        ),
    ]


def _capped(rules: list[Rule], max_for: str | None) -> list[Rule]:
    """``rules`` with each ``for:`` at most ``max_for`` (None: as they are)."""
    if max_for is None:
        return rules
    cap = parse_duration(max_for)
    return [
        {**rule, "for": max_for} if "for" in rule and parse_duration(rule["for"]) > cap else rule
        for rule in rules
    ]


def rule_groups(
    settings: ReportSettings,
    ui_url: str = DEFAULT_UI_URL,
    interval: str = GROUP_INTERVAL,
    max_for: str | None = None,
) -> list[Group]:
    """The rule groups opslens ships (the one source of both file shapes), their runbook
    links into the UI at ``ui_url``; ``interval`` is how often Prometheus evaluates them,
    ``max_for`` caps how long an alert stays pending (a test's shortcut; the shipped files
    keep each rule's own)."""
    return [
        {
            "name": "opslens-slo",
            "interval": interval,
            "rules": _capped(
                burn_rate_rules(settings, ui_url) + baseline_rules(settings, ui_url), max_for
            ),
        },
        {
            "name": "opslens-workloads",
            "interval": interval,
            "rules": _capped(resource_rules(settings.resources, ui_url), max_for),
        },
    ]


def rule_file(groups: list[Group]) -> dict[str, Any]:
    """The groups as a Prometheus rule file (``rule_files:`` in prometheus.yml)."""
    return {"groups": groups}


def prometheus_rule(groups: list[Group], namespace: str = "opslens") -> dict[str, Any]:
    """The groups as a ``PrometheusRule`` (kube-prometheus-stack selects ``release``)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": PROMETHEUS_RULE_NAME,
            "namespace": namespace,
            "labels": dict(PROMETHEUS_RULE_LABELS),
        },
        "spec": {"groups": groups},
    }
