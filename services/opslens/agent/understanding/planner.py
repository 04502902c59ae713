"""The offline planner: a question in English or Korean in, a :class:`Plan` out, no model.

Example::

    >>> planner = OfflinePlanner(["order-service", "payment-service"], ["shop"], "Asia/Seoul")
    >>> plan = planner.plan("지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘")
    >>> plan.intent, plan.services, plan.level, plan.window, plan.language
    ('logs', ['order-service'], 'error', datetime.timedelta(seconds=10800), 'ko')

Extractors read the question in a fixed order, each consuming what it understood: trace id,
quoted or "containing" text, latency threshold, time window, pod, namespace, services, metric,
then intent keywords. The planner only extracts values; it never writes query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import tzlocal

from opslens.agent.plan import Intent, Language, Metric, Plan, Threshold
from opslens.agent.understanding import notes
from opslens.agent.understanding.comparison import PREVIOUS_WINDOW, find_baseline_offset
from opslens.agent.understanding.endpoints import find_operation, find_status
from opslens.agent.understanding.fleet import find_breakdown
from opslens.agent.understanding.followup import is_follow_up
from opslens.agent.understanding.intent import Evidence, decide_intent, read_signals
from opslens.agent.understanding.language import detect_language
from opslens.agent.understanding.leftovers import find_unexpressed
from opslens.agent.understanding.limits import find_limit
from opslens.agent.understanding.measures import find_levels, find_metric, least_severe
from opslens.agent.understanding.namespaces import find_namespace
from opslens.agent.understanding.normalize import MAX_QUESTION_CHARS, Scan, prepare
from opslens.agent.understanding.pods import find_pod
from opslens.agent.understanding.services import ServiceCatalog, as_written
from opslens.agent.understanding.text import find_text
from opslens.agent.understanding.thresholds import find_min_duration_ms
from opslens.agent.understanding.timewords import find_window
from opslens.agent.understanding.trace_id import find_trace_id
from opslens.agent.understanding.windows import MAX_LOOKBACK

# Why these defaults: an hour of logs and metrics is recent enough to be about "now" and small
# enough to return quickly; slow traces are kept sparsely and spread over the hours an incident
# spans, and the pod restarts and events that explain a cluster's state usually happened
# earlier in the shift, so trace and Kubernetes questions look back 6 hours. The note of a
# defaulted plan names its window from this one table.
DEFAULT_WINDOWS: dict[Intent, timedelta] = {
    "logs": timedelta(hours=1),
    "traces": timedelta(hours=6),
    "metrics": timedelta(hours=1),
    "k8s": timedelta(hours=6),
    "correlate": timedelta(hours=1),
    "anomaly": timedelta(hours=1),
    "unknown": timedelta(hours=1),
}
_CONFIDENCE_BY_FAMILIES = {0: 0.3, 1: 0.9, 2: 0.8}
# What a follow-up that says only what changes ("and payment-service?") keeps from before.
INHERITED_FILTERS = (
    "metric", "level", "text", "min_duration_ms", "group_by", "order", "top", "threshold",
    "operation", "status",
)  # fmt: skip
UNEXPRESSED_CONFIDENCE = 0.45
"""The most a plan is trusted when words of the question were left unexpressed: below the
model's threshold, so a model plans it when there is one."""
MAX_PERCENT = 100.0
_SERVICES_WORD = re.compile(r"(?<![a-z0-9-])(?:micro)?services(?![a-z0-9-])|(?<![가-힣])서비스")
# The metric a comparison or a limit measures when the question names none.
_PERCENT_METRIC: Metric = "error_rate"


@dataclass
class _Reading:
    """Everything read from one question, before follow-up merging."""

    language: Language
    intent: Intent
    families: int
    fields: dict[str, Any]
    window: tuple[datetime | None, datetime] | None
    unknown: list[str]
    corrected: bool
    notes: list[str] = field(default_factory=list)
    baseline_offset: timedelta | None = None
    swapped: bool = False
    capped: bool = False
    unexpressed: list[str] = field(default_factory=list)


