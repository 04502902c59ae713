"""What the services log while serving one request, and the exceptions their spans record.

Rules: a hop that fails on its own logs ERROR with a stack trace; a hop whose required call
failed logs ERROR about that call (the JDBC failure for a database); a failed optional call
and a slow hop log WARN; head-sampled requests log one INFO line per service. Every line
inside a request carries its trace and span ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from opslens.scenarios.logs import LogEvent
from opslens.scenarios.params import Params
from opslens.scenarios.templates import (
    ExceptionInfo,
    db_connection_failure,
    default_errors,
    logger_name,
    stack_trace,
)
from opslens.scenarios.traces import SpanIds
from opslens.scenarios.traffic import Hop, Request

_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_ENVOY_RESET = "upstream connect error or disconnect/reset before headers. reset reason: "


@dataclass
class RequestStory:
    """The log events of one request and the exception recorded on each failing span."""

    events: list[LogEvent] = field(default_factory=list)
    exceptions: dict[int, ExceptionInfo] = field(default_factory=dict)
    urls: dict[int, str] = field(default_factory=dict)


def _http_error(language: str, status: int, callee: str, method: str, url: str) -> str:
    reason = _REASONS.get(status, "Server Error")
    if language == "java":
        name = reason.replace(" ", "")
        return (
            f"org.springframework.web.client.HttpServerErrorException${name}: {status} {reason}"
            f' on {method} request for "{url}"'
        )
    if language == "node":
        return f"AxiosError: Request failed with status code {status}"
    if language == "go":
        return f"*errors.errorString: {callee} returned {status} {reason}"
    return f"requests.exceptions.HTTPError: {status} Server Error: {reason} for url: {url}"


def _refused(language: str, host: str, port: int) -> str:
    if language == "java":
        return "java.net.ConnectException: Connection refused"
    if language == "node":
        return f"Error: connect ECONNREFUSED {host}:{port}"
    if language == "go":
        return f"*net.OpError: dial tcp {host}:{port}: connect: connection refused"
    return f"requests.exceptions.ConnectionError: {host}:{port}: Connection refused"


def narrate(
    request: Request,
    ids: SpanIds,
    params: Params,
    info_ratio: float,
    rng: random.Random,
    namespace: str,
) -> RequestStory:
    """The logs and span exceptions of a kept request."""
    story = RequestStory()
    hops = list(request.root.walk())
    for hop in hops:  # every HTTP call has a URL, answered or not
        if not hop.node.is_db:
            path = params.fill_path(hop.node.path)
            story.urls[id(hop)] = (
                f"http://{hop.node.name}.{namespace}:{hop.node.service.port}{path}"
            )
    for hop in hops:
        if hop.pod is not None:
            _narrate_hop(hop, request, ids, params, info_ratio, rng, story)
    return story


def _narrate_hop(
    hop: Hop,
    request: Request,
    ids: SpanIds,
    params: Params,
    info_ratio: float,
    rng: random.Random,
    story: RequestStory,
) -> None:
    service, pod = hop.node.service, hop.pod
    assert pod is not None
    language = service.language
    trace = ids.logging_span(hop)
    end = int(hop.end_ms)
    params["route"] = hop.node.route

    def log(
        level: str, message: str, role: str, exc: ExceptionInfo | None = None, at: int = end
    ) -> None:
        story.events.append(
            LogEvent(
                at,
                service,
                pod,
                level,
                message,
                logger_name(language, service.name, role),
                trace,
                exc,
            )
        )

    failed_call = next((c for c in hop.children if c.failed), None)
    if hop.failure == "exception":
        choices = (
            [hop.burst.error]
            if hop.burst and hop.burst.error
            else (list(service.errors) or default_errors(language, service.name))
        )
        spec = choices[rng.randrange(len(choices))]
        exception_text = params.render(spec.exception)
        kind, _, detail = exception_text.partition(": ")
        info = ExceptionInfo(kind, detail, stack_trace(language, service.name, exception_text, []))
        story.exceptions[id(hop)] = info
        log("ERROR", params.render(spec.message), "Controller", info)
    elif failed_call is not None and failed_call.node.is_db:
        fault_timeout = failed_call.duration_ms
        database = failed_call.node.service
        message, info = db_connection_failure(
            language,
            service.name,
            database.db_system,
            database.name,
            database.port,
            round(fault_timeout, -2),
        )
        story.exceptions[id(failed_call)] = info
        story.exceptions[id(hop)] = info
        log("ERROR", message, "Repository", info, at=int(failed_call.end_ms))
        log(
            "ERROR",
            f"{hop.node.route} failed with {hop.status}: database unavailable",
            "Controller",
        )
    elif failed_call is not None:
        url = story.urls[id(failed_call)]
        callee, status = failed_call.node.name, failed_call.status
        if failed_call.failure == "connection":  # refused before reaching the callee
            exception_text = _refused(language, callee, failed_call.node.service.port)
            message = f"Call to {callee} failed: I/O error on {url}: Connection refused"
        elif failed_call.failure == "unavailable":  # Envoy found no ready pod
            exception_text = _http_error(language, status, callee, failed_call.node.method, url)
            message = f"Call to {callee} failed: {status} {_ENVOY_RESET}connection failure"
        else:
            exception_text = _http_error(language, status, callee, failed_call.node.method, url)
            message = f"Call to {callee} failed: {status} {_REASONS.get(status, 'Server Error')}"
        kind, _, detail = exception_text.partition(": ")
        info = ExceptionInfo(kind, detail, stack_trace(language, service.name, exception_text, []))
        if failed_call.pod is None:
            story.exceptions[id(failed_call)] = info
        if hop.failed:
            story.exceptions[id(hop)] = info
            log("ERROR", message, "Client", info, at=int(failed_call.end_ms))
        else:
            log(
                "WARN",
                f"{message}; continuing without {callee}",
                "Client",
                at=int(failed_call.end_ms),
            )
    if hop.slow:
        log(
            "WARN",
            f"Slow request: {hop.node.route} took {int(hop.duration_ms)} ms "
            f"(usual p99 {int(hop.node.p99)} ms)",
            "Controller",
        )
    if request.head_sampled and not hop.failed and rng.random() < info_ratio:
        templates = hop.node.logs or ["{route} completed with 200 in {ms} ms"]
        params["ms"] = str(int(hop.duration_ms))
        log("INFO", params.render(templates[rng.randrange(len(templates))]), "Controller")
