"""What a question asks for: keyword signals in both languages, then fixed priorities.

Signals are read in table order and consumed, so "stack trace" counts as logs before "trace"
can count as traces. :func:`decide_intent` applies the priorities:

1. correlate: logs together with traces or with "related"/"관련"/"analyse"/"분석"/"root cause";
   or "root cause"/"원인", "what happened"/"무슨 일", "why ... failing/slow" — unless the
   question is about pod restarts, crashes or events (those are ``k8s``: "파드가 왜 재시작됐어?");
2. k8s: restarts, events, CrashLoopBackOff, OOMKilled, pending, nodes, deployments;
3. anomaly: "is anything wrong", "이상 징후", "incident", with no explicit data kind;
4. metrics: a metric named (CPU, memory, rates, percentiles, a bare latency);
5. traces: traces/spans, a latency threshold, "slow"/"지연", a trace id;
6. logs: logs, a level ("errors", "에러"), text to search;
7. k8s again for pods/containers alone; a failure word alone ("payment-service down?") is an
   anomaly check; API calls alone are traces; else ``unknown``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opslens.agent.plan import Intent
from opslens.agent.understanding.normalize import Scan, phrases

# (signal, English alternatives, Korean alternatives); regex fragments separated by whitespace.
SIGNAL_PHRASES: tuple[tuple[str, str, str], ...] = (
    (
        "failure",
        r"""
        down unavailable unreachable broken failing fails? failed not\s+working doesn'?t\s+work
        dead degraded timeouts? timing\s+out timed\s+out 5xx 500s errors? throwing broke
        paged outage
        """,
        r"""
        다운 먹통 죽 안\s*(?:돼|되|된) 장애 타임아웃 불가 실패 에러 오류 터졌 터진
        """,
    ),
    (
        "logs",
        r"""
        logs? logging logged log\s+lines? messages? log\s+entries stack\s*traces? stacktraces?
        tracebacks?
        """,
        r"""
        로그 로깅 메시지 메세지 스택\s*트레이스
        """,
    ),
    (
        "what_happened",
        r"""
        what\s+(?:happened|happens|went\s+wrong|caused|is\s+causing)
        what(?:'s|s|\s+is|\s+was|\s+are)\s+(?:going\s+on|happening|wrong\s+with|up\s+with)
        what(?:'s|s|\s+is|\s+was)\s+the\s+(?:problem|issue|matter)\s+with explain
        walk\s+me\s+through tell\s+me\s+about investigat\w* troubleshoot\w*
        what\s+(?:broke|is\s+broken|'s\s+broken|failed\s+first|started\s+it|set\s+(?:it|this)\s+off)
        where\s+(?:it|this|that|they|the\s+\w+)\s+(?:started|starts|began|begins|came\s+from|comes\s+from|originated|broke)
        where\s+(?:did|does)\s+(?:it|this|that)\s+(?:start|begin|come\s+from|originate)
        (?:got|get|were|was|been)\s+(?:paged|alerted) paged\s+(?:for|about) what'?s\s+behind
        what\s+is\s+behind what\s+(?:started|triggered|kicked\s+off|set\s+off)
        """,
        r"""
        어디서\s*(?:부터)?\s*(?:시작|터졌|터진|발생|생긴|생겼) 뭐가\s*(?:터졌|고장|깨졌|망가졌)
        어디가\s*(?:문제|고장|잘못) 어디서\s*(?:문제|잘못) 알람이?\s*(?:왔|울렸|떴|와서)
        무엇\s*때문 왜\s*안\s*(?:돼|되) 무슨\s*일 어떻게\s*된 뭔\s*일 어떤\s*일 뭐가\s*문제
        무엇이\s*문제 무슨\s*문제 뭐가\s*잘못
        무슨\s*상황 왜\s*이래 원인\s*(?:이|은)?\s*뭐
        """,
    ),
    (
        "root_cause",
        r"""
        root[\s-]*causes? causes? caused culprits? origin source\s+of why reasons? blame
        """,
        r"""
        원인 근본 왜 이유 때문 탓
        """,
    ),
    (
        "correlate",
        r"""
        relat(?:ed|es|ion|ing) correlat\w* analy[sz]\w* linked link associated together
        along\s+with tied\s+to connected\s+to diagnos\w* dig\s+into deep\s+dive
        """,
        r"""
        관련 연관 연결 분석 상관 함께 같이 조사 진단 엮
        """,
    ),
    (
        "k8s",
        r"""
        events? crash\s*loop\w* crash(?:ed|es|ing)? oom\w* out\s+of\s+memory pending evict\w*
        deployments? rollouts? replicas? replicasets? nodes? statefulsets? daemonsets?
        image\s*pull\w* errimagepull back-?off terminat\w* killed schedul\w* probes? liveness
        readiness kubectl pod\s+status status\s+of\s+(?:the\s+)?pods? not\s+ready
        container\s+status exit\s+codes?
        """,
        r"""
        이벤트 크래시 크래쉬 죽은 죽었 배포 디플로이먼트 레플리카 노드 스케줄 펜딩 축출 종료된
        종료됐 메모리\s*부족 파드\s*상태 준비\s*안 프로브 재시작 리스타트
        """,
    ),
    (
        "slow",
        r"""
        slow(?:est|er|ly|ness|downs?)? sluggish laggy lagging high\s+latency latency\s+spikes?
        takes?\s+(?:too\s+)?long taking\s+(?:too\s+)?long took\s+(?:too\s+)?long longest
        bottlenecks?
        """,
        r"""
        느린 느려 느렸 느림 느리 늦 지연 오래\s*걸 병목 렉 가장\s*오래
        """,
    ),
    (
        "anomaly",
        r"""
        anomal\w* anything\s+(?:wrong|unusual|odd|weird|strange|broken|off|abnormal|bad)
        something\s+(?:wrong|unusual|odd|weird|off|broken)
        any\s+(?:issues?|problems?|incidents?|alerts?|trouble) incidents? outages?
        is\s+(?:everything|all|it)\s+(?:ok|okay|fine|good|healthy|alright|normal)
        everything\s+(?:ok|okay|fine|alright|healthy|good) healthy unhealthy health unusual abnormal
        weird
        strange spikes? alerts? firing what'?s\s+wrong what\s+is\s+wrong status problems? issues?
        """,
        r"""
        이상\s*징후 이상징후 이상\s*탐지 이상\s*(?:있|없|한|해|이\s*있|이\s*없|감지|현상|동작)
        문제\s*(?:있|없|가|는) 장애 특이\s*사항 특이사항 특이점 이상한 괜찮 정상 알람 경보 헬스
        건강 상태
        """,
    ),
    (
        "traces",
        r"""
        traces? tracing traced spans? call\s+(?:graphs?|chains?|trees?) waterfall
        """,
        r"""
        트레이스 트레이싱 추적 스팬 호출\s*(?:흐름|경로|체인)
        """,
    ),
    (
        "calls",
        r"""
        (?:api\s+)?calls? requests? endpoints? transactions? operations?
        """,
        r"""
        호출 요청 엔드포인트
        """,
    ),
    (
        "pods",
        r"""
        pods? containers? workloads?
        """,
        r"""
        파드 팟 포드 컨테이너 워크로드
        """,
    ),
)

_SIGNALS = tuple((name, re.compile(phrases(en, ko))) for name, en, ko in SIGNAL_PHRASES)
# Read without consuming: failure words also mean something else ("장애" is an anomaly too).
_SHARED_SIGNALS = frozenset({"failure"})


@dataclass(frozen=True)
class Evidence:
    """What else the question carries, read by other extractors, that bears on the intent."""

    level: bool = False
    text: bool = False
    trace_id: bool = False
    threshold: bool = False
    metric: bool = False
    restarts: bool = False
    bare_latency: bool = False


def read_signals(scan: Scan) -> frozenset[str]:
    """Names of the keyword signals present (their words consumed)."""
    found = set()
    for name, pattern in _SIGNALS:
        if name in _SHARED_SIGNALS:
            if scan.find(pattern):
                found.add(name)
        elif scan.take_all(pattern):
            found.add(name)
    return frozenset(found)


def decide_intent(signals: frozenset[str], evidence: Evidence) -> tuple[Intent, int]:
    """The intent, and how many intent families had signals (1 means unambiguous)."""
    has = signals.__contains__
    logs, traces, pods = has("logs"), has("traces"), has("pods")
    k8s_strong = has("k8s") or evidence.restarts
    families = sum(
        (
            logs or evidence.level or evidence.text,
            traces or has("slow") or evidence.threshold,
            evidence.metric or evidence.bare_latency,
            k8s_strong or pods,
            has("anomaly"),
            has("correlate") or has("root_cause") or has("what_happened"),
        )
    )
    failure = has("failure") or has("slow") or evidence.level
    asks_why = has("what_happened") or (has("root_cause") and (failure or not has("anomaly")))
    analyses = (
        has("correlate") and not (evidence.metric or pods) and (failure or not has("anomaly"))
    )
    slow_or_threshold = traces or has("slow") or evidence.threshold
    rules: tuple[tuple[bool, Intent], ...] = (
        (logs and (traces or has("correlate") or has("root_cause")), "correlate"),
        (traces and has("correlate"), "correlate"),
        ((has("root_cause") or has("what_happened")) and k8s_strong, "k8s"),
        (asks_why and not (pods and not failure), "correlate"),
        (k8s_strong, "k8s"),
        (analyses, "correlate"),
        (has("anomaly") and not (logs or traces or evidence.metric or pods), "anomaly"),
        (evidence.metric, "metrics"),
        (evidence.bare_latency and not slow_or_threshold, "metrics"),
        (evidence.trace_id and logs, "logs"),
        (evidence.trace_id or slow_or_threshold, "traces"),
        (logs or evidence.level or evidence.text, "logs"),
        (pods, "k8s"),
        (has("anomaly") or has("failure"), "anomaly"),
        (has("calls"), "traces"),
    )
    chosen: Intent = next((intent for applies, intent in rules if applies), "unknown")
    return chosen, families
