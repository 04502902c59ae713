"""The Ask page: a chat with the agent, each answer streamed step by step, then its evidence.

A question comes from the chat box, an example button, a trace link (``?trace=<id>``), or a
filter change (which re-asks the last question). Everything the agent says is shown as text;
when the agent is down the page says so and how to fix it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from opslens_ui.answer_view import render_answer
from opslens_ui.client import AgentClient, AgentError, AgentUnavailable
from opslens_ui.contract import AskRequest, AskResponse, Filters, ServiceCatalog, StepEvent
from opslens_ui.conversation import Conversation, Turn, current, start_over
from opslens_ui.filters import describe, render_filters, take_change
from opslens_ui.formatting import escape_markdown, format_ms
from opslens_ui.logs_view import TRACE_QUERY_PARAM
from opslens_ui.settings import UiSettings
from opslens_ui.status import fetch_catalog, render_outages

EXAMPLES = [  # the operators' three everyday questions, in both languages
    (
        "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
        "show the error logs from order-service in the last 3 hours",
    ),
    (
        "product-service의 API 호출 지연이 있는 트레이스 보여줘",
        "show traces of product-service with slow API calls",
    ),
    (
        "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘",
        "find and analyse the traces related to order-service's error logs",
    ),
]
STEP_LABELS = {
    "understand": {"en": "Understanding the question", "ko": "질문을 이해하는 중"},
    "plan": {"en": "Planning the queries", "ko": "쿼리를 계획하는 중"},
    "execute": {"en": "Running queries", "ko": "쿼리를 실행하는 중"},
    "correlate": {"en": "Correlating the evidence", "ko": "증거를 연관 분석하는 중"},
    "answer": {"en": "Writing the answer", "ko": "답변을 작성하는 중"},
}
DONE_LABEL = {"en": "Steps", "ko": "처리 단계"}
PLACEHOLDER = "Ask about logs, traces, metrics or pods — in English or 한국어"


def render(client: AgentClient, settings: UiSettings) -> None:
    """Draw the page and answer whatever was asked in this run."""
    now = settings.now or datetime.now(UTC)
    filters = render_filters(_catalog(client), now)
    if st.sidebar.button("New conversation", key="new-conversation"):
        start_over()
    st.title("opslens")
    if settings.now is not None:
        st.caption(escape_markdown(f"Replaying: 'now' is pinned to {settings.now.isoformat()}"))
    agent_up = render_outages(client)
    conversation = current()
    prompt = st.chat_input(PLACEHOLDER, key="question")
    pending = _pending_question(conversation, prompt, filters)
    if not conversation.turns and pending is None:
        pending = _examples(enabled=agent_up)
    for turn in conversation.turns:
        _render_turn(turn)
    if pending is not None:
        question, reason = pending
        request = AskRequest(
            question=question,
            session_id=conversation.session_id,
            now=settings.now.isoformat() if settings.now else None,
            filters=None if filters.is_empty else filters,
        )
        _ask(client, conversation, request, reason)


def _catalog(client: AgentClient) -> ServiceCatalog | None:
    try:
        return fetch_catalog(client.base_url, client)
    except (AgentUnavailable, AgentError):
        return None


def _pending_question(
    conversation: Conversation, prompt: str | None, filters: Filters
) -> tuple[str, str | None] | None:
    """What to ask in this run, and why when it was not typed."""
    changed = take_change()
    if prompt and prompt.strip():
        return prompt.strip(), None
    trace_id = st.query_params.get(TRACE_QUERY_PARAM)
    if trace_id:
        del st.query_params[TRACE_QUERY_PARAM]
        return f"show trace {trace_id}", "opened from a trace link"
    if changed and conversation.last_question:
        reason = describe(filters)
        return conversation.last_question, f"filters changed: {reason or 'cleared'}"
    return None


def _examples(enabled: bool) -> tuple[str, str | None] | None:
    st.caption("Try one of these, or type your own question below:")
    korean, english = st.columns(2)
    for number, pair in enumerate(EXAMPLES):
        for column, example in zip((korean, english), pair, strict=True):
            if column.button(
                example, key=f"example-{number}-{column is korean}", disabled=not enabled
            ):
                return example, None
    return None


def _render_turn(turn: Turn) -> None:
    _user_message(turn)
    with st.chat_message("assistant"):
        if turn.steps:
            with st.expander(_steps_title(turn), expanded=False):
                _steps_body(turn)
        if turn.response is not None:
            render_answer(turn, turn.response)
        elif turn.error:
            st.error(escape_markdown(turn.error))


def _ask(
    client: AgentClient, conversation: Conversation, request: AskRequest, reason: str | None
) -> None:
    """Ask with the progress shown live, then show the answer (or why there is none)."""
    turn = conversation.start_turn(request.question, request.filters, reason)
    _user_message(turn)
    language = "ko" if turn.korean else "en"
    with st.chat_message("assistant"):
        progress = st.status(STEP_LABELS["understand"][language] + "…", expanded=True)
        try:
            for event in client.ask_stream(request):
                if isinstance(event, AskResponse):
                    conversation.record(turn, event)
                else:
                    turn.steps.append(event)
                    progress.update(label=_step_line(event, language, live=True))
                    progress.text(_step_line(event, language, live=False))
        except (AgentUnavailable, AgentError) as exc:
            turn.error = str(exc)
            progress.update(label=DONE_LABEL[language], state="error", expanded=False)
            st.error(escape_markdown(turn.error))
            return
        progress.update(label=_steps_title(turn), state="complete", expanded=False)
        if turn.response is not None:
            render_answer(turn, turn.response)


def _user_message(turn: Turn) -> None:
    with st.chat_message("user"):
        st.text(turn.question)
        if turn.reason:
            st.caption(escape_markdown(turn.reason))


def _step_line(event: StepEvent, language: str, live: bool) -> str:
    name = STEP_LABELS.get(event.step, {}).get(language, event.step)
    if live:
        return f"{name}…" if event.status == "started" else name
    mark = "✓" if event.status == "done" else "…"
    return f"{mark} {name}" + (f": {event.detail}" if event.detail else "")


def _steps_title(turn: Turn) -> str:
    language = "ko" if turn.korean else "en"
    timings = turn.response.timings if turn.response is not None else {}
    parts = [
        f"{step} {format_ms(timings[f'{step}_ms'])}"
        for step in STEP_LABELS
        if f"{step}_ms" in timings
    ]
    return DONE_LABEL[language] + (f" ({' · '.join(parts)})" if parts else "")


def _steps_body(turn: Turn) -> None:
    language = "ko" if turn.korean else "en"
    for event in turn.steps:
        st.text(_step_line(event, language, live=False))
