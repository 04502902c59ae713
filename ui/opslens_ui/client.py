"""The HTTP client of the agent service: ask (plain or streamed), services, status, reports.

Every failure reaches the caller as one of two errors, so a page can say what is wrong
instead of showing a traceback::

    client = AgentClient(UiSettings())
    try:
        for event in client.ask_stream(AskRequest(question="지금 이상 징후 있어?")):
            ...
    except AgentUnavailable as exc:   # not running, unreachable, timed out, overloaded
        ...
    except AgentError as exc:         # it answered, but with an error
        ...
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, TypeVar
from urllib.parse import quote

import httpx
from httpx_sse import SSEError, connect_sse
from pydantic import BaseModel, ValidationError

from opslens_ui.contract import (
    AgentStatus,
    AlertInvestigationList,
    AskRequest,
    AskResponse,
    ReportList,
    ServiceCatalog,
    StepEvent,
)
from opslens_ui.i18n import text
from opslens_ui.settings import UiSettings

ReportFormat = Literal["html", "md", "json"]
# Why the agent is unavailable, for the UI to say in its language (``reason`` is the detail).
Unavailability = Literal["refused", "timeout", "gateway", "transport"]
ModelT = TypeVar("ModelT", bound=BaseModel)

# Statuses that mean "the service is not there right now" rather than "your request failed".
UNAVAILABLE_STATUSES = {502, 503, 504}
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class AgentUnavailable(Exception):
    """The agent service could not be reached or did not answer in time."""

    def __init__(self, url: str, reason: str, kind: Unavailability = "transport") -> None:
        super().__init__(f"the opslens agent at {url} is not reachable: {reason}")
        self.url = url
        self.reason = reason
        self.kind = kind


class AgentError(Exception):
    """The agent service answered with an error (bad request, failed question, bad data)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AgentClient:
    """One connection pool to the agent service; create once per UI process and reuse."""

    def __init__(self, settings: UiSettings, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = settings.agent_url.rstrip("/")
        headers = {"Accept": "application/json"}
        if settings.agent_token is not None:
            headers["Authorization"] = f"Bearer {settings.agent_token.get_secret_value()}"
        self._status_timeout = httpx.Timeout(settings.status_timeout_s)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(settings.request_timeout_s, connect=settings.status_timeout_s),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def ask(self, request: AskRequest) -> AskResponse:
        """Ask one question and wait for the whole answer."""
        with self._translated_errors():
            response = self._http.post("/v1/ask", content=_json(request), headers=JSON_HEADERS)
        return _parse(AskResponse, self._checked(response))

    def ask_stream(self, request: AskRequest) -> Iterator[StepEvent | AskResponse]:
        """Ask one question; yield the agent's steps as they happen, then its answer last."""
        with (
            self._translated_errors(),
            connect_sse(
                self._http,
                "POST",
                "/v1/ask/stream",
                content=_json(request),
                headers=dict(JSON_HEADERS),
            ) as source,
        ):
            self._checked(source.response)
            try:
                for event in source.iter_sse():
                    if event.event == "step":
                        yield _parse_text(StepEvent, event.data)
                    elif event.event == "result":
                        yield _parse_text(AskResponse, event.data)
                        return
                    elif event.event == "error":
                        raise AgentError(_error_message(event.data))
            except SSEError as exc:
                raise AgentError(f"the agent did not answer with an event stream: {exc}") from exc
        raise AgentError("the agent's answer stream ended before the answer")

    def services(self) -> ServiceCatalog:
        """The services and namespaces the backends know (for the filters)."""
        return _parse(ServiceCatalog, self._get("/v1/services"))

    def status(self) -> AgentStatus:
        """The agent's own state and each backend's."""
        return _parse(AgentStatus, self._get("/v1/status"))

    def reports(self) -> ReportList:
        """The scheduled reports written so far, newest first as the agent lists them."""
        return _parse(ReportList, self._get("/v1/reports"))

    def alerts(self) -> AlertInvestigationList:
        """Alert investigations, newest first."""
        return _parse(AlertInvestigationList, self._get("/v1/alerts"))

    def report(self, report_id: str, fmt: ReportFormat) -> str:
        """One report rendered as HTML (self-contained), Markdown or JSON text."""
        path = f"/v1/reports/{quote(report_id, safe='')}"
        return self._get(path, params={"format": fmt}, quick=False).text

    def _get(
        self, path: str, params: dict[str, str] | None = None, quick: bool = True
    ) -> httpx.Response:
        """GET ``path``; ``quick`` calls (lists, status) wait only the short status timeout."""
        timeout = self._status_timeout if quick else httpx.USE_CLIENT_DEFAULT
        with self._translated_errors():
            response = self._http.get(path, params=params, timeout=timeout)
        return self._checked(response)

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        if response.status_code in (401, 403):
            raise AgentError(
                "the agent refused the request: check OPSLENS_UI_AGENT_TOKEN",
                response.status_code,
            )
        response.read()
        message = _error_message(response.text)
        if response.status_code in UNAVAILABLE_STATUSES and not _is_json(response):
            # A proxy's or load balancer's page: the agent itself did not answer.
            raise AgentUnavailable(self.base_url, f"HTTP {response.status_code}", "gateway")
        raise AgentError(message, response.status_code)

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException as exc:
            raise AgentUnavailable(
                self.base_url, text("error.reason.timeout", "en"), "timeout"
            ) from exc
        except httpx.ConnectError as exc:
            raise AgentUnavailable(self.base_url, _transport_reason(exc), "refused") from exc
        except httpx.TransportError as exc:
            raise AgentUnavailable(self.base_url, _transport_reason(exc)) from exc


def _json(request: BaseModel) -> bytes:
    """The request as UTF-8 JSON with Korean kept as is (no \\u escapes)."""
    return request.model_dump_json(exclude_none=True).encode()


def _parse(model: type[ModelT], response: httpx.Response) -> ModelT:
    return _parse_text(model, response.text)


def _parse_text(model: type[ModelT], text: str) -> ModelT:
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise AgentError(
            f"the agent sent a {model.__name__} the UI cannot read "
            f"({exc.error_count()} problems, first: {exc.errors()[0]['msg']})"
        ) from exc


def _error_message(body: str) -> str:
    """The human part of an error body: ``detail`` or ``message`` when it is JSON."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:500] or "the agent answered with an error and no message"
    if isinstance(data, dict):
        for key in ("message", "detail", "error"):
            if isinstance(data.get(key), str):
                return str(data[key])
        if data.get("detail") is not None:
            return json.dumps(data["detail"], ensure_ascii=False)[:500]
    return json.dumps(data, ensure_ascii=False)[:500]


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("application/json")


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return text("error.reason.refused", "en")
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
