"""The agent client's failure modes: every one becomes AgentUnavailable or AgentError.

Failures are produced by httpx transports injected through the constructor (the client's one
seam); the token check runs against a real agent service that requires one.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens_mcp.core.settings import ServerSettings
from opslens_ui.client import AgentClient, AgentError, AgentUnavailable
from opslens_ui.contract import AskRequest
from opslens_ui.settings import UiSettings
from tests.conftest import DemoServers, demo_agent_settings

QUESTION = AskRequest(question="지금 이상 징후 있어?")


def client_with(handler: Callable[[httpx.Request], httpx.Response]) -> AgentClient:
    return AgentClient(UiSettings(agent_url="http://agent.test"), httpx.MockTransport(handler))


def sse(*events: tuple[str, str]) -> httpx.Response:
    body = "".join(f"event: {name}\ndata: {data}\n\n" for name, data in events)
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def test_a_proxy_page_means_unavailable_but_the_agents_own_503_is_its_message() -> None:
    proxy = client_with(lambda _: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(AgentUnavailable, match="HTTP 502"):
        proxy.status()
    starting = client_with(lambda _: httpx.Response(503, json={"detail": "the agent is starting"}))
    with pytest.raises(AgentError, match="the agent is starting"):
        starting.status()


def test_timeouts_and_refused_connections_are_unavailable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(AgentUnavailable, match="timed out"):
        client_with(slow).ask(QUESTION)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(AgentUnavailable, match="connection refused"):
        list(client_with(refused).ask_stream(QUESTION))


def test_stream_errors_and_cut_streams_are_agent_errors() -> None:
    failing = client_with(
        lambda _: sse(
            ("step", '{"step": "understand", "status": "started"}'),
            ("error", '{"message": "the agent failed: KeyError"}'),
        )
    )
    events = failing.ask_stream(QUESTION)
    assert next(events).step == "understand"  # type: ignore[union-attr]
    with pytest.raises(AgentError, match="KeyError"):
        next(events)
    cut = client_with(lambda _: sse(("step", '{"step": "execute", "status": "done"}')))
    with pytest.raises(AgentError, match="ended before the answer"):
        list(cut.ask_stream(QUESTION))
    not_sse = client_with(lambda _: httpx.Response(200, json={"answer": "?"}))
    with pytest.raises(AgentError, match="event stream"):
        list(not_sse.ask_stream(QUESTION))


def test_an_answer_the_ui_cannot_read_is_an_agent_error() -> None:
    broken = client_with(lambda _: httpx.Response(200, json={"agent": ["not", "a", "status"]}))
    with pytest.raises(AgentError, match="AgentStatus the UI cannot read"):
        broken.status()


def test_the_token_reaches_an_agent_that_requires_one(demo_servers: DemoServers) -> None:
    app = create_agent_app(
        demo_agent_settings(demo_servers), ServerSettings(api_token="ui-test-token")
    )
    with serve(app) as url:
        with_token = AgentClient(UiSettings(agent_url=url, agent_token="ui-test-token"))
        assert with_token.status().agent == "ok"
        without = AgentClient(UiSettings(agent_url=url))
        with pytest.raises(AgentError, match="OPSLENS_UI_AGENT_TOKEN"):
            without.status()
