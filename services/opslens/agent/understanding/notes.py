"""Notes for the user, in the question's language: what was assumed or could not be matched."""

from __future__ import annotations

from datetime import timedelta

from opslens.agent.plan import Intent, Language

_MESSAGES: dict[str, dict[Language, str]] = {
    "unknown_services": {
        "en": "No service named {names}. Known services: {known}.",
        "ko": "{names} 서비스를 찾을 수 없습니다. 알려진 서비스: {known}.",
    },
    "no_known_services": {
        "en": "No service named {names}, and no services are known yet.",
        "ko": "{names} 서비스를 찾을 수 없습니다. 아직 알려진 서비스가 없습니다.",
    },
    "unchecked_services": {
        "en": "The service list could not be read: looking for {names} as written.",
        "ko": "서비스 목록을 읽지 못해 {names}을(를) 쓰인 그대로 조회합니다.",
    },
    "corrected": {
        "en": "Read '{mention}' as {service}.",
        "ko": "'{mention}'을(를) {service}(으)로 이해했습니다.",
    },
    "default_window": {
        "en": "No time range given: using the last {window} (the default for {intent}).",
        "ko": "시간 범위가 없어 기본값인 최근 {window}을 봅니다 ({intent} 기본값).",
    },
    "inherited": {
        "en": "Carried over from the previous question: {fields}.",
        "ko": "이전 질문에서 이어받음: {fields}.",
    },
    "truncated": {
        "en": "The question was cut to its first {limit} characters.",
        "ko": "질문이 길어 앞의 {limit}자만 읽었습니다.",
    },
    "unknown_namespace": {
        "en": "Namespace {namespace} is not one of the known namespaces ({known}).",
        "ko": "{namespace} 네임스페이스는 알려진 네임스페이스({known})에 없습니다.",
    },
    "several_metrics": {
        "en": "Several metrics asked ({metrics}); showing {metric} first.",
        "ko": "여러 지표({metrics}) 중 {metric}부터 봅니다.",
    },
    "swapped_window": {
        "en": "The time range was given the wrong way round; reading it earliest first.",
        "ko": "시간 범위의 앞뒤가 바뀌어 있어 이른 시각부터 읽었습니다.",
    },
    "capped_window": {
        "en": "Time ranges reach back at most {days} days: looking from {days} days ago.",
        "ko": "시간 범위는 최대 {days}일 전까지라서 {days}일 전부터 봅니다.",
    },
    "unexpressed": {
        "en": "This part of the question could not be expressed and is not reflected: {words}.",
        "ko": "질문의 다음 부분은 표현하지 못해 반영되지 않았습니다: {words}.",
    },
    "impossible_percent": {
        "en": "A share cannot be above 100% ({value}% asked): showing every service instead.",
        "ko": "비율은 100%를 넘을 수 없습니다({value}% 요청): 대신 모든 서비스를 보여줍니다.",
    },
    "unknown_intent": {
        "en": "Not sure what to look at: ask about logs, traces, metrics, pods or anomalies.",
        "ko": (
            "무엇을 볼지 모르겠습니다. 로그, 트레이스, 지표, 파드, 이상 징후 중에서 물어봐 주세요."
        ),
    },
}

_FIELD_NAMES: dict[str, dict[Language, str]] = {
    "services": {"en": "services", "ko": "서비스"},
    "window": {"en": "time range", "ko": "시간 범위"},
    "intent": {"en": "what to show", "ko": "조회 대상"},
    "namespace": {"en": "namespace", "ko": "네임스페이스"},
    "trace_id": {"en": "trace id", "ko": "트레이스 ID"},
}


def note(key: str, language: Language, **values: str) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in."""
    return _MESSAGES[key][language].format(**values)


def unexpressed_note(words: list[str], language: Language) -> str:
    """The note naming the words of a question no plan field took."""
    return note("unexpressed", language, words=", ".join(f"'{said}'" for said in words))


def field_names(fields: list[str], language: Language) -> str:
    return ", ".join(_FIELD_NAMES[name][language] for name in fields)


def describe_window(window: timedelta, language: Language) -> str:
    """``1 hour`` / ``1시간``, ``30 minutes`` / ``30분``."""
    minutes = int(window.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if language == "ko":
        return f"{hours}시간" if hours and not rest else f"{minutes}분"
    if hours and not rest:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def describe_intent(intent: Intent, language: Language) -> str:
    names: dict[Intent, tuple[str, str]] = {
        "logs": ("logs", "로그"),
        "traces": ("traces", "트레이스"),
        "metrics": ("metrics", "지표"),
        "k8s": ("Kubernetes state", "쿠버네티스 상태"),
        "correlate": ("correlation", "연관 분석"),
        "anomaly": ("anomaly checks", "이상 징후 점검"),
        "unknown": ("questions", "질문"),
    }
    english, korean = names[intent]
    return korean if language == "ko" else english
