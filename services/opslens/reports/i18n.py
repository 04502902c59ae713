"""Report wording in English and Korean, and how values are written (units, times)."""

from __future__ import annotations

from datetime import datetime

from opslens.reports.models import Candidate, CauseEvidence
from opslens.reports.settings import Language

TEXT: dict[str, dict[Language, str]] = {
    "title": {"en": "opslens anomaly report", "ko": "opslens 이상 징후 리포트"},
    "window": {"en": "Window", "ko": "기간"},
    "namespaces": {"en": "Namespaces", "ko": "네임스페이스"},
    "baseline": {"en": "Baseline", "ko": "기준선"},
    "summary": {"en": "Summary", "ko": "요약"},
    "no_incidents": {
        "en": "No incidents: nothing abnormal between {start} and {end} UTC in {namespaces}.",
        "ko": "{start}~{end} (UTC) 동안 {namespaces}에서 이상 징후가 발견되지 않았습니다.",
    },
    "overview": {
        "en": "{count} incident(s) between {start} and {end} UTC in {namespaces}.",
        "ko": "{start}~{end} (UTC) 동안 {namespaces}에서 인시던트 {count}건이 발견되었습니다.",
    },
    "incident_line": {
        "en": "Incident {n} ({start}–{end}): most likely root cause {service} ({reasons}){others}.",
        "ko": "인시던트 {n} ({start}~{end}): 가장 유력한 근본 원인은 {service}입니다 "
        "({reasons}){others}.",
    },
    "also_affected": {
        "en": "; also affected: {services}",
        "ko": "; 함께 영향 받은 서비스: {services}",
    },
    "strongest": {
        "en": "Strongest signal: {measure} of {service} reached {value} (normal {baseline}).",
        "ko": "가장 강한 신호: {service}의 {measure} {value} (평소 {baseline}).",
    },
    "listing_title": {
        "en": "{start}–{end} UTC: {count} incident(s){causes}",
        "ko": "{start}~{end} (UTC): 인시던트 {count}건{causes}",
    },
    "incident": {"en": "Incident", "ko": "인시던트"},
    "raised_by_findings": {
        "en": "No detector alarmed: raised because what the window's requests or resources do "
        "moved convincingly against the baseline periods (the evidence below).",
        "ko": "탐지기 경보는 없었지만, 이 구간의 요청 처리나 리소스가 기준 구간 대비 확실히 "
        "달라져 생성된 인시던트입니다(아래 근거).",
    },
    "root_cause": {"en": "Most likely root cause", "ko": "가장 유력한 근본 원인"},
    "candidates": {"en": "Root-cause candidates", "ko": "근본 원인 후보"},
    "rank": {"en": "Rank", "ko": "순위"},
    "service": {"en": "Service", "ko": "서비스"},
    "reasons": {"en": "Why", "ko": "근거"},
    "cause": {"en": "What moved", "ko": "원인 상세"},
    "cause_evidence": {"en": "Numbers against baseline", "ko": "기준선 대비 수치"},
    "cause_line": {
        "en": "What moved: {cause}; {evidence}.",
        "ko": "원인 상세: {cause}; {evidence}.",
    },
    "onset": {"en": "Onset", "ko": "시작"},
    "score": {"en": "Score", "ko": "점수"},
    "anomalies": {"en": "Anomalies", "ko": "이상 징후"},
    "signal": {"en": "Signal", "ko": "신호"},
    "measure": {"en": "Measure", "ko": "측정값"},
    "value": {"en": "Peak", "ko": "최고값"},
    "normal": {"en": "Normal", "ko": "평소"},
    "when": {"en": "When", "ko": "시간"},
    "timeline": {"en": "Timeline", "ko": "타임라인"},
    "templates": {"en": "Top log templates", "ko": "주요 로그 템플릿"},
    "template": {"en": "Template", "ko": "템플릿"},
    "count": {"en": "Count", "ko": "건수"},
    "new": {"en": "new", "ko": "신규"},
    "trace_example": {"en": "Example trace", "ko": "예시 트레이스"},
    "critical_path": {"en": "Critical path", "ko": "크리티컬 패스"},
    "error_count": {"en": "{count} errors", "ko": "에러 {count}건"},
    "errors": {"en": "Errors", "ko": "에러"},
    "queries": {"en": "Queries to reproduce", "ko": "재현용 쿼리"},
    "signals_status": {"en": "Data collected", "ko": "수집된 데이터"},
    "calls": {"en": "calls", "ko": "호출"},
    "failures": {"en": "failures", "ko": "실패"},
    "warnings": {"en": "warnings", "ko": "경고"},
    "generated": {"en": "Generated", "ko": "생성 시각"},
    "summary_llm": {
        "en": "written by an LLM from the findings",
        "ko": "LLM이 결과를 바탕으로 작성",
    },
    "summary_template": {"en": "template summary", "ko": "템플릿 요약"},
}

