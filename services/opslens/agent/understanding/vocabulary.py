"""Words that are never names: common English words and the planner's own keywords.

A Latin word in a question that is not one of these, and sits where a name sits ("X-service",
"X 서비스", "from X", "X에서"), is taken for a service the user means; if it matches no known
service it is reported back as unknown rather than silently ignored.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


COMMON_WORDS: frozenset[str] = _words(
    """
    a about above across after again against all also am an and any anything are around as at
    be been before being below between both but by can could did do does doing done down during
    each either else every everything few for from get gets give go going got had has have
    having he her here hers him his how i if in into is it its itself just last latest least
    let like list made make many me more most much my near need new next no none nor not now of
    off on once one only or other our out over own past per please previous recent right same
    see seen she should show so some something still such than that the their them then there
    these they this those through to too under until up us very was we were what when where
    which while who why will with within without would yet you your tell find fetch display
    check look view bring pull search get give report summarize summarise explain describe
    today yesterday hour hours minute minutes min mins second seconds sec secs day days week
    weeks month months am pm utc gmt kst jst ago since between morning afternoon evening night
    happened happen happening going wrong broken issue issues problem problems okay ok fine
    healthy health status state current currently kind sort top first highest lowest most least
    slow slower slowest fast faster long longer longest high higher low lower spike spikes
    increase increased drop dropped rising number count counts total how many much average
    mean median max maximum min minimum sum rate rates ratio percent percentage usage used use
    graph chart trend value values series time times range window period latest data info
    information detail details all any each both service services svc app apps application
    applications system systems platform cluster clusters namespace namespaces ns node nodes
    pod pods container containers deployment deployments replica replicas event events job
    jobs cronjob statefulset daemonset workload workloads api apis call calls request requests
    response responses endpoint endpoints http https grpc db database databases query queries
    message messages text word phrase string keyword line lines entry entries record records
    log logs logging trace traces tracing traced span spans metric metrics error errors warn
    warning warnings debug fatal critical exception exceptions fail failed failing failure
    failures crash crashed crashing crashes restart restarts restarted restarting oom oomkilled
    killed evicted pending running cpu memory mem ram disk network latency throughput traffic
    rps qps tps p50 p90 p95 p99 percentile percentiles root cause causes caused reason reasons
    analyze analyse analysis correlate correlated related relation together impact impacted
    affected production prod staging stage dev development test testing default user users
    customer customers order orders checkout payment payments everyone anyone someone
    incident incidents outage outages anomaly anomalies alert alerts alerting why whats what's
    is are was were don't doesn't didn't isn't aren't can't won't it's that's there's i'm
    """
)


# Words that come before "service" without naming one: "which service", "the slowest service".
SERVICE_QUALIFIERS: frozenset[str] = _words(
    """
    a an the which what whose each every that this these those any all other another some same
    my our your their its one no per of for from to in on at by with and or slow slowest slower
    fastest failing failed broken affected impacted root upstream downstream backend problematic
    problem healthy unhealthy faulty bad main whole entire single specific given known unknown
    new old more most many few top busiest noisiest erroring calling called dependent related
    web micro internal external first last next previous single list show find rank sort
    sorted ranked name compare get display give
    """
)


def can_name_service(word: str) -> bool:
    """Whether ``word`` before "service" is a name ("order service"), not a qualifier."""
    return word not in SERVICE_QUALIFIERS and not word.isdigit()


def is_common_word(word: str) -> bool:
    """Whether ``word`` (lowercase) is an ordinary English or planner word, not a name."""
    return word in COMMON_WORDS
