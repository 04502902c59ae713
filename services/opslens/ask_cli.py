"""``opslens ask``: a question to the running agent service, answered in the terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer


def _print_human(body: dict[str, Any]) -> None:
    plan = body["plan"]
    typer.echo(body["answer"])
    typer.echo("")
    typer.echo(
        f"plan: intent={plan['intent']} services={plan['services']} "
        f"window={plan['start']} .. {plan['end']}"
    )
    for query in body.get("queries", []):
        state = "ok" if query["ok"] else f"FAILED: {query['error']}"
        typer.echo(f"- {query['backend']}.{query['tool']} ({query['ms']:.0f} ms, {state})")
    timings = body.get("timings", {})
    typer.echo(
        f"took {timings.get('total_ms', 0):.0f} ms (backends {timings.get('backend_ms', 0):.0f} ms)"
    )


def ask(
    question: Annotated[str, typer.Argument(help="In English or Korean.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole response as JSON.")
    ] = False,
    now: Annotated[str | None, typer.Option(help="Pin the current time (ISO-8601).")] = None,
    session: Annotated[str | None, typer.Option(help="Session id for follow-up questions.")] = None,
    agent_url: Annotated[
        str, typer.Option(envvar="OPSLENS_AGENT_URL", help="The agent service.")
    ] = "http://127.0.0.1:8100",
    token: Annotated[
        str | None, typer.Option(envvar="OPSLENS_API_TOKEN", help="Bearer token, if required.")
    ] = None,
) -> None:
    """Ask the agent a question; print the answer, the plan and the queries it ran."""
    payload: dict[str, Any] = {"question": question, "session_id": session, "now": now}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.post(f"{agent_url}/v1/ask", json=payload, headers=headers, timeout=120)
    except httpx.TransportError as exc:
        typer.echo(
            f"the agent at {agent_url} is unreachable ({type(exc).__name__}); "
            "start it with 'opslens serve agent' or 'make demo'",
            err=True,
        )
        raise typer.Exit(2) from exc
    if response.status_code != 200:
        typer.echo(
            f"the agent answered HTTP {response.status_code}: {response.text[:500]}", err=True
        )
        raise typer.Exit(1)
    body = response.json()
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _print_human(body)