MEASURES: dict[str, dict[Language, str]] = {
    "request_rate": {"en": "request rate", "ko": "요청률"},
    "error_ratio": {"en": "error ratio", "ko": "에러 비율"},
    "latency_p50": {"en": "p50 latency", "ko": "p50 지연 시간"},
    "latency_p95": {"en": "p95 latency", "ko": "p95 지연 시간"},
    "cpu": {"en": "CPU", "ko": "CPU"},
    "memory": {"en": "memory", "ko": "메모리"},
    "restarts": {"en": "restarts", "ko": "재시작"},
    "slo_burn": {"en": "SLO burn rate", "ko": "SLO 소진율"},
    "error_logs": {"en": "error log lines", "ko": "에러 로그 건수"},
    "new_log_template": {"en": "new log template", "ko": "새 로그 템플릿"},
    "trace_p50": {"en": "span p50 latency", "ko": "스팬 p50 지연 시간"},
    "trace_p95": {"en": "span p95 latency", "ko": "스팬 p95 지연 시간"},
    "call_gap": {"en": "time calls wait outside it", "ko": "호출 대기 시간(네트워크·큐)"},
    "trace_error_ratio": {"en": "error span ratio", "ko": "에러 스팬 비율"},
    "new_error_type": {"en": "new error type", "ko": "새 에러 유형"},
    "statement_stopped": {"en": "statement runs", "ko": "구문 실행 횟수"},
    "statement_new": {"en": "statement runs", "ko": "구문 실행 횟수"},
    "statement_fewer": {"en": "statement runs", "ko": "구문 실행 횟수"},
    "statement_more": {"en": "statement runs", "ko": "구문 실행 횟수"},
    "order_changed": {"en": "traces first diverging here", "ko": "여기서 처음 어긋난 트레이스"},
}

CAUSES: dict[str, dict[Language, str]] = {
    "resource": {"en": "{service}: {what}", "ko": "{service}: {what}"},
    "network": {
        "en": "{service}: network latency (calls from {what})",
        "ko": "{service}: 네트워크 지연 ({what}에서 오는 호출)",
    },
    "code": {
        "en": '{service}: the code around "{what}" ({change})',
        "ko": '{service}: "{what}" 부근의 코드 ({change})',
    },
    "code_in": {
        "en": '{service}: {operation}, the code around "{what}" ({change})',
        "ko": '{service}: {operation}의 "{what}" 부근 코드 ({change})',
    },
    "operation": {
        "en": "{service}: operation {what} ({measure})",
        "ko": "{service}: {what} 오퍼레이션 ({measure})",
    },
    "service": {"en": "{service}: {measure}", "ko": "{service}: {measure}"},
    "kubernetes": {"en": "{service}: {measure} ({what})", "ko": "{service}: {measure} ({what})"},
}
"""The fine-grained cause of a candidate, by the area of its first evidence."""

CHANGES: dict[str, dict[Language, str]] = {
    "statement_stopped": {"en": "stopped running", "ko": "더 이상 실행되지 않음"},
    "statement_new": {"en": "new", "ko": "새로 나타남"},
    "statement_fewer": {"en": "runs less often", "ko": "실행 빈도 감소"},
    "statement_more": {"en": "runs more often", "ko": "실행 빈도 증가"},
    "order_changed": {"en": "events in a new order", "ko": "이벤트 순서가 바뀜"},
    "new_log_template": {"en": "new log message", "ko": "새 로그 메시지"},
    "new_error_type": {"en": "new error", "ko": "새 에러"},
}

EVIDENCE: dict[str, dict[Language, str]] = {
    "change": {
        "en": "{measure} {value} (normal {baseline}, score {score})",
        "ko": "{measure} {value} (평소 {baseline}, 점수 {score})",
    },
    "level": {"en": "{measure} {value} (score {score})", "ko": "{measure} {value} (점수 {score})"},
}
CAUSE_CHARS = 120

