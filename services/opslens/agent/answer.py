"""Template answers in the question's language, built from facts the evidence established.

The agent's steps record :class:`Fact` items (a key and the numbers and names behind it); this
module renders them in English or Korean. Without an LLM this is the answer; with one, the
facts are also what the model's summary is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CATALOG: dict[str, dict[str, str]] = {
    "scope": {
        "en": "Looked at {what} from {start} to {end}.",
        "ko": "{start}부터 {end}까지의 {what}을(를) 조회했습니다.",
    },
    "logs.count": {
        "en": "Found {count} {level}log lines{for_services}.",
        "ko": "{for_services}{level}로그 {count}건을 찾았습니다.",
    },
    "logs.none": {
        "en": "No matching log lines{for_services} in this window.",
        "ko": "이 기간에 {for_services}조건에 맞는 로그가 없습니다.",
    },
    "logs.by_service": {
        "en": "By service: {ranking}.",
        "ko": "서비스별: {ranking}.",
    },
    "logs.top_pattern": {
        "en": "Most frequent message ({count}x): {template}",
        "ko": "가장 많은 메시지 ({count}건): {template}",
    },
    "traces.found": {
        "en": "Found {count} traces{for_services}{threshold}.",
        "ko": "{for_services}{threshold}트레이스 {count}개를 찾았습니다.",
    },
    "traces.none": {
        "en": "No traces{for_services}{threshold} in this window.",
        "ko": "이 기간에 {for_services}{threshold}트레이스가 없습니다.",
    },
    "traces.threshold_p95": {
        "en": " slower than {service}'s normal p95 ({ms} ms)",
        "ko": "평소 p95({ms} ms)보다 느린 ",
    },
    "traces.threshold": {
        "en": " slower than {ms} ms",
        "ko": "{ms} ms 이상 걸린 ",
    },
    "traces.slowest": {
        "en": "Slowest: {trace_id} ({operation}, {ms} ms).",
        "ko": "가장 느린 트레이스: {trace_id} ({operation}, {ms} ms).",
    },
    "traces.slow_service": {
        "en": "Most of the time is spent in {service} ({share}% of the critical path).",
        "ko": "지연 시간의 대부분은 {service}에서 발생합니다 (크리티컬 패스의 {share}%).",
    },
    "correlate.trace_ids": {
        "en": "{logs} error logs carry {ids} trace ids; {found} of those traces were fetched.",
        "ko": "에러 로그 {logs}건에 트레이스 ID {ids}개가 있고, "
        "그중 {found}개 트레이스를 조회했습니다.",
    },
    "correlate.origin": {
        "en": "The errors start in {service}{dependency}: {traces} failing traces end at "
        "its span '{operation}'{message}.",
        "ko": "에러는 {service}{dependency}에서 시작됩니다: 실패한 트레이스 {traces}개가 "
        "'{operation}' 스팬에서 끝납니다{message}.",
    },
    "correlate.dependency": {"en": " (calling {peer})", "ko": "({peer} 호출)"},
    "correlate.no_origin": {
        "en": "None of the fetched traces has an erroring span.",
        "ko": "조회한 트레이스에서 에러 스팬을 찾지 못했습니다.",
    },
    "metrics.value": {
        "en": "{metric} of {service}: now {last}{unit}, peak {peak}{unit}, average {avg}{unit}.",
        "ko": "{service}의 {metric}: 현재 {last}{unit}, 최대 {peak}{unit}, 평균 {avg}{unit}.",
    },
    "metrics.none": {
        "en": "Prometheus returned no data for {metric}{for_services}.",
        "ko": "{for_services}{metric} 데이터가 Prometheus에 없습니다.",
    },
    "k8s.pod_restarts": {
        "en": "Pod {pod} restarted {restarts} times (last termination: {reason}).",
        "ko": "파드 {pod}가 {restarts}번 재시작했습니다 (마지막 종료 사유: {reason}).",
    },
    "k8s.no_restarts": {
        "en": "No pod restarted{for_services}.",
        "ko": "{for_services}재시작한 파드가 없습니다.",
    },
    "k8s.pods_in_state": {
        "en": "{count} pods in {state}: {pods}.",
        "ko": "{state} 상태인 파드 {count}개: {pods}.",
    },
    "k8s.no_pods_in_state": {
        "en": "No pod is in {state}.",
        "ko": "{state} 상태인 파드가 없습니다.",
    },
    "k8s.events": {
        "en": "{count} warning events: {reasons}.",
        "ko": "경고 이벤트 {count}건: {reasons}.",
    },
    "k8s.no_events": {
        "en": "No warning events in this window.",
        "ko": "이 기간에 경고 이벤트가 없습니다.",
    },
    "k8s.finding": {
        "en": "{severity}: {title} — {explanation}",
        "ko": "{severity}: {title} — {explanation}",
    },
    "anomaly.incident": {
        "en": "Incident: {summary} (likely root cause: {root_cause}).",
        "ko": "장애: {summary} (추정 원인: {root_cause}).",
    },
    "anomaly.none": {
        "en": "Nothing looks abnormal right now.",
        "ko": "현재 이상 징후가 보이지 않습니다.",
    },
    "unknown_services": {
        "en": "I don't know the service(s) {names}. Known services: {known}.",
        "ko": "{names} 서비스를 찾을 수 없습니다. 알려진 서비스: {known}.",
    },
    "unknown_question": {
        "en": "I could not tell what to look up. Try e.g. 'error logs of order-service in the "
        "last hour' or 'slow traces of frontend'. Known services: {known}.",
        "ko": "무엇을 조회할지 파악하지 못했습니다. 예: '지난 1시간 order-service 에러 로그', "
        "'frontend 느린 트레이스'. 알려진 서비스: {known}.",
    },
    "missing": {
        "en": "Not available: {what} ({reason}). The answer uses the rest.",
        "ko": "조회 실패: {what} ({reason}). 나머지 결과로 답변합니다.",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "error": {"en": "error ", "ko": "에러 "},
    "warn": {"en": "warning ", "ko": "경고 "},
    "info": {"en": "info ", "ko": "정보 "},
    "debug": {"en": "debug ", "ko": "디버그 "},
    "logs": {"en": "logs", "ko": "로그"},
    "traces": {"en": "traces", "ko": "트레이스"},
    "metrics": {"en": "metrics", "ko": "메트릭"},
    "k8s": {"en": "cluster state", "ko": "클러스터 상태"},
    "correlate": {"en": "error logs and their traces", "ko": "에러 로그와 관련 트레이스"},
    "anomaly": {"en": "all signals", "ko": "전체 신호"},
    "unknown": {"en": "data", "ko": "데이터"},
}


def word(key: str, language: str) -> str:
    return WORDS.get(key, {}).get(language, key)


def for_services(services: list[str], language: str) -> str:
    """' for a, b' in English, 'a, b의 ' in Korean; empty for all services."""
    if not services:
        return ""
    names = ", ".join(services)
    return f" for {names}" if language == "en" else f"{names}의 "


def threshold_text(ms: float | None, p95_of: str | None, language: str) -> str:
    """' slower than 80 ms' / '80 ms 이상 걸린 ', naming the service when it is its p95."""
    if ms is None:
        return ""
    key = "traces.threshold_p95" if p95_of else "traces.threshold"
    return CATALOG[key][language].format(ms=round(ms), service=p95_of)


@dataclass(frozen=True)
class Fact:
    """One statement the evidence supports: a catalog key and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str) -> str:
        """The sentence in ``language``; ``services``, ``level`` and ``what`` are worded here."""
        template = CATALOG[self.key].get(language) or CATALOG[self.key]["en"]
        values = dict(self.values)
        values["for_services"] = for_services(list(values.get("services") or []), language)
        values["level"] = word(str(values["level"]), language) if values.get("level") else ""
        if "what" in values:
            values["what"] = word(str(values["what"]), language)
        values["threshold"] = threshold_text(
            values.get("threshold_ms"), values.get("p95_of"), language
        )
        return template.format(**values)


def render_answer(facts: list[Fact], language: str) -> str:
    """The facts as a short paragraph, one sentence each."""
    return "\n".join(fact.render(language) for fact in facts)