class OfflinePlanner:
    """Deterministic question understanding against the services and namespaces that exist.

    ``known_services`` and ``namespaces`` come from the backends; ``timezone`` is an IANA name
    used for "today", "10시" and ISO times without an offset (default: the system's zone).
    ``complete`` is False when the service list could not be read whole (a backend down):
    then a name it lacks is taken as written, never reported as unknown.
    """

    def __init__(
        self,
        known_services: Sequence[str] = (),
        namespaces: Sequence[str] = (),
        timezone: str | None = None,
        complete: bool = True,
    ) -> None:
        self.catalog = ServiceCatalog(list(known_services))
        self.namespaces = list(namespaces)
        self.complete = complete
        self.timezone: tzinfo = ZoneInfo(timezone) if timezone else tzlocal.get_localzone()

    def plan(
        self, question: str, now: datetime | None = None, previous: Plan | None = None
    ) -> Plan:
        """Understand ``question`` asked at ``now`` (default: the current time), after
        ``previous`` when it is a follow-up in a conversation."""
        now = self._local(now)
        text, truncated = prepare(question)
        reading = self._read(text, now)
        if truncated:
            reading.notes.append(
                notes.note("truncated", reading.language, limit=str(MAX_QUESTION_CHARS))
            )
        follow_up = previous is not None and is_follow_up(Scan(text).text)
        inherited = self._inherit(reading, previous) if previous and follow_up else []
        if inherited:
            names = notes.field_names(inherited, reading.language)
            reading.notes.append(notes.note("inherited", reading.language, fields=names))
        if reading.intent == "unknown":
            reading.notes.append(notes.note("unknown_intent", reading.language))
        carried = previous if previous and "window" in inherited else None
        start, end, defaulted = self._window(reading, now, carried)
        if defaulted:
            reading.notes.append(
                notes.note(
                    "default_window",
                    reading.language,
                    window=notes.describe_window(
                        end.astimezone(UTC) - start.astimezone(UTC), reading.language
                    ),
                    intent=notes.describe_intent(reading.intent, reading.language),
                )
            )
        baseline = self._baseline(reading, start, end)
        if reading.swapped:
            reading.notes.append(notes.note("swapped_window", reading.language))
        if reading.capped:
            days = str(MAX_LOOKBACK.days)
            reading.notes.append(notes.note("capped_window", reading.language, days=days))
        if reading.unexpressed:
            reading.notes.append(notes.unexpressed_note(reading.unexpressed, reading.language))
        return Plan(
            intent=reading.intent,
            start=start,
            end=end,
            baseline_start=baseline[0] if baseline else None,
            baseline_end=baseline[1] if baseline else None,
            unexpressed=reading.unexpressed,
            window_defaulted=defaulted,
            language=reading.language,
            follow_up=bool(inherited),
            confidence=self._confidence(reading, truncated, bool(inherited)),
            unknown_services=reading.unknown,
            notes=reading.notes,
            **reading.fields,
        )

    def _local(self, now: datetime | None) -> datetime:
        if now is None:
            return datetime.now(self.timezone)
        if now.tzinfo is None:
            return now.replace(tzinfo=self.timezone)
        return now.astimezone(self.timezone)

    def _read(self, text: str, now: datetime) -> _Reading:
        language = detect_language(text)
        scan = Scan(text)
        found: list[str] = []
        trace_id = find_trace_id(scan)
        search_text = find_text(scan, self.catalog.names)
        operation = find_operation(scan)
        breakdown = find_breakdown(scan)
        min_duration_ms = find_min_duration_ms(scan)
        limit = find_limit(scan.text)
        if limit is not None:
            scan.consume(*limit[1])
        threshold = limit[0] if limit else None
        limit_said = scan.verbatim(*limit[1]) if limit else ""
        offset = find_baseline_offset(scan)
        window = find_window(scan, now)
        pod, pod_service = find_pod(scan, self.catalog)
        namespace, namespace_known = find_namespace(scan, self.namespaces)
        matches = self.catalog.find(scan)
        services = ([pod_service] if pod_service else []) + [
            s for s in matches.services if s != pod_service
        ]
        # Before the metric ("503 error rate": the code, then the measure) and before
        # "status" is read as an anomaly word.
        status = find_status(scan)
        metric = find_metric(scan)
        level = least_severe(find_levels(scan))
        signals = read_signals(scan)
        evidence = Evidence(
            level=level is not None or status is not None,
            text=search_text is not None,
            trace_id=trace_id is not None,
            threshold=min_duration_ms is not None,
            metric=metric.metric not in (None, "restarts"),
            restarts="restarts" in metric.named,
            bare_latency=metric.bare_latency,
        )
        intent, families = decide_intent(signals, evidence)
        if operation and intent == "logs" and "logs" not in signals:
            intent = "traces"  # an endpoint is found in spans, not log lines
        chosen = metric.metric
        group_by = breakdown.group_by
        unexpressed: list[str] = []
        if group_by and len(services) == 1:
            # "what services does order-service call?": not a ranking of the fleet
            unexpressed.append(breakdown.said)
            group_by = None
        # "services above 5%", "에러율 5% 넘는 서비스", "응답 시간 500ms 이상인 서비스"
        named_latency = metric.bare_latency or (metric.metric or "").startswith("latency")
        limited = threshold is not None or (min_duration_ms is not None and named_latency)
        if group_by is None and limited and not services and _SERVICES_WORD.search(scan.text):
            group_by = "service"
        measured = _measured(group_by, threshold, offset, min_duration_ms, intent) or (
            group_by is not None and named_latency
        )
        if measured and families == 0:
            families = 1
        if measured and intent in ("logs", "traces", "unknown"):
            counted = threshold is not None and threshold.unit == "count"
            by_logs = counted or (intent == "logs" and threshold is None)
            if offset is not None or not by_logs:
                intent = "metrics"
        if chosen is None and intent == "metrics":
            chosen = _implied_metric(
                signals, level, threshold, metric.bare_latency, min_duration_ms
            )
        if intent == "metrics" and min_duration_ms is not None:
            threshold = threshold or Threshold(value=min_duration_ms, unit="ms")
            min_duration_ms = None
        if threshold is not None and threshold.unit == "percent" and threshold.value > MAX_PERCENT:
            found.append(notes.note("impossible_percent", language, value=f"{threshold.value:g}"))
            threshold = None
        if intent == "k8s" and "restarts" in metric.named:
            chosen = "restarts"
        # A breakdown ranks measures or log counts; "which service is the root cause" is a
        # correlation, "which pods restarted" a cluster question. Log counts past a limit are
        # per service.
        if intent not in ("metrics", "logs", "traces"):
            group_by = None
            if threshold is not None:  # no step applies a limit to pods, incidents or causes
                unexpressed.append(limit_said.strip())
                threshold = None
        counted = threshold is not None and threshold.unit == "count"
        if group_by is None and intent == "logs" and counted and not services:
            group_by = "service"
        for mention, service in matches.corrected.items():
            found.append(notes.note("corrected", language, mention=mention, service=service))
        unknown = matches.unknown if self.complete else []
        if unknown:
            found.append(self._unknown_note(unknown, language))
        elif matches.unknown:
            written = list(dict.fromkeys(as_written(name) for name in matches.unknown))
            services += [name for name in written if name not in services]
            found.append(notes.note("unchecked_services", language, names=", ".join(written)))
        if namespace and not namespace_known and self.namespaces and self.complete:
            known = ", ".join(self.namespaces)
            found.append(
                notes.note("unknown_namespace", language, namespace=namespace, known=known)
            )
        if len(metric.named) > 1 and intent == "metrics":
            listed = ", ".join(metric.named)
            found.append(
                notes.note("several_metrics", language, metrics=listed, metric=str(chosen))
            )
        slow = "slow" in signals and min_duration_ms is None and intent in ("traces", "correlate")
        for mention, service in matches.described.items():
            found.append(notes.note("corrected", language, mention=mention, service=service))
        return _Reading(
            language=language,
            intent=intent,
            families=families,
            fields={
                "services": services,
                "namespace": namespace,
                "pod": pod,
                "level": level,
                "text": search_text,
                "trace_id": trace_id,
                "min_duration_ms": min_duration_ms,
                "slow": slow,
                "metric": chosen,
                "group_by": group_by,
                "order": breakdown.order if group_by else None,
                "top": breakdown.top if group_by else None,
                "threshold": threshold,
                "operation": operation,
                "status": status,
            },
            window=(window.start, window.end) if window else None,
            unknown=unknown,
            corrected=bool(matches.corrected),
            notes=found,
            baseline_offset=offset,
            swapped=bool(window and window.swapped),
            capped=bool(window and window.capped),
            unexpressed=unexpressed + find_unexpressed(scan),
        )

    def _unknown_note(self, unknown: list[str], language: Language) -> str:
        names = ", ".join(unknown)
        if not self.catalog.services:
            return notes.note("no_known_services", language, names=names)
        known = ", ".join(self.catalog.services)
        return notes.note("unknown_services", language, names=names, known=known)

    @staticmethod
    def _inherit(reading: _Reading, previous: Plan) -> list[str]:
        """Fill what the follow-up leaves out from ``previous``; the names of what was taken."""
        fields, taken = reading.fields, []
        if not fields["services"] and not reading.unknown and previous.services:
            fields["services"] = list(previous.services)
            fields["pod"] = fields["pod"] or previous.pod
            taken.append("services")
        if fields["namespace"] is None and previous.namespace:
            fields["namespace"] = previous.namespace
            taken.append("namespace")
        if fields["trace_id"] is None and previous.trace_id:
            fields["trace_id"] = previous.trace_id
            taken.append("trace_id")
        if reading.window is None and not previous.window_defaulted:
            taken.append("window")
        if reading.intent == "unknown" and previous.intent != "unknown":
            reading.intent = previous.intent
            for name in INHERITED_FILTERS:
                if fields[name] is None:
                    fields[name] = getattr(previous, name)
            fields["slow"] = fields["slow"] or previous.slow
            if reading.baseline_offset is None and previous.baseline_start is not None:
                reading.baseline_offset = previous.start - previous.baseline_start
            taken.append("intent")
        return taken

    @staticmethod
    def _window(
        reading: _Reading, now: datetime, previous: Plan | None
    ) -> tuple[datetime, datetime, bool]:
        """The stated window, else ``previous``'s (a follow-up), else the intent's default."""
        if reading.window is not None:
            start, end = reading.window
            if start is None:
                start = (end.astimezone(UTC) - DEFAULT_WINDOWS[reading.intent]).astimezone(
                    end.tzinfo
                )
            return start, end, False
        if previous is not None:
            return previous.start, previous.end, False
        start = (now.astimezone(UTC) - DEFAULT_WINDOWS[reading.intent]).astimezone(now.tzinfo)
        return start, now, True

    @staticmethod
    def _baseline(
        reading: _Reading, start: datetime, end: datetime
    ) -> tuple[datetime, datetime] | None:
        """The window to compare with: the plan's own, shifted back by the offset asked for."""
        offset = reading.baseline_offset
        if offset is None:
            return None
        span = end.astimezone(UTC) - start.astimezone(UTC)
        shift = span if offset == PREVIOUS_WINDOW else offset
        zone = end.tzinfo
        return (
            (start.astimezone(UTC) - shift).astimezone(zone),
            (end.astimezone(UTC) - shift).astimezone(zone),
        )

    @staticmethod
    def _confidence(reading: _Reading, truncated: bool, inherited: bool) -> float:
        if reading.intent == "unknown":
            return 0.2
        confidence = _CONFIDENCE_BY_FAMILIES.get(reading.families, 0.65)
        if reading.unexpressed:
            confidence = min(confidence, UNEXPRESSED_CONFIDENCE)
        if reading.corrected:
            confidence *= 0.9
        if reading.unknown:
            confidence *= 0.7
        if truncated:
            confidence *= 0.8
        if inherited:
            confidence *= 0.9
        return round(confidence, 2)


def _measured(
    group_by: str | None,
    threshold: Threshold | None,
    offset: timedelta | None,
    min_duration_ms: float | None,
    intent: Intent,
) -> bool:
    """Whether the question wants a measure per service, a limit on one or a comparison (all
    answered from metrics, except counts of log lines)."""
    if offset is not None:
        return True
    if threshold is not None and threshold.unit in ("percent", "req/s"):
        return True
    return group_by is not None and (intent != "traces" or min_duration_ms is None)


def _implied_metric(
    signals: frozenset[str],
    level: str | None,
    threshold: Threshold | None,
    bare_latency: bool,
    min_duration_ms: float | None,
) -> Metric:
    """The metric a measured question means when it names none: latency when it is about
    slowness, the request rate for a rate limit, else the error ratio."""
    if threshold is not None and threshold.unit == "req/s":
        return "request_rate"
    if "slow" in signals or bare_latency or min_duration_ms is not None:
        return "latency_p95"
    if threshold is not None and threshold.unit == "percent":
        return _PERCENT_METRIC
    if level is not None or "failure" in signals:
        return "error_rate"
    return "request_rate"