REASONS: dict[str, dict[Language, str]] = {
    "no_anomalous_callee": {"en": "nothing abnormal below it", "ko": "하위 서비스에 이상 없음"},
    "explained_by": {"en": "explained by {value}", "ko": "{value}의 이상으로 설명됨"},
    "depth": {"en": "call depth {value}", "ko": "호출 깊이 {value}"},
    "earliest_onset": {"en": "earliest onset", "ko": "가장 먼저 시작"},
    "signal:metrics": {"en": "metrics", "ko": "메트릭"},
    "signal:logs": {"en": "logs", "ko": "로그"},
    "signal:traces": {"en": "traces", "ko": "트레이스"},
    "signal:kubernetes": {"en": "Kubernetes", "ko": "쿠버네티스"},
    "trace_error_origin": {
        "en": "failures start in its spans",
        "ko": "에러가 이 서비스의 스팬에서 시작",
    },
    "weak_evidence": {"en": "weak evidence", "ko": "근거 약함"},
    "traffic_only": {"en": "traffic change only", "ko": "트래픽 변화만 있음"},
}


def text(key: str, language: Language, **values: object) -> str:
    return TEXT[key][language].format(**values)


def measure(kind: str, language: Language) -> str:
    """A measure's name; Kubernetes problems (OOMKilled, ...) keep their own name."""
    names = MEASURES.get(kind)
    return names[language] if names else f"Kubernetes {kind}"


def reason(code: str, language: Language) -> str:
    key, _, value = code.partition(":")
    if code in REASONS:
        return REASONS[code][language]
    if key in REASONS:
        return REASONS[key][language].format(value=value)
    return code


def reasons(codes: list[str], language: Language) -> str:
    return ", ".join(reason(code, language) for code in codes)


def clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment else "-"


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def value(number: float | None, unit: str) -> str:
    """A value in its unit, e.g. ``95.1%``, ``1,450 ms``, ``498 MiB``, ``0.42 cores``."""
    if number is None:
        return "-"
    if unit == "ratio":
        return f"{number * 100:.1f}%"
    if unit == "bytes":
        return f"{number / 2**20:,.0f} MiB"
    if unit == "ms":
        return f"{number:,.0f} ms" if number >= 100 else f"{number:.1f} ms"
    if unit == "cores":
        return f"{number:.3f} cores"
    if unit == "x budget":
        return f"{number:.1f}x"
    if unit in ("lines", "spans", "restarts", "traces"):
        return f"{number:,.0f} {unit}"
    return f"{number:,.2f} {unit}".strip()


def _what(evidence: CauseEvidence, language: Language) -> str:
    if evidence.area == "resource" and evidence.kind in MEASURES:
        return measure(evidence.kind, language)
    text = " ".join(evidence.subject.split())
    return text if len(text) <= CAUSE_CHARS else text[: CAUSE_CHARS - 1] + "…"


def cause(candidate: Candidate, language: Language) -> str:
    """What in the candidate moved: 'payment-service: CPU', 'basic: the code around "..."'."""
    evidence = candidate.cause
    if evidence is None:
        return candidate.service
    key = "code_in" if evidence.area == "code" and evidence.operation else evidence.area
    change = CHANGES.get(evidence.kind, {}).get(language, "")
    return CAUSES[key][language].format(
        service=candidate.service,
        what=_what(evidence, language),
        operation=evidence.operation,
        change=change,
        measure=evidence_measure(evidence, language),
    )


def evidence_measure(evidence: CauseEvidence, language: Language) -> str:
    if evidence.kind == "resource":
        return evidence.subject
    return measure(evidence.kind, language)


def evidence_text(evidence: CauseEvidence, language: Language) -> str:
    """One number that ranked a candidate against its baseline: 'CPU 0.950 cores (normal
    0.100 cores, score 4.2)'."""
    key = "level" if evidence.baseline is None else "change"
    return EVIDENCE[key][language].format(
        measure=evidence_measure(evidence, language),
        value=value(evidence.value, evidence.unit),
        baseline=value(evidence.baseline, evidence.unit),
        score=f"{evidence.score:.1f}",
    )


def cause_line(candidate: Candidate, language: Language) -> str:
    """'What moved: payment-service: CPU; CPU 0.950 cores (normal 0.100 cores, score 4.2).'"""
    numbers = "; ".join(evidence_text(e, language) for e in candidate.evidence[:2]) or "-"
    return text("cause_line", language, cause=cause(candidate, language), evidence=numbers)
